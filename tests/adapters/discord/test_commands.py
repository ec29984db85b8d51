"""Slash commands generated from the registry: typed, localized, published only on change."""

from __future__ import annotations

import pytest

from bot.commands import CommandSpec, Context, Param, ParamKind
from core.delivery.replies import Reply
from core.errors import ConfigurationError
from core.i18n import CATALOGS
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import with_commands
from tests.support.fake_discord.interactions import AUTOCOMPLETE_RESULT

STYLES = ["Neon", "Noir", "Watercolour", "Stone", "Pixel art", "Neo-classic"]


def by_name(commands: list[dict], name: str) -> dict:
    return next(c for c in commands if c["name"] == name)


def option(command: dict, name: str) -> dict:
    return next(o for o in command["options"] if o["name"] == name)


async def test_commands_are_typed_and_localized_in_german(world: DiscordWorld) -> None:
    await world.start()
    commands = world.fake.commands["global"]
    de = CATALOGS["de"]

    follow = by_name(commands, "follow")
    assert follow["description_localizations"] == {"de": de["cmd.follow"]}
    assert follow["name_localizations"] == {"de": "folgen"}
    user = option(follow, "user")
    assert (user["type"], user["required"], user["max_length"]) == (3, True, 33)
    assert user["description_localizations"] == {"de": de["param.follow.user"]}

    # "/feed" has subcommands ("/feed tune"), so the page command is "/feed show"
    page = option(option(by_name(commands, "feed"), "show"), "page")
    assert (page["type"], page["min_value"], page["max_value"], page["required"]) == (
        4,
        1,
        1000,
        False,
    )
    assert option(by_name(commands, "show"), "post")["type"] == 4

    server = by_name(commands, "server")  # "server language" etc. are its subcommands
    assert int(server["default_member_permissions"]) == 1 << 5  # Manage Server
    language = option(option(server, "language"), "language")
    assert [(c["value"], c["name_localizations"]["de"]) for c in language["choices"]] == [
        ("en", "Englisch"),
        ("de", "Deutsch"),
    ]
    every_description = [
        text
        for command in commands
        if command["type"] == 1
        for text in [command["description"], *command["description_localizations"].values()]
    ]
    assert all(1 <= len(text) <= 100 for text in every_description)
    assert "post" not in {c["name"] for c in commands}  # console only
    assert world.fake.all_violations() == []


async def test_a_german_discord_user_gets_german_replies(world: DiscordWorld) -> None:
    await world.start()
    klara = world.person("klara", locale="de")
    (answer,) = await klara.slash("feed show")
    assert answer.text.startswith("Dein Feed ist leer.")


async def test_the_tree_is_published_once_and_again_only_when_it_changes(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await world.start()
    await world.stop(first)
    second = await world.start()
    await world.stop(second)
    assert (first.synced, second.synced) == (True, False)
    assert world.fake.command_syncs == ["global"]

    async def extra(ctx: Context) -> Reply:
        return Reply(text="new")

    changed = with_commands(world.app, monkeypatch, CommandSpec("extra", extra), extra="New")
    third = await world.start(changed)
    assert third.synced is True
    assert world.fake.command_syncs == ["global", "global"]
    assert "extra" in {c["name"] for c in world.fake.commands["global"]}


async def test_a_development_guild_gets_the_commands_at_once(world: DiscordWorld) -> None:
    guild = world.fake.guild_channel()
    await world.start(dev_guild_id=guild.guild_id)
    assert world.fake.command_syncs == [f"guild:{guild.guild_id}"]
    alice = world.person("alice", guild)
    (answer,) = await alice.slash("feed show")
    assert answer.text.startswith("Your feed is empty.")
    assert world.fake.all_violations() == []


async def test_autocomplete_lists_matching_choices_at_once(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def paint(ctx: Context, style: str, prompt: str) -> Reply:
        return Reply(text=f"{prompt} in {style}")

    spec = CommandSpec(
        "paint",
        paint,
        (Param("style", ParamKind.WORD, autocomplete=True), Param("prompt", ParamKind.TEXT)),
    )
    app = with_commands(world.app, monkeypatch, spec, paint="Paint")
    await world.start(app, autocomplete={"style": lambda language: [(s, s) for s in STYLES]})
    alice = world.person("alice")

    asked = await world.fake.autocomplete(
        alice.user, alice.place, "paint", {"prompt": "a cat", "style": "ne"}, focused="style"
    )
    await world.settle(asked)
    assert asked.response_type == AUTOCOMPLETE_RESULT
    assert [c["value"] for c in asked.response_data["choices"]] == [
        "Neon",
        "Neo-classic",
        "Stone",  # starts with "ne" first, then contains it
    ]
    assert asked.latency < 0.5
    (painted,) = await alice.slash("paint", prompt="a cat", style="Noir")
    assert painted.text == "a cat in Noir"
    assert world.fake.all_violations() == []


async def test_autocomplete_without_a_lister_fails_at_start_up(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def paint(ctx: Context, shade: str) -> Reply:
        return Reply(text=shade)

    spec = CommandSpec("paint", paint, (Param("shade", ParamKind.WORD, autocomplete=True),))
    app = with_commands(world.app, monkeypatch, spec, paint="Paint")
    with pytest.raises(ValueError, match="no lister for 'shade'"):
        await world.start(app)


async def test_a_tree_discord_would_reject_is_not_sent(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def wordy(ctx: Context) -> Reply:
        return Reply(text="…")

    app = with_commands(world.app, monkeypatch, CommandSpec("wordy", wordy), wordy="w" * 101)
    with pytest.raises(ConfigurationError, match="/wordy: description"):
        await world.start(app)
    assert world.fake.command_syncs == []
    assert world.fake.all_violations() == []
