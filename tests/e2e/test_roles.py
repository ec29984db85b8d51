"""`mosaic run --roles …`: processes that each run part of Mosaic on one PostgreSQL."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import build
from core.domain import Audience, JobState, OutboxState, Platform
from core.persistence.models import GenerationJob, OutboxMessage, Post
from core.settings import Settings
from tests.support.chat import ChatUser
from tests.support.databases import DatabaseFactory
from tests.support.fake_openai import GENERATIONS, FakeOpenAI, delayed
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.object_store import S3Server
from tests.support.telegram import FakeBotApi

pytestmark = pytest.mark.slow  # `mosaic run` as a process

ROOT = Path(__file__).resolve().parents[2]
LINE_SECONDS = 120.0
JOB_SECONDS = 120.0
WAIT_SECONDS = 300.0  # a step of the two-machine test on a loaded machine (not a timing)
HOOK = "/telegram/hook"
HOOK_SECRET = "e2e-hook-secret"


def mosaic_env(**settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOSAIC_", "TELEGRAM_", "DISCORD_", "OPENAI_"))
    }
    quiet = {"MOSAIC_LOG_LEVEL": "WARNING"}  # nobody reads the pipe after the address line
    return env | {"PYTHONPATH": str(ROOT), "MOSAIC_EMBEDDINGS": "ngram"} | quiet | settings


async def mosaic_run(
    roles: str, cwd: Path, env: dict[str, str], *, log: BinaryIO | None = None
) -> asyncio.subprocess.Process:
    """`mosaic run --roles …`, its output in pipes, or both streams in `log`."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--roles",
        roles,
        cwd=cwd,
        env=env,
        stdout=log or asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if log else asyncio.subprocess.PIPE,
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


def new_log(cwd: Path) -> BinaryIO:
    cwd.mkdir(parents=True, exist_ok=True)
    return (cwd / "mosaic.log").open("wb")


