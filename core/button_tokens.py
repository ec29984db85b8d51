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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pypika_tortoise import Query, Table
from tortoise import timezone

from core.errors import NotFound
from core.persistence.local_copies import ChangeNotices, LocalCopies
from core.persistence.models import ActionToken
from core.persistence.statements import Slot, Written, db_value, value, write

TOKEN_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Action:
    command: str
    args: dict[str, Any]
    owner_id: int | None


def token_for(command: str, args: dict[str, Any], owner_id: int | None) -> str:
    canonical = json.dumps([command, args, owner_id], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # b32encode's alphabet, as `token_for` lowers it


def token_expression(canonical: str) -> str:
    """PostgreSQL: an expression for `token_for`'s token of the canonical JSON text that
    the SQL expression `canonical` makes (`[command, args, owner]`, keys sorted, no spaces):
    the same SHA-256, base32 and length. A statement stores with it a button whose token
    depends on a value it makes itself (a new job's id: `GenerationJobs`)."""
    size = -(-TOKEN_LENGTH * 5 // 8)  # the digest's bytes that the token's characters cover
    digest = f"sha256(convert_to({canonical}, 'UTF8'))"
    bits = f"('x' || encode(substring({digest} FROM 1 FOR {size}), 'hex'))::bit({size * 8})"
    return (
        f"(SELECT string_agg(substr('{_BASE32}', substring(d.b FROM i * 5 + 1 FOR 5)::bit(5)"
        f"::int + 1, 1), '' ORDER BY i) FROM (SELECT {bits} AS b) AS d,"
        f" generate_series(0, {TOKEN_LENGTH - 1}) AS i)"
    )


class ActionTokens:
    """Issues and resolves button tokens. Tokens known to be stored are remembered, so
    re-rendering the same buttons (status edits, feed pages) costs no query; with `notices`,
    so are the actions of tokens resolved (a press then costs no query for its button)."""

    def __init__(self, remember: int = 50_000, notices: ChangeNotices | None = None) -> None:
        self._stored: OrderedDict[str, None] = OrderedDict()
        self._remember = remember
        # The action behind each token pressed, kept per process (core.persistence.local_copies).
        # A token is derived from its action, so its row never changes; it only goes, with its
        # owner's account (a link merging it away, /deleteme), whose change drops the copy
        # here and in the other processes. A button without an owner is never deleted.
        self._resolved: LocalCopies[str, Action] | None = (
            notices.copies() if notices is not None else None
        )

    async def issue(self, command: str, args: dict[str, Any], owner_id: int | None) -> str:
        return (await self.issue_many([(command, args, owner_id)]))[0]

    async def issue_many(self, actions: list[tuple[str, dict[str, Any], int | None]]) -> list[str]:
        """Tokens for several buttons, stored with at most one INSERT."""
        tokens, new = self.unstored(actions)
        await self.store_new(new)
        return tokens

    def unstored(
        self, actions: list[tuple[str, dict[str, Any], int | None]]
    ) -> tuple[list[str], Unstored]:
        """Tokens for several buttons, and those not known to be stored: the caller stores
        them in a statement of its own (`token_rows`, before anyone can press them) and then
        says so (`stored`)."""
        tokens = [token_for(command, args, owner) for command, args, owner in actions]
        new = {
            token: (command, args, owner)
            for token, (command, args, owner) in zip(tokens, actions, strict=True)
            if token not in self._stored
        }
        return tokens, new

    async def store_new(self, new: Unstored) -> None:
        """Store the rows of these new tokens (`unstored`), one INSERT, and say so (`stored`)."""
        if new:
            await store(new)
            self.stored(new)

    def stored(self, new: Unstored) -> None:
        for token in new:
            self._stored[token] = None
        while len(self._stored) > self._remember:
            self._stored.popitem(last=False)

    async def resolve(self, token: str) -> Action:
        kept = self._resolved
        action = kept.get(token) if kept is not None else None
        if action is None:
            drops = kept.drops if kept is not None else 0
            row = await ActionToken.get_or_none(token=token)
            if row is None:
                raise NotFound("error.button_expired")
            action = Action(row.command, dict(row.args), row.owner_id)
            if kept is not None:
                from core.social.accounts import account_changed  # core.social imports this

                owner = () if row.owner_id is None else (account_changed(row.owner_id),)
                kept.put(token, action, *owner, loaded_after=drops)
        return replace(action, args=dict(action.args))  # the caller's: a kept one stays as is


Unstored = dict[str, tuple[str, dict[str, Any], int | None]]  # token → its action
_COLUMNS = ("token", "command", "args", "owner_id", "created_at")


def token_rows(query_class: type[Query], rows: int, slot: str) -> Any:
    """INSERT INTO action_token (…) VALUES (…), … ON CONFLICT DO NOTHING: a token issued
    before (here or by another process) is the same row. Its values are the slots `slot`
    0, 1, … (`token_cells`): a query object, run on its own (`store`) or inside a larger
    statement (`Outbox.add`: `WITH tokens AS (…) INSERT INTO outbox_message …`)."""
    cells = iter(range(rows * len(_COLUMNS)))
    return (
        query_class.into(Table("action_token"))
        .columns(*_COLUMNS)
        .insert(*[[value(Slot(slot, next(cells))) for _ in _COLUMNS] for _ in range(rows)])
        .on_conflict()
        .do_nothing()
    )


def token_cells(new: Unstored, slot: str) -> dict[Slot, object]:
    """The values of `token_rows`'s slots for the tokens `new`."""
    now = db_value(ActionToken, "created_at", timezone.now())
    cells: list[object] = []
    for token, (command, args, owner) in new.items():
        cells += [token, command, db_value(ActionToken, "args", args), owner, now]
    return {Slot(slot, i): cell for i, cell in enumerate(cells)}


@lru_cache(maxsize=32)
def _inserting(query_class: type[Query], rows: int) -> Written:
    return write(query_class, token_rows(query_class, rows, "cell"))


async def store(new: Unstored) -> None:
    """The new tokens' rows, in one statement written once per row count (through the ORM
    it was a bulk insert built anew each time: most of the CPU of issuing a button)."""
    db = ActionToken._meta.db
    inserting = _inserting(db.query_class, len(new))  # type: ignore[arg-type]
    await db.execute_query(inserting.sql, inserting.bind(token_cells(new, "cell")))
