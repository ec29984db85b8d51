"""Digests in the console: subscribed in a real `mosaic chat` session, and received by the
console's Messenger (which prints) when the scheduler delivers one."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Platform
from tests.digests.helpers import account, pictures
from tests.e2e.test_console_chat import chat
from tests.support.images import png_bytes


def test_a_console_session_subscribes_previews_and_lists(data_dir: Path, tmp_path: Path) -> None:
    picture = tmp_path / "fox.png"
    picture.write_bytes(png_bytes((200, 120, 40), (120, 90)))
    chat(data_dir, "bob", f"/post {picture} a fox at dawn --audience public")
    transcript = chat(
        data_dir,
        "alice",
        "/follow bob",
        "/digest subscribe daily 07:45 Europe/Berlin 4 foxes",
        "/digest list",
        "/digest preview",
        "/digest status",
    )
    assert "Digest #1 is set up: daily 07:45 Europe/Berlin, 4 pictures" in transcript
    assert "#1 daily 07:45 Europe/Berlin · 4 pictures · topics: foxes" in transcript
    assert "── 📰 Digest for alice — " in transcript
    assert "1. “a fox at dawn” by @bob" in transcript
    collage = next(line for line in transcript.splitlines() if line.startswith("🖼 "))
    assert Path(collage.removeprefix("🖼 ")).is_file()
    assert re.search(r"\[(\d+)\.1\] 🔎 1   \[\1\.2\] ❤ 1   \[\1\.3\] 🎨 1…", transcript)
    assert "no digest sent yet" in transcript


async def test_the_console_prints_a_scheduled_digest(app: App, clock: FakeClock) -> None:
    await pictures(app, await account(app, "bob"), 4)
    out = io.StringIO()
    console = ConsoleChat(app.dispatcher, "alice", stdin=io.StringIO(""), stdout=out)
    sender = app.add_messenger(Platform.CONSOLE, console)
    for line in ("/follow bob", "/digest subscribe daily 08:30 Europe/Berlin 4"):
        for reply in await console.handle_line(line):
            await console.send(reply)
    clock.advance(hours=20)
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 20)
    printed = out.getvalue()
    assert "── 📰 Digest for alice — 2026-01-06 ──" in printed
    assert printed.count("🖼 ") == 1 and "[1.1] 🔎 1" in printed
