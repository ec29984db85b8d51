"""Buttons as short tokens stored in the database.

A token stands for (command, arguments, owner). It is derived from those three, so the same
button rendered twice is one row; it is short enough for every platform (Telegram
callback_data ≤ 64 bytes, Discord custom_id ≤ 100 chars). Pressing a button resolves the token
and runs the command as if the presser had typed it; the command re-checks every permission.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pypika_tortoise import Query, Table
from tortoise import timezone

from core.errors import NotFound
from core.persistence.models import ActionToken
from core.persistence.statements import Slot, Written, db_value, value, write

TOKEN_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Action:
    command: str
    args: dict[str, Any]
    owner_id: int | None


def _token_for(command: str, args: dict[str, Any], owner_id: int | None) -> str:
    canonical = json.dumps([command, args, owner_id], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]


class ActionTokens:
    """Issues and resolves button tokens. Tokens known to be stored are remembered, so
    re-rendering the same buttons (status edits, feed pages) costs no query."""

    def __init__(self, remember: int = 50_000) -> None:
        self._stored: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    async def issue(self, command: str, args: dict[str, Any], owner_id: int | None) -> str:
        return (await self.issue_many([(command, args, owner_id)]))[0]

    async def issue_many(self, actions: list[tuple[str, dict[str, Any], int | None]]) -> list[str]:
        """Tokens for several buttons, stored with at most one INSERT."""
        tokens = [_token_for(command, args, owner) for command, args, owner in actions]
        new = {
            token: (command, args, owner)
            for token, (command, args, owner) in zip(tokens, actions, strict=True)
            if token not in self._stored
        }
        if new:
            await _store(new)
            for token in new:
                self._stored[token] = None
            while len(self._stored) > self._remember:
                self._stored.popitem(last=False)
        return tokens

    async def resolve(self, token: str) -> Action:
        row = await ActionToken.get_or_none(token=token)
        if row is None:
            raise NotFound("error.button_expired")
        return Action(row.command, dict(row.args), row.owner_id)


_COLUMNS = ("token", "command", "args", "owner_id", "created_at")


@lru_cache(maxsize=32)
def _inserting(query_class: type[Query], rows: int) -> Written:
    """INSERT INTO action_token (…) VALUES (…), … ON CONFLICT DO NOTHING: a token issued
    before (here or by another process) is the same row."""
    cells = iter(range(rows * len(_COLUMNS)))
    statement = (
        query_class.into(Table("action_token"))
        .columns(*_COLUMNS)
        .insert(*[[value(Slot("cell", next(cells))) for _ in _COLUMNS] for _ in range(rows)])
        .on_conflict()
        .do_nothing()
    )
    return write(query_class, statement)


async def _store(new: dict[str, tuple[str, dict[str, Any], int | None]]) -> None:
    """The new tokens' rows, in one statement written once per row count (through the ORM
    it was a bulk insert built anew each time: most of the CPU of issuing a button)."""
    db = ActionToken._meta.db
    now = db_value(ActionToken, "created_at", timezone.now())
    cells: list[object] = []
    for token, (command, args, owner) in new.items():
        cells += [token, command, db_value(ActionToken, "args", args), owner, now]
    inserting = _inserting(db.query_class, len(new))  # type: ignore[arg-type]
    await db.execute_query(
        inserting.sql, inserting.bind({Slot("cell", i): cell for i, cell in enumerate(cells)})
    )
