"""The base of every model: tortoise's `Model`, without reading each model's source at import.

Tortoise's model metaclass reads the source of every model class it makes (`inspect.getsource`,
which tokenizes and parses the whole module once per class) to collect `#:` comments as field
descriptions. Mosaic's models have none, and the reading cost every process ~65 ms of CPU at
start-up. `_no_comments` is tortoise's own switch for it (its migrations' model states set it).
"""

from __future__ import annotations

from typing import Any

from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta


class _NoCommentsMeta(ModelMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_NoCommentsMeta):
    class Meta:
        abstract = True
