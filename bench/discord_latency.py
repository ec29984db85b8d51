"""Discord with 1 and with N Mosaic processes, in one run: throughput, latency, CPU.

The fake Discord from the test suite (REST API and a gateway that shards as Discord does)
and the simulated people run in one process of their own; Mosaic runs as `mosaic run
--roles discord` processes, with the shards split over them (`DISCORD_SHARDS`). Each of
`--users` people, each in a guild of their own spread over the shards, sends `/feed show`,
waits for the page, and sends the next (`--rounds` times; `/feed` is a group, so Discord
invokes its sub-command). First one process runs every shard, then N processes run one share
each, against the same fake, people and database. After a warm-up round (accounts made,
caches filled) each phase is measured: commands a second (a command is done when the last
message of its page, "Page 1" with its buttons, arrived), interaction → first response (the
defer) p50/p99, and the CPU seconds of the bot processes and of the fake's process. The fake
enforces Discord's global REST rate and channel windows and the IDENTIFY limit; every
interaction must be answered exactly once.

    PYTHONPATH=. .venv/bin/python -m bench.discord_latency [--users 100] [--rounds 5]
        [--processes 2] [--database-url postgres://…] [--smoke]

`--smoke` (3 users, 1 round, 2 processes) is what the test suite runs: it only checks that
the bench runs clean (no loss, no double answer, no violation, no error) and prints its lines.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

GOAL_MS = 50.0
COMMAND = "feed show"
PAGE_END = "Page 1"  # the text of the message that closes a feed page (core/i18n/en.py)
POSTS = 20  # public posts in the feed
PAGE_WAIT = 60.0  # seconds a person waits for a page before counting the command lost
START_WAIT = 300.0  # seconds for the bot processes to connect every shard
ROOT = Path(__file__).resolve().parents[1]


# --- the fake Discord and the people, in a process of their own ---------------------------
async def _serve_fake(pipe: Connection, users: int, shards: int) -> None:
    from tests.support.fake_discord import FakeDiscord, FakeInteraction

    fake = FakeDiscord(min_shards=shards)
    rates = fake.enforce_rate_limits()
    await fake.start()
    assert fake.gateway is not None
    gateway = fake.gateway
    pipe.send((fake.gateway_url, fake.token, fake.port))
    people = [
        (fake.user(f"user{n}"), fake.guild_on_shard(n % shards, shards)) for n in range(users)
    ]

    def page_arrived(interaction: FakeInteraction) -> bool:
        """The feed page's last message ("Page 1" and its buttons) is there."""
        return any(m.text.startswith(PAGE_END) for m in fake.conversation(interaction))

    async def person(index: int, rounds: int, done: list[FakeInteraction], lost: list[int]) -> None:
        user, place = people[index]
        for _ in range(rounds):
            interaction = await fake.slash(user, place, COMMAND)
            try:
                async with asyncio.timeout(PAGE_WAIT):
                    while not page_arrived(interaction):
                        interaction.shown.clear()  # set again by the bot's next message
                        await interaction.shown.wait()
            except TimeoutError:
                lost.append(interaction.id)
                continue
            done.append(interaction)

    while True:
        command, argument = await asyncio.to_thread(pipe.recv)
        if command == "connected":  # every shard has a session, the commands are published
            deadline = time.monotonic() + START_WAIT
            while len(gateway.sessions) < shards or not fake.command_syncs:
                if time.monotonic() > deadline:
                    raise SystemExit(f"shards connected: {sorted(gateway.sessions)} of {shards}")
                await asyncio.sleep(0.1)
            pipe.send(sorted(gateway.sessions))
        elif command == "run":
            done: list[FakeInteraction] = []
            lost: list[int] = []
            cpu, started = time.process_time(), time.perf_counter()
            await asyncio.gather(*(person(n, argument, done, lost) for n in range(users)))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            pipe.send(
                {
                    "elapsed": elapsed,
                    "fake_cpu": cpu,
                    "latencies": [i.latency * 1000 for i in done],
                    "done": len(done),
                    "lost": len(lost),
                    "twice": sum(max(0, i.callbacks - 1) for i in done),
                    "answered_by": sorted({str(i.answered_by) for i in done}),
                }
            )
        elif command == "report":
            pipe.send(
                {
                    "violations": fake.all_violations(),
                    "rest_429": list(rates.exceeded),
                    "identify_limit": list(gateway.limits_exceeded),
                    "delivered": dict(gateway.delivered),
                }
            )
        else:
            await fake.stop()
            pipe.send("stopped")
            return


def _fake_process(pipe: Connection, users: int, shards: int) -> None:
    # uvloop: the fake's event loop and sockets cost it less CPU, and the fake shares the
    # cores with the bots it measures (the ceiling 2M/(M+F) below). Mosaic runs on asyncio.
    import uvloop

    uvloop.run(_serve_fake(pipe, users, shards))


