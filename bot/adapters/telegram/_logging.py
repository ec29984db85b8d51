"""Keep the bot token out of the logs.

python-telegram-bot puts the token in every URL, and httpx logs URLs at INFO: those loggers
are raised to WARNING. Anything else that still mentions the token (an exception message, a
debug line of any library) is masked as the log record is made, whichever handler gets it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

QUIET = ("httpx", "httpcore")
MASK = "<telegram-token>"


class TokenRedaction:
    """Installed while the adapter runs."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._previous: Callable[..., logging.LogRecord] | None = None

    def __repr__(self) -> str:
        return "TokenRedaction()"

    def install(self) -> None:
        for name in QUIET:
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() < logging.WARNING:
                logger.setLevel(logging.WARNING)
        if self._previous is None:
            self._previous = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._make_record)

    def remove(self) -> None:
        if self._previous is not None and logging.getLogRecordFactory() == self._make_record:
            logging.setLogRecordFactory(self._previous)
        self._previous = None

    def _make_record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._previous is not None
        record = self._previous(*args, **kwargs)
        self.mask(record)
        return record

    def mask(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: logging reports it when the record is emitted
            return
        if self._token in message:
            record.msg, record.args = message.replace(self._token, MASK), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self._token in text:
                record.exc_text, record.exc_info = text.replace(self._token, MASK), None
