"""Two real processes on one PostgreSQL (issue #19): `mosaic run --roles discord` against the
fake Discord, and `mosaic run --roles workers` (no Discord token). Alice's /imagine reaches
the Discord process, which shows the ephemeral status and keeps the interaction's token with
the job; the workers process generates and queues the status edit and the preview; the
Discord process, woken by the outbox's NOTIFY, edits the ephemeral status in place with the
token (the fake checks it as Discord does) and sends the preview by DM. The token is gone
afterwards, and both processes stop cleanly."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from core.persistence.database import asyncpg_url
from tests.adapters.discord.test_shard_processes import output_files, patiently
from tests.e2e.test_roles import mosaic_env
from tests.support.databases import DatabaseFactory
from tests.support.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 300.0  # seconds for anything to happen: the machine is shared

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def postgres_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.fresh("postgres")
    yield url
    databases.drop(url)


async def started(
    roles: str, env: dict[str, str], folder: Path, gateway: str = "-"
) -> asyncio.subprocess.Process:
    out, err = output_files(folder)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.platform_process",  # discord.py's gateway pointed at the fake
        gateway,
        "run",
        "--roles",
        roles,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,
    )


async def status_tokens(url: str) -> list[object]:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        return [row[0] for row in await connection.fetch("SELECT status_token FROM generation_job")]
    finally:
        await connection.close()


async def test_a_workers_process_status_edit_reaches_the_ephemeral_response(
    tmp_path: Path, postgres_url: str
) -> None:
    data = str(tmp_path / "data")  # one machine: one images folder
    fake = FakeDiscord()
    await fake.start()
    processes: list[asyncio.subprocess.Process] = []
    try:
        discord_env = mosaic_env(
            MOSAIC_DATA_DIR=data,
            MOSAIC_DATABASE_URL=postgres_url,
            MOSAIC_WEB_LISTEN="off",
            DISCORD_BOT_TOKEN=fake.token,
            DISCORD_API_BASE_URL=fake.rest_base_for("discord"),
            MOSAIC_LOG_LEVEL="INFO",  # the level to run with: the token is in no line of it
        )
        processes.append(await started("discord", discord_env, tmp_path / "A", fake.gateway_url))
        assert fake.gateway is not None
        gateway = fake.gateway
        await patiently(lambda: fake.wait_until(lambda: set(gateway.sessions) == {0}))

        place = fake.guild_channel()
        alice = fake.user("alice")
        asked = await fake.slash(alice, place, "imagine", {"prompt": "a fox in the snow"})
        await patiently(lambda: asyncio.wait_for(asked.shown.wait(), 10))
        (status,) = fake.conversation(asked)
        assert status.ephemeral and "is queued" in status.text  # nobody there generates
        (token,) = await status_tokens(postgres_url)
        assert token == asked.token  # kept with the job

        workers_env = mosaic_env(MOSAIC_DATA_DIR=data, MOSAIC_DATABASE_URL=postgres_url)
        processes.append(await started("workers", workers_env, tmp_path / "B"))

        def done() -> bool:
            dm = fake.dm_channels.get(alice.id)
            previews = [m for m in fake.channel_messages(dm) if "Preview" in m.text] if dm else []
            return fake.store.by_id[status.id].text.startswith("✅") and bool(previews)

        await patiently(lambda: fake.wait_until(done))
        edited = fake.store.by_id[status.id]
        assert edited.ephemeral and edited.text.startswith("✅ Job #1 is done")
        (preview,) = fake.channel_messages(fake.dm_channels[alice.id])  # no second status
        assert "Preview" in preview.text
        assert fake.all_violations() == []
        await patiently(lambda: _until_none(postgres_url))
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), LIMIT) for p in processes]
        await fake.stop()
    errors = [(tmp_path / name / "err").read_text() for name in "AB"[: len(processes)]]
    assert codes == [0] * len(processes), errors
    assert not any("Traceback" in err for err in errors), errors
    assert not any(asked.token in err for err in errors)  # the secret is in no log


async def _until_none(url: str) -> None:
    while await status_tokens(url) != [None]:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
