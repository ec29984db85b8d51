"""Two Mosaic processes, `DISCORD_SHARDS=0/2` and `1/2`, against one fake Discord that
shards as Discord does (issue 19): people in guilds of both shards and in a DM follow,
open their feed and press Like; each interaction is answered exactly once, by the process
that runs the guild's shard; the commands are published once; no limit is exceeded; both
processes stop with status 0. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from bot.bootstrap import build
from core.persistence.models import Post, Reaction
from core.settings import Settings
from tests.reliability.test_many_processes import seed
from tests.reliability.test_parallel_consoles import environment
from tests.support.fake_discord import FakeDiscord, FakeInteraction, FakeUser, Place
from tests.support.fakes import FakeModerator, FakeProvider

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 300.0  # seconds for anything to happen: the machine is shared
PEOPLE_PER_SHARD = 3

pytestmark = pytest.mark.slow


async def patiently(wait: Callable[[], Awaitable[object]]) -> None:
    """The fake's waits give up after 10 s; on a loaded machine the bot may take longer."""
    async with asyncio.timeout(LIMIT):
        while True:
            with contextlib.suppress(TimeoutError):
                await wait()
                return


def output_files(folder: Path) -> tuple[BinaryIO, BinaryIO]:
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / "out").open("wb"), (folder / "err").open("wb")


async def shard_process(
    env: dict[str, str], folder: Path, gateway: str
) -> asyncio.subprocess.Process:
    out, err = output_files(folder)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.platform_process",
        gateway,
        "run",
        "--roles",
        "discord",
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=out,
        stderr=err,
    )


async def test_two_processes_answer_the_guilds_of_their_shards_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    data = tmp_path / "data"
    post_id = await seed(database_url, data)
    fake = FakeDiscord(min_shards=2)  # a single shard would be refused (4011)
    await fake.start()
    assert fake.gateway is not None
    processes: list[asyncio.subprocess.Process] = []
    try:
        for shard in (0, 1):
            env = {
                **environment(data, database_url),
                "MOSAIC_WEB_LISTEN": "off",
                "DISCORD_BOT_TOKEN": fake.token,
                "DISCORD_API_BASE_URL": fake.rest_base_for(f"process{shard}"),
                "DISCORD_SHARDS": f"{shard}/2",
            }
            folder = tmp_path / f"process{shard}"
            processes.append(await shard_process(env, folder, fake.gateway_url))
        gateway = fake.gateway
        await patiently(lambda: fake.wait_until(lambda: set(gateway.sessions) == {0, 1}))
        await patiently(lambda: fake.wait_until(lambda: bool(fake.command_syncs)))

        places = [fake.guild_on_shard(n % 2, 2) for n in range(2 * PEOPLE_PER_SHARD)]
        people = [(fake.user(f"p{n}"), place) for n, place in enumerate(places)]
        loner = fake.user("loner")
        people.append((loner, fake.dm(loner)))  # a DM: shard 0
        sent: list[tuple[FakeInteraction, Place]] = []

        async def act(
            command: str, options: dict[str, object], user: FakeUser, place: Place
        ) -> FakeInteraction:
            interaction = await fake.slash(user, place, command, options)
            await patiently(lambda: asyncio.wait_for(interaction.shown.wait(), 10))
            sent.append((interaction, place))
            return interaction

        for user, place in people:
            await act("follow", {"user": "bob"}, user, place)
            feed = await act("feed show", {}, user, place)
            await patiently(lambda feed=feed: asyncio.wait_for(feed.shown.wait(), 10))
            shown = next(m for m in fake.conversation(feed) if "Like" in str(m.payload))
            like = await fake.press(user, shown, shown.button("Like"), place=place)
            await patiently(lambda like=like: asyncio.wait_for(like.shown.wait(), 10))
            sent.append((like, place))

        for interaction, place in sent:
            owner = 0 if place.guild_id is None else (place.guild_id >> 22) % 2
            assert interaction.callbacks == 1, interaction.payload["data"]
            assert interaction.answered_by == f"process{owner}"
        answered_by = {i.answered_by for i, _ in sent}
        assert answered_by == {"process0", "process1"}
        assert gateway.delivered == {0: 3 * (PEOPLE_PER_SHARD + 1), 1: 3 * PEOPLE_PER_SHARD}
        assert fake.command_syncs == ["global"]  # published once, by the process with shard 0
        assert [p["shard"] for p in gateway.identify_payloads] in (
            [[0, 2], [1, 2]],
            [[1, 2], [0, 2]],
        )
        assert gateway.limits_exceeded == [] and fake.all_violations() == []
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), LIMIT) for p in processes]
        await fake.stop()
    errors = [(tmp_path / f"process{n}" / "err").read_text() for n in (0, 1)]
    assert codes == [0, 0], errors
    assert not any("Traceback" in err for err in errors), errors

    # Each Like counted once, read afresh.
    settings = Settings(MOSAIC_DATABASE_URL=database_url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.database.open(migrate_first=False)
    try:
        assert await Reaction.filter(post_id=post_id).count() == len(people)
        assert (await Post.get(id=post_id)).like_count == len(people)
    finally:
        await app.database.close()
