"""Storage: the schema (`models`, one module per subsystem), the connection and migrations
(`database`), the SQLite engine (`sqlite`), start-up checks (`preflight`) and statements
composed from query objects (`statements`).

Every model is importable from here (`from core.persistence import Post`) and from
`core.persistence.models`, which is the module list tortoise's app config names.
"""

from core.persistence.models import *  # noqa: F403
from core.persistence.models import __all__ as __all__
