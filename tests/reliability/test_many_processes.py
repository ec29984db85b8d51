"""Many processes on one database (issue #16): 10 `mosaic chat` consoles, a Telegram process
and a Discord process (`mosaic run` against the fake Bot API and the fake Discord), all at
once, each with a script of commands: likes of one post, follows, a picture each.

Counters and quotas are exact, every process exits (the consoles at the end of their input,
the platform processes on SIGTERM, with status 0), and every reply reaches its own person:
each console prints its own picture's preview and nobody else's, each Telegram and Discord
user gets their own. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from pathlib import Path

import pytest

from bot.bootstrap import build
from core.domain import JobState, Platform
from core.generation.quota import account_scope
from core.persistence.models import Follow, GenerationJob, Post, Reaction
from core.settings import Settings
from core.social import Origin
from tests.reliability.test_parallel_consoles import Running, environment, finish, start
from tests.support.fake_discord import FakeDiscord, FakeUser
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.images import png_bytes
from tests.support.telegram import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
CONSOLES = 10
TELEGRAM_USERS = 3
DISCORD_USERS = 2
LIMIT = 600.0  # seconds for everything: the machine is shared
QUOTA = 25

pytestmark = pytest.mark.slow


async def seed(database_url: str, data: Path) -> int:
    """Bob's post, which everybody likes."""
    settings = Settings(MOSAIC_DATABASE_URL=database_url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob", handle_hint="bob")
        post = await app.services.posts.create(
            bob, png_bytes((9, 90, 190)), caption="a shared fox", origin=Origin(Platform.CONSOLE)
        )
        return post.id
    finally:
        await app.stop()


async def platform_process(
    env: dict[str, str], folder: Path, gateway: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.platform_process",
        gateway,
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=(folder / "out").open("wb"),
        stderr=(folder / "err").open("wb"),
    )


async def test_ten_consoles_and_two_platform_processes_at_once(
    tmp_path: Path, database_url: str
) -> None:
    data = tmp_path / "data"
    post_id = await seed(database_url, data)
    base = environment(data, database_url)
    telegram, discord = FakeBotApi(), FakeDiscord()
    await telegram.start()
    await discord.start()
    processes: list[asyncio.subprocess.Process] = []
    try:
        telegram_env = {
            **base,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
        }
        discord_env = {
            **base,
            "DISCORD_BOT_TOKEN": discord.token,
            "DISCORD_API_BASE_URL": discord.rest_base,
        }
        for name in ("telegram", "discord"):
            (tmp_path / name).mkdir()
        processes.append(await platform_process(telegram_env, tmp_path / "telegram", "-"))
        processes.append(
            await platform_process(discord_env, tmp_path / "discord", discord.gateway_url)
        )
        consoles: list[Running] = []
        for n in range(CONSOLES):
            script = f"/like {post_id}\n/follow bob\n/imagine console fox {n}\n/quota\n"
            consoles.append(start(base, tmp_path / f"console{n}", f"c{n}", script))

        # Telegram users, while the consoles run.
        await telegram.wait_for(lambda: any(c.method == "getUpdates" for c in telegram.calls), 120)
        tg_users = [telegram.user(8000 + n, f"Tg{n}", f"tg{n}") for n in range(TELEGRAM_USERS)]
        for n, user in enumerate(tg_users):
            telegram.say(user, f"/like {post_id}")
            telegram.say(user, f"/imagine telegram fox {n}")

        # Discord users, once the bot is connected and its commands are published.
        assert discord.gateway is not None
        await asyncio.wait_for(discord.gateway.identified.wait(), 120)
        await discord.wait_until(lambda: bool(discord.command_syncs))
        dc_users = [discord.user(f"dc{n}") for n in range(DISCORD_USERS)]
        for n, user in enumerate(dc_users):
            place = discord.dm(user)
            await discord.answered(await discord.slash(user, place, "like", {"post": post_id}))
            await discord.answered(
                await discord.slash(user, place, "imagine", {"prompt": f"discord fox {n}"})
            )

        # Every console ends by itself, with its own preview only.
        results = await asyncio.to_thread(finish, consoles)
        for n, (code, out, err) in enumerate(results):
            assert code == 0, f"console {n} {'hung' if code is None else code}: {err[-2000:]}"
            assert "Traceback" not in err, err[-2000:]
            previews = re.findall(r"── Preview of job #\d+ ──\n“(\w+ fox \d+)”", out)
            assert previews == [f"console fox {n}"], f"console {n} printed {previews}:\n{out}"
            assert f"You have {QUOTA - 1} of {QUOTA} images left today." in out, out

        # Every platform user gets their own picture.
        def telegram_previews(user_id: int) -> list[str]:
            return [
                m.get("caption", "")
                for (chat, _), m in telegram.messages.items()
                if chat == user_id and "photo" in m
            ]

        def discord_texts(user: FakeUser) -> str:
            dm = discord.dm_channels[user.id]
            return "\n".join(
                f"{m.text} {m.embed.get('title', '')} {m.embed.get('description', '')}"
                for m in discord.store.by_id.values()
                if int(m.payload["channel_id"]) == dm
            )

        await telegram.wait_for(lambda: all(telegram_previews(u.id) for u in tg_users), LIMIT)
        async with asyncio.timeout(LIMIT):
            served = False
            while not served:
                with contextlib.suppress(TimeoutError):  # re-checked after every request
                    await discord.wait_until(
                        lambda: all("discord fox" in discord_texts(u) for u in dc_users)
                    )
                    served = True
        for n, user in enumerate(tg_users):
            shown = " ".join(telegram_previews(user.id))
            assert f"telegram fox {n}" in shown, shown
            assert not re.search(rf"(console|discord) fox|telegram fox [^{n}]", shown), shown
        for n, user in enumerate(dc_users):
            shown = discord_texts(user)
            assert f"discord fox {n}" in shown and "console fox" not in shown, shown

        # The platform processes stop on SIGTERM, cleanly.
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process, name in zip(processes, ("telegram", "discord"), strict=True):
            code = await asyncio.wait_for(process.wait(), 60)
            err = (tmp_path / name / "err").read_text()
            assert code == 0, f"{name} process ended with {code}: {err[-2000:]}"
            assert "Traceback" not in err, err[-3000:]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await telegram.stop()
        await discord.stop()

    # The counts, read afresh.
    settings = Settings(MOSAIC_DATABASE_URL=database_url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.database.open(migrate_first=False)
    try:
        likers = CONSOLES + TELEGRAM_USERS + DISCORD_USERS
        assert await Reaction.filter(post_id=post_id).count() == likers
        assert (await Post.get(id=post_id)).like_count == likers
        assert await Follow.all().count() == CONSOLES
        jobs = await GenerationJob.all()
        assert len(jobs) == likers and {j.state for j in jobs} == {JobState.SUCCEEDED}
        for job in jobs:
            quotas = app.services.generation.quotas
            status = await quotas.status(account_scope(job.requester_id), quotas.per_account)
            assert status.used == 1, (job.prompt, status)
    finally:
        await app.database.close()
