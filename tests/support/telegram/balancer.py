"""Telegram's webhook deliveries to a bot running as several processes behind one URL.

The bot registers one public URL (`setWebhook`); a load balancer in front of it forwards each
POST to one of its processes, round robin. `WebhookBalancer` plays both parts for the fake Bot
API: every update pushed to the fake is POSTed, with the secret header Telegram sends, to the
next backend in turn, at most `max_connections` at once (Telegram's default is 40).

As Telegram does, an update whose answer is not a 2xx, or does not come within
`answer_within` seconds, is delivered again (here: to the next backend, as the balancer would
send the retry). `repeat_every` (changeable at any time) delivers every n-th update a second
time even though its first answer was fine, to the next backend: the redelivery Telegram
makes when an answer was slow or lost, made certain, so exactly-once handling is tested on
every run, not by chance.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.telegram.server import FakeBotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Deliveries:
    """What the balancer did: the backends that answered each update 2xx, and the failures."""

    backends: defaultdict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    per_backend: Counter[str] = field(default_factory=Counter)  # backend -> POSTs answered 2xx
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (update, backend, why)


class WebhookBalancer:
    def __init__(
        self,
        fake: FakeBotApi,
        backends: list[str],
        *,
        max_connections: int = 40,
        answer_within: float = 60.0,
        repeat_every: int = 0,
        retry_pause: float = 0.2,
    ) -> None:
        if not backends:
            raise ValueError("a balancer needs at least one backend")
        self._fake = fake
        self.backends = list(backends)
        self._turn = itertools.cycle(range(len(self.backends)))
        self._slots = asyncio.Semaphore(max_connections)
        self._answer_within = answer_within
        self.repeat_every = repeat_every
        self._retry_pause = retry_pause
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._count = 0
        self.deliveries = Deliveries()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(connector=connector)
        self._fake.pushes.append(self._pushed)

    async def stop(self) -> None:
        if self._pushed in self._fake.pushes:
            self._fake.pushes.remove(self._pushed)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _pushed(self, update: dict[str, Any]) -> None:
        self._count += 1
        repeats = self.repeat_every > 0 and self._count % self.repeat_every == 0
        task = asyncio.get_running_loop().create_task(self._deliver(update, 2 if repeats else 1))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, update: dict[str, Any], times: int) -> None:
        for _ in range(times):
            while not await self._post_once(update):  # noqa: ASYNC110 (a retry, not a wait)
                await asyncio.sleep(self._retry_pause)

    async def _post_once(self, update: dict[str, Any]) -> bool:
        webhook = self._fake.webhook
        if webhook is None:  # not registered yet: Telegram keeps the update
            return False
        backend = self.backends[next(self._turn)]
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers[SECRET_HEADER] = webhook["secret_token"]
        assert self._session is not None
        update_id = int(update["update_id"])
        async with self._slots:
            try:
                async with self._session.post(
                    backend,
                    data=json.dumps(update),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self._answer_within),
                ) as answer:
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as error:
                self.deliveries.failures.append((update_id, backend, type(error).__name__))
                return False
        if not 200 <= status < 300:
            self.deliveries.failures.append((update_id, backend, str(status)))
            return False
        self.deliveries.backends[update_id].append(backend)
        self.deliveries.per_backend[backend] += 1
        return True