class FakeProcess:
    def __init__(self, users: int, shards: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_fake_process, args=(child, users, shards), daemon=True
        )
        self._process.start()
        self.gateway_url, self.token, self.port = self._pipe.recv()

    def rest_base(self, client: str) -> str:
        return f"http://127.0.0.1:{self.port}/{client}/api/v10"

    async def ask(self, command: str, argument: Any = None) -> Any:
        self._pipe.send((command, argument))
        return await asyncio.to_thread(self._pipe.recv)

    async def stop(self) -> None:
        await self.ask("stop")
        self._process.join()


# --- the bot processes ----------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shard_plans(processes: int, shards: int) -> list[str]:
    """DISCORD_SHARDS for each process: process k runs shards k, k + N, …"""
    return [
        ",".join(str(s) for s in range(k, shards, processes)) + f"/{shards}"
        for k in range(processes)
    ]


@dataclass
class Phase:
    processes: int
    elapsed: float
    done: int
    lost: int
    twice: int
    latencies: list[float]
    bot_cpu: float
    fake_cpu: float
    answered_by: list[str]
    errors: list[str]

    @property
    def throughput(self) -> float:
        return self.done / self.elapsed


async def run_phase(
    fake: FakeProcess, processes: int, shards: int, rounds: int, env: dict[str, str], logs: Path
) -> Phase:
    bots: list[asyncio.subprocess.Process] = []
    outputs: list[Path] = []
    try:
        for n, plan in enumerate(shard_plans(processes, shards)):
            err = logs / f"{processes}-{n}.err"
            outputs.append(err)
            bots.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.support.platform_process",
                    fake.gateway_url,
                    "run",
                    "--roles",
                    "discord",
                    cwd=ROOT,
                    env={
                        **env,
                        "DISCORD_SHARDS": plan,
                        "DISCORD_API_BASE_URL": fake.rest_base(f"p{processes}-{n}"),
                    },
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=err.open("wb"),
                )
            )
        await fake.ask("connected")
        await fake.ask("run", 1)  # warm-up: accounts are made, caches filled
        cpu = sum(cpu_seconds(b.pid) for b in bots)
        result = await fake.ask("run", rounds)
        cpu = sum(cpu_seconds(b.pid) for b in bots) - cpu
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        codes = [await bot.wait() for bot in bots]
    errors = [f"process {n} ended with status {c}" for n, c in enumerate(codes) if c != 0]
    for output in outputs:
        errors += [
            line
            for line in output.read_text(errors="replace").splitlines()
            if "ERROR" in line or "Traceback" in line
        ]
    return Phase(
        processes=processes,
        elapsed=result["elapsed"],
        done=result["done"],
        lost=result["lost"],
        twice=result["twice"],
        latencies=result["latencies"],
        bot_cpu=cpu,
        fake_cpu=result["fake_cpu"],
        answered_by=result["answered_by"],
        errors=errors,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def seed_posts(url: str, data: Path, count: int) -> None:
    """Public posts by a few authors, so that each /feed show ranks and shows a page."""
    from bot.bootstrap import build
    from core.domain import Platform
    from core.settings import Settings
    from core.social import Origin
    from tests.support.images import png_bytes

    settings = Settings(MOSAIC_DATABASE_URL=url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(settings)
    await app.start(migrate=True)
    try:
        posts = app.services.posts
        for n in range(count):
            author = await app.services.accounts.resolve(
                Platform.CONSOLE, f"author{n % 5}", f"author{n % 5}", handle_hint=f"author{n % 5}"
            )
            image = png_bytes((40 * n % 256, 90, 190))
            await posts.create(
                author, image, caption=f"a fox #{n}", origin=Origin(Platform.CONSOLE)
            )
    finally:
        await app.stop()


async def measure(
    users: int, rounds: int, processes: int, database_url: str | None, folder: Path
) -> tuple[list[Phase], dict[str, Any]]:
    # Mosaic's modules are imported here, not at the top: the fake's process (spawned)
    # imports this module again, and needs none of them (~1 CPU-s of imports saved)
    from bot.adapters.discord._identify import IDENTIFY_WINDOW, MARGIN
    from core.persistence.database import upgrade

    shards = max(processes, 1)
    url = database_url or f"sqlite://{folder / 'mosaic.db'}"
    await upgrade(url)
    await seed_posts(url, folder / "data", POSTS)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "TELEGRAM_"))},
        "PYTHONPATH": str(ROOT),
        "MOSAIC_DATA_DIR": str(folder / "data"),
        "MOSAIC_DATABASE_URL": url,
        "MOSAIC_WEB_LISTEN": "off",
        "MOSAIC_METRICS_LISTEN": "off",
        "MOSAIC_LOG_LEVEL": "WARNING",
        "MOSAIC_DEFAULT_LANGUAGE": "en",
    }
    fake = FakeProcess(users, shards)
    env["DISCORD_BOT_TOKEN"] = fake.token
    try:
        phases = [await run_phase(fake, 1, shards, rounds, env, folder)]
        if processes > 1:
            # The first phase's processes stopped within 5 s of their last IDENTIFY: start
            # the next after Discord's window, as a restart must (sooner, the gateway answers
            # "invalid session", which the fake counts as a limit exceeded)
            await asyncio.sleep(IDENTIFY_WINDOW + MARGIN)
            phases.append(await run_phase(fake, processes, shards, rounds, env, folder))
        report = await fake.ask("report")
    finally:
        await fake.stop()
    return phases, report


