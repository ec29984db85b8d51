"""DISCORD_SHARDS: which shards a process runs, the commands published once, and the fake
gateway, which shards as Discord does (a guild's events only on its shard's session)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.discord import ShardPlan
from bot.cli import main
from core.errors import ConfigurationError
from core.persistence.models import Post
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by
from tests.support.fake_discord import FakeDiscord


@pytest.mark.parametrize(
    ("text", "ids", "count"),
    [
        (None, (0,), 1),
        ("", (0,), 1),
        ("0-3/8", (0, 1, 2, 3), 8),
        ("1/2", (1,), 2),
        (" 4-5, 0 / 6 ", (0, 4, 5), 6),
        ("0,2,4-6/16", (0, 2, 4, 5, 6), 16),
    ],
)
def test_a_shard_plan_names_ids_of_a_count(
    text: str | None, ids: tuple[int, ...], count: int
) -> None:
    plan = ShardPlan.parse(text)
    assert (plan.ids, plan.count) == (ids, count)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8", "is not a list of shard ids and a count"),
        ("0-3", "is not a list of shard ids and a count"),
        ("a/2", "is not a list of shard ids and a count"),
        ("0/0", "has a shard count below 1"),
        ("0-3/2", "names shard 2, 3, not below the count 2"),
        ("2/2", "names shard 2, not below the count 2"),
        ("3-1/4", "has the range 3-1, which runs backwards"),
        ("0,0-1/4", "names shard 0 twice"),
        ("0,,1/4", "has '', which is not a shard id or a range a-b"),
    ],
)
def test_a_bad_shard_plan_is_one_clear_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        ShardPlan.parse(text)
    message = str(raised.value)
    assert message.startswith(f"DISCORD_SHARDS={text!r} {problem};"), message
    assert "for example 0-3/8" in message and "\n" not in message


def test_a_guild_belongs_to_the_shard_of_its_id() -> None:
    plan = ShardPlan.parse("1,3/4")
    guild = (1234567 << 22) | 99  # (id >> 22) % 4 == 3
    assert plan.shard_of(guild) == 3 and plan.runs(guild)
    assert plan.shard_of(None) == 0 and not plan.runs(None)  # DMs: shard 0
    assert not plan.syncs_commands and ShardPlan.parse("0-1/4").syncs_commands


def test_bad_discord_shards_exit_with_the_configuration_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOSAIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MOSAIC_DATABASE_URL", f"sqlite://{tmp_path / 'mosaic.db'}")
    monkeypatch.setenv("MOSAIC_WEB_LISTEN", "off")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "a-token")
    monkeypatch.setenv("DISCORD_SHARDS", "0-3/2")
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    assert main(["run", "--roles", "discord"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "mosaic: DISCORD_SHARDS='0-3/2' names shard 2, 3, not below the count 2; write "
        "<shard ids>/<shard count>, for example 0-3/8 (shards 0 to 3 of 8) or 1/2"
    ]


async def test_only_the_process_with_shard_0_publishes_the_commands(world: DiscordWorld) -> None:
    other = await world.start(shards=ShardPlan.parse("1/2"))
    assert other.synced is False and world.fake.command_syncs == []
    first = await world.start(shards=ShardPlan.parse("0/2"))
    assert first.synced is True and world.fake.command_syncs == ["global"]
    assert world.fake.gateway is not None
    shards = [p["shard"] for p in world.fake.gateway.identify_payloads]
    assert shards == [[1, 2], [0, 2]]
    assert world.fake.gateway.limits_exceeded == []  # the second waited for its turn


def two_identify_buckets(world: DiscordWorld) -> None:
    """max_concurrency 2 (Discord gives it to larger bots): shards 0 and 1 are in buckets of
    their own and IDENTIFY at once. For the tests of where events go, not of the turns (the
    first test above keeps max_concurrency 1 and its 5 s wait)."""
    assert world.fake.gateway is not None
    world.fake.gateway.max_concurrency = 2


async def test_each_guild_is_answered_on_its_own_shard_once(world: DiscordWorld) -> None:
    two_identify_buckets(world)
    await world.start(shards=ShardPlan.parse("0/2"))
    await world.start(shards=ShardPlan.parse("1/2"))
    fake = world.fake
    assert fake.gateway is not None
    places = [fake.guild_on_shard(n % 2, 2) for n in range(6)]
    people = [world.person(f"p{n}", place) for n, place in enumerate(places)]
    dm = world.person("dm")  # a DM: shard 0
    sent = [await p.start_slash("profile") for p in [*people, dm]]
    for interaction in sent:
        await fake.answered(interaction)
    assert [i.callbacks for i in sent] == [1] * len(sent)
    assert fake.gateway.delivered == {0: 4, 1: 3}
    assert fake.gateway.limits_exceeded == [] and fake.all_violations() == []


async def test_the_gateway_refuses_a_client_with_too_few_shards(
    world: DiscordWorld, fake_discord: FakeDiscord
) -> None:
    assert fake_discord.gateway is not None
    fake_discord.gateway.min_shards = 2  # the bot is in too many guilds for one shard
    with pytest.raises(
        ConfigurationError, match=r"Discord refused shard 0 of DISCORD_SHARDS=0/1 \(4011"
    ):
        await world.start()


async def identify_raw(fake: FakeDiscord, shard: object) -> aiohttp.WSMessage:
    """IDENTIFY on a bare websocket; what the gateway answers first."""
    identify = {"token": fake.token, "intents": 0, "properties": {}, "shard": shard}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(fake.gateway_url) as socket,
    ):
        hello = await socket.receive_json()
        assert hello["op"] == 10
        await socket.send_str(json.dumps({"op": 2, "d": identify}))
        return await socket.receive()


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], "0/2", [0.0, 2]])
async def test_the_gateway_closes_an_identify_with_an_invalid_shard(
    fake_discord: FakeDiscord, shard: object
) -> None:
    closed = await identify_raw(fake_discord, shard)
    assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4010
    assert fake_discord.gateway is not None
    assert fake_discord.gateway.violations == [f"IDENTIFY with an invalid shard {shard!r}"]
    assert fake_discord.gateway.sessions == {}


async def test_identifies_over_the_session_start_limit_are_answered_invalid_session(
    fake_discord: FakeDiscord,
) -> None:
    ready = await identify_raw(fake_discord, [0, 2])
    assert ready.json()["t"] == "READY"
    refused = await identify_raw(fake_discord, [1, 2])  # bucket 0 again within 5 s
    assert refused.json() == {"op": 9, "d": False}
    assert fake_discord.gateway is not None
    (exceeded,) = fake_discord.gateway.limits_exceeded
    assert exceeded.startswith("IDENTIFY of shard 1") and "bucket 0" in exceeded


async def test_a_heart_is_a_like_on_whichever_shard_the_guild_is(world: DiscordWorld) -> None:
    two_identify_buckets(world)
    adapters = [await world.start(shards=ShardPlan.parse(f"{n}/2")) for n in (0, 1)]
    fake = world.fake
    assert fake.gateway is not None
    for shard in (0, 1):
        place = fake.guild_on_shard(shard, 2)
        alice, bob = world.person(f"alice{shard}", place), world.person(f"bob{shard}", place)
        post = await post_by(world.app, await account_of(world.app, bob.user))
        showing = await alice.start_slash("show", post=post.id)
        await asyncio.wait_for(showing.shown.wait(), 10)
        for adapter in adapters:  # `world.settle` waits for the last adapter only
            await adapter.wait_idle()
        (shown,) = fake.conversation(showing)
        before = dict(fake.gateway.delivered)
        await fake.react(alice.user, shown, "❤️")
        await fake.barrier()
        for adapter in adapters:
            await adapter.wait_idle()
        assert (await Post.get(id=post.id)).like_count == 1
        other = 1 - shard
        assert fake.gateway.delivered[shard] == before[shard] + 1  # on its own shard only
        assert fake.gateway.delivered.get(other) == before.get(other)
    assert fake.all_violations() == [] and fake.gateway.limits_exceeded == []
