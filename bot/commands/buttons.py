"""Giving buttons their tokens (shared by replies to commands and replies sent later)."""

from __future__ import annotations

from dataclasses import replace

from core.button_tokens import ActionTokens, Unstored
from core.delivery.replies import Reply


async def tokenize(reply: Reply, tokens: ActionTokens, viewer_id: int) -> Reply:
    """Store each button's action; owner-only buttons are bound to `viewer_id`."""
    ready, new = tokenize_unstored(reply, tokens, viewer_id)
    await tokens.store_new(new)
    return ready


def tokenize_unstored(reply: Reply, tokens: ActionTokens, viewer_id: int) -> tuple[Reply, Unstored]:
    """`tokenize`, but the new tokens are returned for the caller to store (in the statement
    that queues the reply: before anyone can press them) and then mark (`tokens.stored`)."""
    if not reply.buttons:
        return reply, {}
    buttons = [button for row in reply.buttons for button in row if button.url is None]
    issued_tokens, new = tokens.unstored(
        [(b.command, b.args, viewer_id if b.owner_only else None) for b in buttons]
    )
    issued = iter(issued_tokens)
    ready = reply.with_buttons(
        tuple(
            tuple(b if b.url is not None else replace(b, token=next(issued)) for b in row)
            for row in reply.buttons
        )
    )
    return ready, new
