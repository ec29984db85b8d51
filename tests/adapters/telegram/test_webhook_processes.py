"""Two `mosaic run` processes serving one Telegram webhook URL, on PostgreSQL and Redis (#19).

The fake Bot API's balancer forwards Telegram's POSTs round robin to both processes. One of
them registers the webhook; an update delivered to both (Telegram redelivers when an answer
is slow or lost) has one effect; a multi-step flow — /imagine, "Post", who may see it, then a
comment prompt and its answer — works with every step landing in the other process; and
Telegram's 30 messages a second hold for both processes together (shared through Redis).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.test_parallel_consoles import environment
from tests.support.redis_server import REDIS_URL, redis_for_test
from tests.support.telegram import FakeBotApi, FakeUser
from tests.support.telegram.balancer import WebhookBalancer
from tests.support.webhook_processes import (
    WebhookProcess,
    start_webhook_process,
    webhook_environment,
)

LIMIT = 300.0  # seconds for a process to start or a reply to come: the machine is shared
QUIET = 3.0  # seconds without a Bot API call before a duplicate is taken as not coming
USERS = 8
CROWD = 45  # people at once: more than 30 messages a second for two in-process limiters
SECRET = "two_processes-secret"

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def shown(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


class Bot:
    """The fake Bot API, its balancer and the two processes behind it."""

    def __init__(self, fake: FakeBotApi, balancer: WebhookBalancer) -> None:
        self.fake, self.balancer = fake, balancer

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(LIMIT):
            while not predicate():  # noqa: ASYNC110 (the balancer's deliveries tell nobody)
                await asyncio.sleep(0.05)

    async def quiet(self) -> None:
        """Until no request has reached the fake for `QUIET` seconds."""
        seen = -1
        while seen != len(self.fake.calls):
            seen = len(self.fake.calls)
            await asyncio.sleep(QUIET)

    async def message(self, user: FakeUser, starts: str) -> dict[str, Any]:
        """The bot's latest message to `user` that starts with `starts` (waits for it)."""

        def found() -> list[dict[str, Any]]:
            return [m for m in self.fake.bot_messages(user) if shown(m).startswith(starts)]

        await self.until(lambda: bool(found()))
        return found()[-1]

    def backend_of(self, update_id: int) -> list[str]:
        return self.balancer.deliveries.backends[update_id]


@pytest.fixture
async def redis_url() -> Any:
    async for _ in redis_for_test():  # skips (or fails in CI) without a Redis server
        yield REDIS_URL


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_webhook_processes_serve_one_url(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    bot_id = random.randrange(10**9, 10**10)  # its own limits in the shared Redis
    fake = FakeBotApi(token=f"{bot_id}:fake-TOKEN-two-processes_0123456789")
    await fake.start()
    base = environment(tmp_path / "data", database_url) | {"MOSAIC_REDIS_URL": redis_url}
    env = webhook_environment(base, token=fake.token, api_base_url=fake.base_url, secret=SECRET)
    processes: list[WebhookProcess] = []
    balancer: WebhookBalancer | None = None
    try:
        processes.append(
            await start_webhook_process(env, tmp_path / "a", "telegram,workers,scheduler")
        )
        processes.append(await start_webhook_process(env, tmp_path / "b", "telegram,workers"))
        backends = [await p.ready(LIMIT) for p in processes]
        assert len(set(backends)) == 2
        registered = [c for c in fake.calls if c.method == "setWebhook"]
        assert len(registered) == 1, "one process registers the webhook"
        assert fake.webhook == {"url": env["TELEGRAM_WEBHOOK_URL"], "secret_token": SECRET}
        assert not any(c.method == "getUpdates" for c in fake.calls)

        balancer = WebhookBalancer(fake, backends, repeat_every=1)
        await balancer.start()
        bot = Bot(fake, balancer)
        await every_update_twice_one_reply(bot)
        balancer.repeat_every = 0
        await a_flow_across_both_processes(bot, backends)
        await the_bot_wide_limit_holds_over_both(bot)
        assert fake.rejections == []
    finally:
        if balancer is not None:
            await balancer.stop()
        codes = [await p.stop() for p in processes]
        await fake.stop()
    assert codes == [0, 0], [p.log[-2000:] for p in processes]


async def every_update_twice_one_reply(bot: Bot) -> None:
    """Each /profile reaches both processes; each person gets one profile."""
    fake = bot.fake
    people = [fake.user(5000 + n, f"User {n}", f"user{n}") for n in range(USERS)]
    updates = {fake.say(person, "/profile") for person in people}
    await bot.until(lambda: all(len(fake.sent(p)) >= 1 for p in people))
    await bot.until(lambda: all(len(bot.backend_of(u)) == 2 for u in updates))
    await bot.quiet()
    for n, person in enumerate(people):
        [profile] = fake.sent(person)
        assert profile.params["text"].startswith(f"<b>User {n} (@user{n})</b>"), profile.params
    assert {b for u in updates for b in bot.backend_of(u)} == set(bot.balancer.backends)


async def a_flow_across_both_processes(bot: Bot, backends: list[str]) -> None:
    """Every step of /imagine → Post → Everyone → Comment → the answer lands in the process
    that did not handle the step before it."""
    fake = bot.fake
    alice = fake.user(101, "Alice", "alice")
    steps = [fake.say(alice, "/imagine a lighthouse at dawn")]
    preview = await bot.message(alice, "Preview of job #1")
    steps.append(fake.press(alice, preview, "📢 Post"))
    choose = await bot.message(alice, "Who should see this post?")
    steps.append(fake.press(alice, choose, "🌍 Everyone"))
    posted = await bot.message(alice, "#1 by @alice (public)")
    steps.append(fake.press(alice, posted, "💬 Comment"))
    prompt = await bot.message(alice, "Alice, reply to this message")
    steps.append(fake.say(alice, "what a light", reply_to=prompt))
    await bot.message(alice, "Your comment on post #1 is up.")
    where = [bot.backend_of(step) for step in steps]
    assert all(len(w) == 1 for w in where), where
    assert all(a != b for a, b in itertools.pairwise(where)), where
    assert {w[0] for w in where} == set(backends)


async def the_bot_wide_limit_holds_over_both(bot: Bot) -> None:
    """45 people at once, half of them in each process: each process alone stays under 30
    messages a second, together they would not; through Redis, no second has more than 30."""
    fake = bot.fake
    crowd = [fake.user(7000 + n, f"Crowd {n}", f"crowd{n}") for n in range(CROWD)]
    for person in crowd:
        fake.say(person, "/profile")
    await bot.until(lambda: all(len(fake.sent(p)) == 1 for p in crowd))
    assert fake.peak_per_second <= 30
    assert fake.over_overall == 0
