"""`mosaic run` in the two-command console setup serves the web pages beside the chat."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.web.support import free_port

pytestmark = pytest.mark.slow  # `mosaic run` as a process

ROOT = Path(__file__).resolve().parents[2]


async def test_the_console_setup_serves_the_gallery_and_says_where(tmp_path: Path) -> None:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOSAIC_", "TELEGRAM_", "DISCORD_", "OPENAI_"))
    }
    env |= {"MOSAIC_DATA_DIR": str(tmp_path / "data"), "MOSAIC_WEB_LISTEN": f"127.0.0.1:{port}"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None and process.stdin is not None
        line = await asyncio.wait_for(process.stderr.readline(), 60)
        while b"web pages at" not in line:
            assert line, "mosaic run ended without saying where the web pages are"
            line = await asyncio.wait_for(process.stderr.readline(), 60)
        assert f"http://127.0.0.1:{port}/explore".encode() in line
        url = f"http://127.0.0.1:{port}/explore"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert "Explore" in await response.text()
        process.stdin.close()
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
