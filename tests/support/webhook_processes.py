"""`mosaic run` processes serving one Telegram webhook (tests and the latency bench).

Each process listens on a port of its own (`TELEGRAM_WEBHOOK_LISTEN=127.0.0.1:0`, the port
read from its log line) behind one public URL; `WebhookBalancer` forwards Telegram's POSTs to
them. Output goes to files in the process's folder, never to a pipe that could fill up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PATH = "/telegram/hook"
PUBLIC_URL = f"https://mosaic.example{WEBHOOK_PATH}"
_LISTENING = re.compile(rb"telegram webhook listening on 127\.0\.0\.1:(\d+)")
_RUNNING = b"telegram adapter running"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def webhook_environment(
    base: dict[str, str], *, token: str, api_base_url: str, secret: str
) -> dict[str, str]:
    """`base` plus a Telegram bot in webhook mode against the fake Bot API."""
    return {
        **base,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:0",
        "MOSAIC_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }


@dataclass
class WebhookProcess:
    process: asyncio.subprocess.Process
    folder: Path

    @property
    def log(self) -> bytes:
        return (self.folder / "err").read_bytes()

    async def ready(self, within: float) -> str:
        """Wait until it serves Telegram; the URL its webhook listens on."""
        async with asyncio.timeout(within):
            while _RUNNING not in self.log:
                if self.process.returncode is not None:
                    raise AssertionError(f"exited {self.process.returncode}: {self.log[-3000:]!r}")
                await asyncio.sleep(0.1)
        found = _LISTENING.search(self.log)
        assert found is not None, self.log[-3000:]
        return f"http://127.0.0.1:{int(found.group(1))}{WEBHOOK_PATH}"

    async def stop(self, within: float = 60.0) -> int:
        """SIGTERM, then its exit status (killed if it takes longer than `within`)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise


def _end_with_parent() -> None:
    """In the child: SIGTERM when the parent dies (a bench killed by its timeout), since a
    child in a session of its own gets no signal from the parent's terminal or group."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def start_webhook_process(
    env: dict[str, str], folder: Path, roles: str, *, own_session: bool = False
) -> WebhookProcess:
    """`mosaic run --roles <roles>`. `own_session`: in a session of its own, which Linux's
    autogroup scheduling treats as its own claimant to the CPU, as a service in its own
    cgroup is (its autogroup's nice set to this process's, so it is no greedier)."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--roles",
        roles,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=(folder / "out").open("wb"),
        stderr=(folder / "err").open("wb"),
        start_new_session=own_session,
        preexec_fn=_end_with_parent,
    )
    if own_session:
        autogroup = Path(f"/proc/{process.pid}/autogroup")
        with contextlib.suppress(OSError):  # not Linux, or no autogroup: nothing to match
            await asyncio.to_thread(autogroup.write_text, str(os.nice(0)))
    return WebhookProcess(process, folder)
