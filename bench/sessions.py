"""Sequential piped console sessions: does every `mosaic chat` exit, and how fast?

    PYTHONPATH=. python -m bench.sessions [--sessions 200] [--data DIR] [--limit 20]

Each session is `printf '/quota\\n' | mosaic chat --as <user>` on one data folder (use a
well-used one: `--data`; by default a fresh folder gets some use first). For each it records
the wall time and the *shutdown* time, from its last line of output (the reply, then EOF)
to the process's exit: the part issue #16 found hanging. A session still running after
`--limit` seconds is killed and counted as hung. Prints the counts, the medians, the
maxima and how many shut down within 5 s, with the machine's load average beside them.
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MOSAIC = Path(sys.executable).with_name("mosaic")
GOAL = 5.0


@dataclass(frozen=True, slots=True)
class Session:
    wall: float
    shutdown: float
    hung: bool
    failed: bool


def environment(data: Path) -> dict[str, str]:
    env = {**os.environ, "MOSAIC_DATA_DIR": str(data), "MOSAIC_DEFAULT_LANGUAGE": "en"}
    for name in ("MOSAIC_DATABASE_URL", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        env.pop(name, None)
    return env


def session(env: dict[str, str], user: str, script: str, limit: float) -> Session:
    started = time.monotonic()
    process = subprocess.Popen(
        [str(MOSAIC), "chat", "--as", user],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(script.encode())
    process.stdin.close()
    last_output = started
    deadline = started + limit
    while process.poll() is None and time.monotonic() < deadline:
        if os.read(process.stdout.fileno(), 65536) if _readable(process) else b"":
            last_output = time.monotonic()
        time.sleep(0.02)
    hung = process.poll() is None
    if hung:
        process.kill()
        process.wait()
    ended = time.monotonic()
    failed = not hung and process.returncode != 0
    return Session(ended - started, ended - last_output, hung, failed)


def _readable(process: subprocess.Popen[bytes]) -> bool:
    assert process.stdout is not None
    return bool(select.select([process.stdout], [], [], 0)[0])


def use(env: dict[str, str]) -> None:
    """Some history: pictures, posts, follows, likes, notifications waiting."""
    script = "".join(f"/imagine used folder {n}\n2\n" for n in range(3))
    session(env, "ann", script, 120)
    session(env, "ben", "/follow ann\n/like 1\n/like 2\n/comment 1 lovely\n", 120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument(
        "--smoke", action="store_true", help="2 sessions on a fresh folder (the test suite)"
    )
    parser.add_argument("--progress", action="store_true", help="a line per session")
    args = parser.parse_args()
    count = 2 if args.smoke else args.sessions
    data = args.data or Path(tempfile.mkdtemp(prefix="mosaic-sessions-"))
    env = environment(data)
    if args.data is None and not args.smoke:
        use(env)
    load = os.getloadavg()[0]
    runs = []
    for n in range(count):
        runs.append(session(env, f"timer{n % 7}", "/quota\n", args.limit))
        if args.progress:
            last = runs[-1]
            print(
                f"{n + 1} wall {last.wall:.2f} shutdown {last.shutdown:.2f} "
                f"hung {last.hung} failed {last.failed} load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    walls = [run.wall for run in runs]
    shutdowns = [run.shutdown for run in runs]
    print(
        f"sessions: {count}  hung: {sum(r.hung for r in runs)}  "
        f"failed: {sum(r.failed for r in runs)}  (load {load:.1f} → {os.getloadavg()[0]:.1f})"
    )
    print(
        f"wall      median {statistics.median(walls):.2f} s  max {max(walls):.2f} s  "
        f"within {GOAL:.0f} s: {sum(w <= GOAL for w in walls)}/{count}"
    )
    print(
        f"shutdown  median {statistics.median(shutdowns):.2f} s  max {max(shutdowns):.2f} s  "
        f"within {GOAL:.0f} s: {sum(s <= GOAL for s in shutdowns)}/{count}"
    )
    if any(run.hung or run.failed for run in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
