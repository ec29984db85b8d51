"""With MOSAIC_WEB_URL set, a public post on Discord carries an "Open on the web" link."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain import Audience
from core.settings import Settings
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by

WEB = "https://mosaic.example"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_WEB_URL=WEB,
        _env_file=None,
    )


def links(message) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = message.payload.get("components") or []
    return [b for row in rows for b in row["components"] if b.get("style") == 5]


async def test_public_posts_link_to_their_web_page(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice, bob = world.person("alice", place), world.person("bob", place)
    author = await account_of(world.app, bob.user)
    public = await post_by(world.app, author)
    (shown,) = await alice.slash("show", post=public.id)
    assert [(b["label"], b["url"]) for b in links(shown)] == [
        ("Open on the web", world.app.services.links.post_url(public.id))
    ]
    assert links(shown)[0]["url"].startswith(f"{WEB}/p/")
    private = await post_by(world.app, author, 1)
    private.audience = Audience.FOLLOWERS
    await private.save(update_fields=["audience"])
    await world.app.services.graph.follow(await account_of(world.app, alice.user), author)
    (hidden,) = await alice.slash("show", post=private.id)
    assert links(hidden) == [], "no web page for a followers-only post"
    assert world.fake.all_violations() == []
