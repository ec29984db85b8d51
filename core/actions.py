"""Buttons as short tokens stored in the database.

A token stands for (command, arguments, owner). It is derived from those three, so the same
button rendered twice is one row; it is short enough for every platform (Telegram
callback_data ≤ 64 bytes, Discord custom_id ≤ 100 chars). Pressing a button resolves the token
and runs the command as if the presser had typed it; the command re-checks every permission.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from core.errors import NotFound
from core.persistence.models import ActionToken

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
    async def issue(self, command: str, args: dict[str, Any], owner_id: int | None) -> str:
        token = _token_for(command, args, owner_id)
        if not await ActionToken.exists(token=token):
            # Issued concurrently elsewhere: same token, same meaning.
            with contextlib.suppress(IntegrityError):
                await ActionToken.create(token=token, command=command, args=args, owner_id=owner_id)
        return token

    async def resolve(self, token: str) -> Action:
        row = await ActionToken.get_or_none(token=token)
        if row is None:
            raise NotFound("error.button_expired")
        return Action(row.command, dict(row.args), row.owner_id)
