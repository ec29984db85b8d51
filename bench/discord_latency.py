"""Interaction → first response (the defer) on Discord, with many people at once.

The real discord.py client runs the Discord adapter against the fake Discord from the test
suite. The fake runs in a separate process (so that it does not compete with the bot for
the interpreter) and measures, for each INTERACTION_CREATE it sends, the time until the
bot's initial response arrives. Every round, `--users` people send `/feed show` at once
(`/feed` is a group: Discord can only invoke its sub-commands).

    PYTHONPATH=. .venv/bin/python -m bench.discord_latency [--users 100] [--rounds 5] [--smoke]

`--smoke` (3 users, 1 round) is what the test suite runs: it only checks that the bench runs
clean (no violation the fake Discord records, such as a 429) and prints its ratio line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import discord
import yarl

from bench.logged_errors import ErrorCount
from bot.bootstrap import build, build_discord
from core.settings import Settings

GOAL_MS = 50.0
COMMAND = "feed show"


# --- the fake Discord's process -------------------------------------------------------------
async def _serve_fake(pipe: Connection) -> None:
    from tests.support.fake_discord import FakeDiscord

    fake = FakeDiscord()
    await fake.start()
    pipe.send((fake.rest_base, fake.gateway_url, fake.token))
    place = fake.guild_channel()
    people: list[Any] = []
    while True:
        command, argument = await asyncio.to_thread(pipe.recv)
        if command == "round":
            people += [fake.user(f"user{n}") for n in range(len(people), argument)]
            sent = [await fake.slash(person, place, COMMAND) for person in people[:argument]]
            for interaction in sent:
                await fake.answered(interaction)
            await fake.wait_until(lambda sent=sent: all(fake.conversation(i) for i in sent))
            pipe.send([interaction.latency * 1000 for interaction in sent])
        elif command == "violations":
            pipe.send(fake.all_violations())
        else:
            await fake.stop()
            pipe.send("stopped")
            return


def _fake_process(pipe: Connection) -> None:
    asyncio.run(_serve_fake(pipe))


class FakeProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_fake_process, args=(child,), daemon=True)
        self._process.start()
        self.rest_base, self.gateway_url, self.token = self._pipe.recv()

    async def ask(self, command: str, argument: Any = None) -> Any:
        self._pipe.send((command, argument))
        return await asyncio.to_thread(self._pipe.recv)

    async def stop(self) -> None:
        await self.ask("stop")
        self._process.join()


# --- the bot ----------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(users: int, rounds: int, data_dir: Path) -> list[float]:
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    fake = FakeProcess()
    discord.http.Route.BASE = fake.rest_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    app = build(Settings(MOSAIC_DATA_DIR=data_dir, _env_file=None))
    await app.start()
    adapter = build_discord(app, token=fake.token, guild_ready_timeout=0.0)
    running = asyncio.create_task(adapter.run())
    try:
        await adapter.wait_until_ready()
        await fake.ask("round", users)  # warm-up: accounts are made, caches filled
        latencies: list[float] = []
        for _ in range(rounds):
            latencies += await fake.ask("round", users)
        violations = await fake.ask("violations")
        if violations:
            raise SystemExit(f"the fake Discord saw violations: {violations[:3]}")
        if errors.messages:
            raise SystemExit(f"the bot logged {len(errors.messages)} errors: {errors.messages[:3]}")
        return latencies
    finally:
        await adapter.close()
        await running
        await app.stop()
        await fake.stop()
        logging.getLogger().removeHandler(errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="3 users, 1 round (the suite's)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.rounds = 3, 1
    with tempfile.TemporaryDirectory() as folder:
        latencies = asyncio.run(measure(args.users, args.rounds, Path(folder)))
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(
        f"Discord interaction → first response, {args.users} concurrent users × {args.rounds} "
        f"rounds of /{COMMAND} ({len(latencies)} interactions, SQLite, 0 violations, 0 errors):"
    )
    print(f"  p50 {p50:7.1f} ms   {p50 / GOAL_MS:5.2f}× the {GOAL_MS:.0f} ms goal")
    print(f"  p99 {p99:7.1f} ms   {p99 / GOAL_MS:5.2f}× the {GOAL_MS:.0f} ms goal")
    print(f"  mean {statistics.fmean(latencies):6.1f} ms, max {max(latencies):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
