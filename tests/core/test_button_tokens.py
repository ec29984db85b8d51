"""Button tokens stored in one written INSERT (core/button_tokens.py), on SQLite and
PostgreSQL: what is stored is what a press resolves, a token stored elsewhere is the same
row, and a row is written only once per process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import App
from core.button_tokens import Action, ActionTokens
from core.domain import Platform
from core.errors import NotFound
from core.persistence.models import Account, ActionToken
from tests.support.queries import count_queries


async def test_tokens_stored_together_resolve_to_their_actions(app: App) -> None:
    owner = await Account.create(handle="tokens", display_name="Tokens")
    tokens = ActionTokens()
    actions = [
        ("publish", {"job": 7, "image": 1}, owner.id),
        ("vary", {"job": 7, "image": 1, "note": "é ✓"}, owner.id),
        ("feed", {}, None),
    ]
    issued = await tokens.issue_many(actions)
    assert len(set(issued)) == 3
    for token, (command, args, owner_id) in zip(issued, actions, strict=True):
        action = await tokens.resolve(token)
        assert (action.command, action.args, action.owner_id) == (command, args, owner_id)
    row = await ActionToken.get(token=issued[0])
    assert abs(row.created_at - datetime.now(UTC)) < timedelta(minutes=5)


async def test_a_token_stored_by_another_process_is_the_same_row(app: App) -> None:
    first, other = ActionTokens(), ActionTokens()  # two processes' memories
    mine = await first.issue_many([("feed", {"page": 2}, None), ("help", {}, None)])
    again = await other.issue_many([("help", {}, None), ("feed", {"page": 2}, None)])
    assert again == mine[::-1]
    assert await ActionToken.filter(token__in=mine).count() == 2


async def test_a_token_known_stored_is_not_written_again(app: App) -> None:
    tokens = ActionTokens()
    (token,) = await tokens.issue_many([("feed", {"page": 3}, None)])
    await ActionToken.filter(token=token).delete()  # gone behind this process's back
    assert await tokens.issue_many([("feed", {"page": 3}, None)]) == [token]
    assert not await ActionToken.exists(token=token)  # remembered: no query was made


async def test_a_pressed_token_is_resolved_once_per_process(app: App) -> None:
    """The app's tokens keep what each token pressed stands for: the next press of it asks
    the database nothing (a token is derived from its action, so its row never changes)."""
    tokens = app.services.tokens
    (token,) = await tokens.issue_many([("like", {"post": 41}, None)])
    first = await tokens.resolve(token)
    with count_queries() as sent:
        again = await tokens.resolve(token)
    assert sent == []
    assert again == first == Action("like", {"post": 41}, None)
    again.args["post"] = 7  # a caller's copy: what is kept does not change with it
    assert (await tokens.resolve(token)).args == {"post": 41}


async def test_a_kept_token_goes_with_its_owners_account(app: App) -> None:
    """An owned button's row goes when its owner's account does (/deleteme, a link merging
    it away); the copy kept of it goes with that change, so the press says it has expired."""
    owner = await app.services.accounts.resolve(Platform.CONSOLE, "owner", "Owner")
    tokens = app.services.tokens
    (token,) = await tokens.issue_many([("publish", {"job": 3, "image": 1}, owner.id)])
    assert (await tokens.resolve(token)).owner_id == owner.id
    await app.services.account_data.delete(owner)
    with pytest.raises(NotFound):
        await tokens.resolve(token)