async def started(roles: str, cwd: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`mosaic run --roles …` with its log in `cwd/mosaic.log` (nobody has to read a pipe)."""
    with new_log(cwd) as log:
        return await mosaic_run(roles, cwd, env, log=log)


async def logged(process: asyncio.subprocess.Process, cwd: Path, pattern: str) -> re.Match[str]:
    """The first line of the process's log that matches `pattern`."""
    async with asyncio.timeout(LINE_SECONDS):
        while True:
            found = re.search(pattern, (cwd / "mosaic.log").read_text(errors="replace"))
            if found is not None:
                return found
            assert process.returncode is None, (cwd / "mosaic.log").read_text()[-2000:]
            await asyncio.sleep(0.1)


async def until_true(condition: Callable[[], object]) -> None:
    """Until `condition()` (or what it returns, awaited) is true."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            value = condition()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return
            await asyncio.sleep(0.1)


def data_of(folder: Path) -> dict[str, str]:
    return {"MOSAIC_DATA_DIR": str(folder / "data")}


def buttons(message: dict[str, Any]) -> list[str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in keyboard for button in row]


@pytest.mark.postgres
async def test_webhook_process_and_workers_processes_share_postgres_and_the_object_store(
    tmp_path: Path,
    postgres_url: str,
    s3_server: S3Server,
    s3_storage_url: str,
    local_embedder_loaded: None,
) -> None:
    """#19: process A takes Telegram's webhook, process B the workers, on one PostgreSQL and
    one SeaweedFS, each with its own data folder (two machines). Ada's /imagine reaches A and
    is generated in B; B is killed with SIGKILL while the model is drawing, B2 finishes the
    job; A sends the preview, read from the object store, and posting it works."""
    telegram = FakeBotApi()
    model = FakeOpenAI()
    await telegram.start()
    await model.start()
    model.script(GENERATIONS, delayed(3600))  # the first job hangs at the model: B dies there
    shared = mosaic_env(
        MOSAIC_DATABASE_URL=postgres_url,
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        OPENAI_API_KEY="sk-fake-for-tests",
        OPENAI_BASE_URL=model.base_url,
        MOSAIC_JOB_LEASE_SECONDS="10",
        **s3_server.storage_env(s3_storage_url),
    )
    folders = {name: tmp_path / name for name in ("a", "b", "b2")}
    processes: list[asyncio.subprocess.Process] = []
    probe = build(
        Settings(
            MOSAIC_DATABASE_URL=postgres_url,
            MOSAIC_DATA_DIR=tmp_path / "t",
            MOSAIC_EMBEDDINGS="ngram",
            **s3_server.storage_env(s3_storage_url),  # type: ignore[arg-type]
            _env_file=None,
        ),
        roles=frozenset({"console"}),
        provider=FakeProvider(),
        moderator=FakeModerator(),
    )
    await probe.start(migrate=False)  # the test reads the shared database through it
    try:
        a = await started(
            "telegram",
            folders["a"],
            shared
            | {
                "MOSAIC_DATA_DIR": str(folders["a"] / "data"),
                "MOSAIC_LOG_LEVEL": "INFO",  # the webhook's port is in the log
                "TELEGRAM_WEBHOOK_URL": f"https://mosaic.example{HOOK}",
                "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET,
                "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:0",
            },
        )
        processes.append(a)
        port = (await logged(a, folders["a"], r"telegram webhook listening on [\d.]+:(\d+)"))[1]
        hook = f"http://127.0.0.1:{port}{HOOK}"
        await until_true(lambda: telegram.webhook is not None)  # Telegram sends after setWebhook
        b = await started("workers", folders["b"], shared | data_of(folders["b"]))
        processes.append(b)

        ada = telegram.user(4242, "Ada", "ada")
        imagine = {"message": telegram.user_message(ada, "/imagine a lighthouse at dusk")}
        assert await telegram.post_to_webhook(imagine, url=hook) == 200
        await until_true(lambda: GenerationJob.exists())
        await until_true(lambda: len(model.calls_to(GENERATIONS)) == 1)
        job = await GenerationJob.get()
        assert job.state is JobState.RUNNING and job.attempts == 1  # B is drawing it
        b.kill()  # SIGKILL mid-job
        await b.wait()
        assert not await OutboxMessage.exists()  # B told nobody anything

        b2 = await started("workers", folders["b2"], shared | data_of(folders["b2"]))
        processes.append(b2)

        def preview() -> dict[str, Any] | None:
            shown = [m for m in telegram.bot_messages(ada) if "📢 Post" in buttons(m)]
            return shown[0] if shown else None

        await until_true(lambda: preview() is not None)
        finished = await GenerationJob.get(id=job.id)
        assert finished.state is JobState.SUCCEEDED and finished.attempts == 2
        (sha,) = finished.result_images
        sent = [c for c in telegram.calls if c.ok and c.method == "sendPhoto"]
        assert len(sent) == 1 and sent[0].chat_id == ada.id, "one preview, to Ada"
        stored = await probe.services.images.objects.get(f"{sha[:2]}/{sha}.png")
        assert sent[0].files["photo"] == stored  # A has no such file of its own: it read it
        statuses = [m for m in telegram.bot_messages(ada) if f"Job #{job.id}" in m.get("text", "")]
        assert len(statuses) == 1, "the status message is edited, not sent again"
        assert statuses[0]["text"].startswith(f"✅ Job #{job.id} is done")
        assert [c for c in telegram.calls if c.ok and c.method == "editMessageText"]
        assert not list((folders["b"] / "data").rglob(f"{sha}.*")), "B died before storing"
        assert list((folders["b2"] / "data").rglob(f"{sha}.*")), "B2 made it"

        shown = preview()
        assert shown is not None
        post = telegram.press_update(ada, shown, "📢 Post")
        assert await telegram.post_to_webhook(post, url=hook) == 200
        await until_true(
            lambda: any("🌍 Everyone" in buttons(m) for m in telegram.bot_messages(ada))
        )
        (choose,) = [m for m in telegram.bot_messages(ada) if "🌍 Everyone" in buttons(m)]
        public = telegram.press_update(ada, choose, "🌍 Everyone")
        assert await telegram.post_to_webhook(public, url=hook) == 200
        await until_true(lambda: Post.exists())
        posted = await Post.get()
        assert posted.image_id == sha and posted.audience is Audience.PUBLIC
        assert await GenerationJob.all().count() == 1  # nothing lost, nothing doubled
        assert await OutboxMessage.exclude(state=OutboxState.SENT).count() == 0
        assert not telegram.rejections

        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(process.wait(), LINE_SECONDS) == 0
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await probe.stop()
        await model.close()
        await telegram.stop()
