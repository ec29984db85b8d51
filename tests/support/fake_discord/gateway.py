"""The fake gateway: HELLO → IDENTIFY → READY, heartbeats, and events the tests inject.

Sharded as Discord is: each IDENTIFY names `shard: [id, count]` (none means `[0, 1]`), and
a guild's events go only to the session of shard `(guild_id >> 22) % count`; direct
messages go to shard 0. An IDENTIFY with a malformed shard, or an id not below its count, is
closed with 4010 (Invalid shard); one with fewer shards than `min_shards` with 4011 (Sharding
required). IDENTIFYs are limited as Discord limits them: one per 5 s in each bucket
`shard_id % max_concurrency`, across every process of the bot; one over it is answered with
op 9 (invalid session), as Discord does, and listed in `limits_exceeded` (not a violation: the
client recovers by identifying again later, as after a quick restart; tests of many
processes assert the list is empty).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.fake_discord import wire

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 45_000  # long: no heartbeat of the client's own lands mid-test
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011
IDENTIFY_WINDOW = 5.0  # seconds: max_concurrency IDENTIFYs per window, one per bucket
SESSION_WAIT = 10.0  # seconds an event waits for the session of its shard


@dataclass(eq=False)
class Session:
    socket: web.WebSocketResponse
    shard_id: int
    shard_count: int
    sequence: int = 0

    def receives(self, guild_id: int | None) -> bool:
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id


class FakeGateway:
    def __init__(
        self,
        *,
        token: str,
        ready: dict[str, Any],
        min_shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        self._token = token
        self._ready = ready
        self.min_shards = min_shards
        self.max_concurrency = max_concurrency
        self.sessions: dict[int, Session] = {}  # by shard id: the latest session of each
        self._last_identify: dict[int, float] = {}  # bucket → when its last IDENTIFY came
        self._heartbeats: dict[web.WebSocketResponse, asyncio.Event] = {}
        self._changed = asyncio.Condition()
        self.identified = asyncio.Event()  # some shard is connected
        self.identify_payloads: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.limits_exceeded: list[str] = []
        self.delivered: dict[int, int] = {}  # shard id → events dispatched on it

    def shard_of(self, guild_id: int | None, shard_count: int) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % shard_count

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(
            wire.dumps_text({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        )
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            await self._receive(socket, wire.loads(message.data))
        for shard_id, session in list(self.sessions.items()):
            if session.socket is socket:
                del self.sessions[shard_id]
        if not self.sessions:
            self.identified.clear()
        return socket

    async def _receive(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == HEARTBEAT:
            await socket.send_str(wire.dumps_text({"op": HEARTBEAT_ACK}))
            beat = self._heartbeats.pop(socket, None)
            if beat is not None:
                beat.set()
        elif op == IDENTIFY:
            await self._identify(socket, frame["d"])
        elif op == RESUME:
            self.violations.append("RESUME is not supported by the fake gateway")
            await socket.close(code=4000)
        else:
            self.violations.append(f"unexpected gateway op {op}")

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identify_payloads.append(data)
        if data.get("token") != self._token:
            self.violations.append("IDENTIFY with a wrong token")
            await socket.close(code=4004)
            return
        shard = data.get("shard", [0, 1])
        valid = (
            isinstance(shard, list)
            and len(shard) == 2
            and all(type(n) is int for n in shard)
            and 0 <= shard[0] < shard[1]
        )
        if not valid:
            self.violations.append(f"IDENTIFY with an invalid shard {shard!r}")
            await socket.close(code=INVALID_SHARD)
            return
        shard_id, shard_count = shard
        if shard_count < self.min_shards:
            self.violations.append(
                f"IDENTIFY with {shard_count} shards; sharding requires {self.min_shards}"
            )
            await socket.close(code=SHARDING_REQUIRED)
            return
        bucket = shard_id % self.max_concurrency
        now = time.monotonic()
        last = self._last_identify.get(bucket)
        if last is not None and now - last < IDENTIFY_WINDOW:
            self.limits_exceeded.append(
                f"IDENTIFY of shard {shard_id} {now - last:.2f} s after another in bucket "
                f"{bucket} (max_concurrency {self.max_concurrency} per {IDENTIFY_WINDOW:g} s)"
            )
            await socket.send_str(wire.dumps_text({"op": INVALID_SESSION, "d": False}))
            return
        self._last_identify[bucket] = now
        session = Session(socket, shard_id, shard_count)
        self.sessions[shard_id] = session
        ready = {**self._ready, "session_id": secrets.token_hex(16), "shard": shard}
        await self._send(session, "READY", ready)
        self.identified.set()
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": session.sequence, "d": data}
        await session.socket.send_str(wire.dumps_text(frame))

    def _receivers(self, guild_id: int | None) -> list[Session]:
        return [s for s in self.sessions.values() if s.receives(guild_id)]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send `event` on the session of the shard its guild belongs to (DMs: shard 0);
        waits up to 10 s for that shard to connect."""
        guild = data.get("guild_id")
        guild_id = int(guild) if guild is not None else None
        receivers = self._receivers(guild_id)
        if not receivers:  # the shard's session is not (yet, or no longer) there: wait for it
            async with asyncio.timeout(SESSION_WAIT), self._changed:
                await self._changed.wait_for(lambda: bool(self._receivers(guild_id)))
            receivers = self._receivers(guild_id)
        for session in receivers:
            self.delivered[session.shard_id] = self.delivered.get(session.shard_id, 0) + 1
            await self._send(session, event, data)

    async def barrier(self) -> None:
        """Returns once the client has read every event sent so far.

        The gateway asks each session for a heartbeat (op 1); a client reads its frames in
        order, so its answer proves it has processed (and scheduled the handlers of) all
        before it.
        """
        assert self.sessions, "no client is connected to the fake gateway"
        beats = []
        for session in list(self.sessions.values()):
            beat = self._heartbeats[session.socket] = asyncio.Event()
            beats.append(beat.wait())
            await session.socket.send_str(wire.dumps_text({"op": HEARTBEAT, "d": None}))
        await asyncio.wait_for(asyncio.gather(*beats), timeout=10)

    def session_start_limit(self) -> dict[str, int]:
        """What GET /gateway/bot reports (Discord's session start limit object)."""
        return {
            "total": 1000,
            "remaining": 1000 - len(self.identify_payloads),
            "reset_after": 86_400_000,
            "max_concurrency": self.max_concurrency,
        }

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            await session.socket.close()
