"""Replies bigger than Discord allows are cut to fit; nothing is ever rejected."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.adapters.discord import _render
from bot.commands import CommandSpec, Context
from core.delivery.replies import Button, ImageRef, Reply
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import with_commands


def noisy_png(path: Path, seed: int) -> Path:
    Image.effect_noise((200, 200), 60 + seed).convert("RGB").save(path)
    return path


async def test_an_oversized_reply_is_cut_to_discords_limits(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    images = tuple(ImageRef(noisy_png(tmp_path / f"{n}.png", n)) for n in range(12))

    async def huge(ctx: Context) -> Reply:
        return Reply(
            title="T" * 300,
            text=("word " * 1200).strip(),  # 5,999 characters
            footer="F" * 2100,
            images=images,
            buttons=tuple(
                tuple(
                    Button(f"{r}-{c} " + "L" * 90, "show", {"post": r * 10 + c}) for c in range(6)
                )
                for r in range(7)
            ),
        )

    async def long_text(ctx: Context) -> Reply:
        return Reply(text="x" * 3000)

    app = with_commands(
        world.app,
        monkeypatch,
        CommandSpec("huge", huge),
        CommandSpec("long", long_text),
        huge="Huge",
        long="Long",
    )
    await world.start(app)
    alice = world.person("alice", world.fake.guild_channel())

    (message,) = await alice.slash("huge")
    embed = message.embed
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["footer"]["text"]) == 2048
    assert len(embed["title"]) + len(embed["description"]) + 2048 <= 6000
    assert embed["description"].endswith("word…")  # cut between words
    assert len(message.payload["attachments"]) == 10
    rows = message.payload["components"]
    assert len(rows) == 5 and all(len(row["components"]) == 5 for row in rows)
    assert all(len(b["label"]) <= 80 for row in rows for b in row["components"])

    (long_message,) = await alice.slash("long")
    assert long_message.payload["content"] == ""
    assert long_message.embed["description"] == "x" * 3000  # too long for content, not cut
    assert world.fake.all_violations() == []


async def test_an_image_over_the_upload_cap_is_left_out(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    big = noisy_png(tmp_path / "big.png", 1)
    world.fake.upload_cap = big.stat().st_size - 1

    async def picture(ctx: Context) -> Reply:
        return Reply(title="A picture", images=(ImageRef(big),))

    app = with_commands(world.app, monkeypatch, CommandSpec("pic", picture), pic="Picture")
    await world.start(app)
    (message,) = await world.person("alice").slash("pic")
    assert message.embed["title"] == "A picture"
    assert message.payload["attachments"] == []
    assert world.fake.all_violations() == []


def test_an_image_is_sent_from_memory_up_to_a_size_and_streamed_from_its_file_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small files go out as bytes (no thread hand-offs to read and "close" them); big ones
    are still read in chunks from the file, not held in memory whole."""
    small = noisy_png(tmp_path / "small.png", 1)
    Image.effect_noise((400, 400), 60).convert("RGB").save(large := tmp_path / "large.png")
    monkeypatch.setattr(_render, "IN_MEMORY_MAX", small.stat().st_size)

    rendered = _render.render(Reply(title="t", images=(ImageRef(small), ImageRef(large))))

    first, second = (file.fp for file in rendered.files)
    assert isinstance(first, io.BytesIO) and first.getvalue() == small.read_bytes()
    assert not isinstance(second, io.BytesIO) and second.name == str(large)
    assert [f.filename for f in rendered.files] == ["small.png", "1-large.png"]
    for file in rendered.files:
        file.close()