def ceiling(phase: Phase, cores: int) -> float:
    """Commands a second the phase's processes could reach on `cores` idle cores, from the
    CPU each command cost them: each bot process (one event loop) uses at most one core,
    and the bots and the fake (with the people) share the cores."""
    done = max(phase.done, 1)
    tick = 0.01  # /proc counts CPU in ticks: a smoke run may measure 0
    bot, fake = max(phase.bot_cpu, tick) / done, max(phase.fake_cpu, tick) / done
    return min(phase.processes / bot, 1 / fake, cores / (bot + fake))


def describe(phase: Phase) -> list[str]:
    p50, p99 = percentile(phase.latencies, 0.50), percentile(phase.latencies, 0.99)
    name = f"{phase.processes} process{'es' if phase.processes > 1 else ''}"
    per = phase.bot_cpu / max(phase.done, 1) * 1000
    return [
        f"  {name}: {phase.done} commands in {phase.elapsed:.1f} s = "
        f"{phase.throughput:.1f} commands/s; bot CPU {phase.bot_cpu:.1f} s ({per:.1f} ms a "
        f"command, {phase.bot_cpu / phase.elapsed:.2f} cores); fake + people CPU "
        f"{phase.fake_cpu:.1f} s ({phase.fake_cpu / phase.elapsed:.2f} cores)",
        f"    first response p50 {p50:7.1f} ms   {p50 / GOAL_MS:5.2f}× the {GOAL_MS:.0f} ms goal",
        f"    first response p99 {p99:7.1f} ms   {p99 / GOAL_MS:5.2f}× the {GOAL_MS:.0f} ms goal",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2, help="compared with 1 (default 2)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    parser.add_argument("--smoke", action="store_true", help="3 users, 1 round (the suite's)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.rounds, args.processes = 3, 1, 2
    with tempfile.TemporaryDirectory(prefix="shards_bench_") as folder:
        phases, report = asyncio.run(
            measure(args.users, args.rounds, args.processes, args.database_url, Path(folder))
        )
    database = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    lost = sum(p.lost for p in phases)
    twice = sum(p.twice for p in phases)
    errors = [e for p in phases for e in p.errors]
    limits = len(report["rest_429"]) + len(report["identify_limit"])
    shards = max(args.processes, 1)
    print(
        f"Discord, {args.users} concurrent users × {args.rounds} rounds of /{COMMAND}, "
        f"{shards} shards, {database}, load {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} cores):"
    )
    for phase in phases:
        print("\n".join(describe(phase)))
    if len(phases) > 1:
        ratio = phases[1].throughput / phases[0].throughput
        print(
            f"  throughput {args.processes} ÷ 1 processes: {ratio:.2f}× "
            f"(goal ≥ 1.7×; answered by {', '.join(phases[1].answered_by)})"
        )
        cores = os.cpu_count() or 1
        bound = ceiling(phases[1], cores) / ceiling(phases[0], cores)
        print(
            f"  from CPU per command: on {cores} idle cores shared with the fake, at most "
            f"{ceiling(phases[0], cores):.0f} vs {ceiling(phases[1], cores):.0f} commands/s, "
            f"{bound:.2f}× (each bot process ≤ 1 core; bots + fake ≤ {cores} cores)"
        )
    print(
        f"  {lost} lost, {twice} answered twice, {len(report['violations'])} violations, "
        f"{limits} limits exceeded ({len(report['rest_429'])} REST 429s, "
        f"{len(report['identify_limit'])} IDENTIFYs over the limit), {len(errors)} errors"
    )
    problems = report["violations"][:3] + report["rest_429"][:3] + report["identify_limit"][:3]
    if lost or twice or problems or errors:
        print(f"  first problems: {(problems + errors)[:6]}", file=sys.stderr)
        return 1
    print(f"  0 violations, 0 errors; events per shard {report['delivered']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
