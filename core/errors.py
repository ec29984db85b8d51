"""One error tree.

`MosaicError` and its subclasses are *user-safe*: they carry a message key and parameters that
are rendered in the user's language. Anything else that escapes a handler is a bug: it is
logged with context and the user sees a short apology with an error id.
"""

from __future__ import annotations

from typing import Any


class MosaicError(Exception):
    """An error whose message is safe to show to the user."""

    default_key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(self.key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class NotFound(MosaicError):
    """The thing the user named does not exist (or they may not know it exists)."""


class Forbidden(MosaicError):
    """The user may not do this."""


class Conflict(MosaicError):
    """The request clashes with the current state (already following, already liked...)."""


class InvalidInput(MosaicError):
    """The user's input does not fit the command (too long, wrong type, unknown choice)."""


class LimitExceeded(MosaicError):
    """A quota or rate limit was reached."""


class ConfigurationError(Exception):
    """The operator's configuration is unusable; raised at start-up with a clear message."""
