"""`mosaic run` with a token starts the Telegram adapter against any Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.bootstrap import App, build_telegram
from core.errors import ConfigurationError
from tests.support.telegram import FakeBotApi

MOSAIC = Path(sys.executable).with_name("mosaic")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@contextmanager
def signals_reach_children() -> Iterator[None]:
    """Start children with SIGINT at its default action. A test run started in the background
    by a non-interactive shell ignores SIGINT, and children inherit an ignored signal (a
    handled one is reset at exec), so `mosaic run` would not even see Ctrl-C."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["SIGINT", "SIGTERM"]
)
async def test_mosaic_run_serves_telegram_until_stopped(
    fake: FakeBotApi, tmp_path: Path, stop: signal.Signals, status: int
) -> None:
    env = {
        **os.environ,
        "MOSAIC_DATA_DIR": str(tmp_path / "data"),
        "MOSAIC_DATABASE_URL": "",
        "MOSAIC_LOG_LEVEL": "DEBUG",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    for name in ("DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "OPENAI_API_KEY"):
        env.pop(name, None)
    with signals_reach_children():
        process = await asyncio.create_subprocess_exec(  # in tmp_path: no .env is read
            str(MOSAIC), "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=tmp_path
        )
    # Read the log while the bot runs: at DEBUG it outgrows a pipe's buffer before the bot
    # answers, and a child blocked writing its log answers nothing.
    assert process.stderr is not None
    stderr = asyncio.ensure_future(process.stderr.read())
    ana = fake.user(202, "Ana", "ana", language="de")
    fake.say(ana, "/start")
    answered = asyncio.ensure_future(fake.wait_for(lambda: bool(fake.sent(ana)), within=60))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait([answered, exited], return_when=asyncio.FIRST_COMPLETED)
    if process.returncode is None:
        process.send_signal(stop)
    await asyncio.wait_for(process.wait(), 30)
    answered.cancel()
    log = (await stderr).decode()
    assert fake.sent(ana), log
    assert fake.last_bot_message(ana)["text"].startswith("Mosaic-Befehle")
    assert process.returncode == status, log
    assert "Traceback" not in log, log
    assert fake.token not in log


async def test_a_refused_token_is_a_clear_configuration_error(app: App) -> None:
    app.settings.telegram_bot_token = SecretStr("999:not-the-token")
    adapter = build_telegram(app)
    with pytest.raises(ConfigurationError, match="refused TELEGRAM_BOT_TOKEN"):
        await adapter.start()
    await adapter.stop()


async def test_an_unreachable_bot_api_is_a_clear_configuration_error(app: App) -> None:
    app.settings.telegram_api_base_url = "http://127.0.0.1:9/bot"
    adapter = build_telegram(app)
    with pytest.raises(ConfigurationError, match=r"cannot reach the Telegram Bot API at http"):
        await adapter.start()
    await adapter.stop()
