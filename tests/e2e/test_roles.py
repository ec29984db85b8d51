"""`mosaic run --roles …`: processes that each run part of Mosaic on one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import build
from core.domain import JobState, Platform
from core.persistence.models import GenerationJob, OutboxMessage
from core.settings import Settings
from tests.support.chat import ChatUser
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.slow  # `mosaic run` as a process

ROOT = Path(__file__).resolve().parents[2]
LINE_SECONDS = 120.0
JOB_SECONDS = 120.0


def mosaic_env(**settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOSAIC_", "TELEGRAM_", "DISCORD_", "OPENAI_"))
    }
    quiet = {"MOSAIC_LOG_LEVEL": "WARNING"}  # nobody reads the pipe after the address line
    return env | {"PYTHONPATH": str(ROOT), "MOSAIC_EMBEDDINGS": "ngram"} | quiet | settings


async def mosaic_run(roles: str, cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--roles",
        roles,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_an_unknown_role_is_one_line_and_the_configuration_exit_code(
    tmp_path: Path,
) -> None:
    process = await mosaic_run(
        "workers,dancers", tmp_path, mosaic_env(MOSAIC_DATA_DIR=str(tmp_path / "data"))
    )
    out, err = await asyncio.wait_for(process.communicate(), LINE_SECONDS)
    assert process.returncode == 2
    assert out == b""
    assert err.decode() == (
        "mosaic: unknown role 'dancers' in --roles; "
        "the roles are telegram, discord, workers, scheduler, web, console\n"
    )


@pytest.fixture
def postgres_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.fresh("postgres")
    yield url
    databases.drop(url)


async def queued_for_telegram() -> int:
    """The status and the preview the workers process queued (it cannot reach Telegram)."""
    return await OutboxMessage.filter(platform=Platform.TELEGRAM).count()


@pytest.mark.postgres
async def test_a_workers_only_process_finishes_a_job_another_process_asked_for(
    tmp_path: Path, postgres_url: str, local_embedder_loaded: None
) -> None:
    data = tmp_path / "data"
    settings = Settings(
        MOSAIC_DATA_DIR=data,
        MOSAIC_DATABASE_URL=postgres_url,
        MOSAIC_EMBEDDINGS="ngram",
        _env_file=None,
    )
    asker = build(settings, roles=frozenset({"console"}))  # no workers in this process
    await asker.start(migrate=False)
    process: asyncio.subprocess.Process | None = None
    try:
        # Asked on Telegram; the workers process has no Telegram role, so what it tells ada
        # waits in the outbox for the Telegram process to send.
        await ChatUser(asker, "ada", Platform.TELEGRAM).say("/imagine a lighthouse at dusk")
        job = await GenerationJob.get()
        assert job.state is JobState.QUEUED

        process = await mosaic_run(
            "workers",
            tmp_path,
            mosaic_env(
                MOSAIC_DATA_DIR=str(data),
                MOSAIC_DATABASE_URL=postgres_url,
                MOSAIC_METRICS_LISTEN="127.0.0.1:0",
            ),
        )
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), LINE_SECONDS)
        while b"/healthz and /metrics at " not in line:
            assert line, "the workers process ended without serving /healthz"
            line = await asyncio.wait_for(process.stderr.readline(), LINE_SECONDS)
        url = line.decode().rsplit(" at ", 1)[1].strip()

        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(JOB_SECONDS):
                # Another process: no event crosses, the database is what the two share.
                while await queued_for_telegram() < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            async with http.get(f"{url}/healthz") as response:
                assert (response.status, await response.text()) == (200, "ok\n")
            async with http.get(f"{url}/metrics") as response:
                text = await response.text()
        finished = await GenerationJob.get(id=job.id)
        assert finished.state is JobState.SUCCEEDED
        assert finished.result_images
        queued = await OutboxMessage.filter(platform=Platform.TELEGRAM).order_by("id")
        assert [message.target for message in queued] == [finished.reply_target] * 2
        assert all(asker.services.images.path(sha).exists() for sha in finished.result_images)
        generated = {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert generated["mosaic_generation_seconds_count"] == 1
        assert generated["mosaic_job_queue_depth"] == 0

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), LINE_SECONDS) == 0
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await asker.stop()
