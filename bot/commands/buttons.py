"""Giving buttons their tokens (shared by replies to commands and replies sent later)."""

from __future__ import annotations

from dataclasses import replace

from core.button_tokens import ActionTokens
from core.delivery.replies import Reply


async def tokenize(reply: Reply, tokens: ActionTokens, viewer_id: int) -> Reply:
    """Store each button's action; owner-only buttons are bound to `viewer_id`."""
    if not reply.buttons:
        return reply
    buttons = [button for row in reply.buttons for button in row if button.url is None]
    issued = iter(
        await tokens.issue_many(
            [(b.command, b.args, viewer_id if b.owner_only else None) for b in buttons]
        )
    )
    return reply.with_buttons(
        tuple(
            tuple(b if b.url is not None else replace(b, token=next(issued)) for b in row)
            for row in reply.buttons
        )
    )
