"""Errors a bench run logged: a clean run has none."""

from __future__ import annotations

import logging


class ErrorCount(logging.Handler):
    """Errors the bot logged (a command that failed, such as a signature mismatch)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
