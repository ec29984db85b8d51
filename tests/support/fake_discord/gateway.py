"""The fake gateway: HELLO → IDENTIFY → READY, heartbeats, and events the tests inject."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 45_000  # long: no heartbeat of the client's own lands mid-test
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 10, 11


class FakeGateway:
    def __init__(self, *, token: str, ready: dict[str, Any]) -> None:
        self._token = token
        self._ready = ready
        self._socket: web.WebSocketResponse | None = None
        self._sequence = 0
        self._heartbeat: asyncio.Event | None = None
        self.identified = asyncio.Event()
        self.identify_payloads: list[dict[str, Any]] = []
        self.violations: list[str] = []

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(
            json.dumps({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        )
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            await self._receive(socket, json.loads(message.data))
        if self._socket is socket:
            self._socket = None
            self.identified.clear()
        return socket

    async def _receive(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == HEARTBEAT:
            await socket.send_str(json.dumps({"op": HEARTBEAT_ACK}))
            if self._heartbeat is not None:
                self._heartbeat.set()
        elif op == IDENTIFY:
            data = frame["d"]
            self.identify_payloads.append(data)
            if data.get("token") != self._token:
                self.violations.append("IDENTIFY with a wrong token")
                await socket.close(code=4004)
                return
            self._socket = socket
            self._sequence = 0
            ready = {**self._ready, "session_id": secrets.token_hex(16)}
            await self._send(socket, "READY", ready)
            self.identified.set()
        elif op == RESUME:
            self.violations.append("RESUME is not supported by the fake gateway")
            await socket.close(code=4000)
        else:
            self.violations.append(f"unexpected gateway op {op}")

    async def _send(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": self._sequence, "d": data}
        await socket.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await asyncio.wait_for(self.identified.wait(), timeout=10)
        assert self._socket is not None, "no client is connected to the fake gateway"
        await self._send(self._socket, event, data)

    async def barrier(self) -> None:
        """Returns once the client has read every event sent so far.

        The gateway may ask for a heartbeat (op 1); the client reads frames in order, so
        its answer proves it has processed (and scheduled the handlers of) all before it.
        """
        assert self._socket is not None, "no client is connected to the fake gateway"
        self._heartbeat = asyncio.Event()
        await self._socket.send_str(json.dumps({"op": HEARTBEAT, "d": None}))
        await asyncio.wait_for(self._heartbeat.wait(), timeout=10)
        self._heartbeat = None

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
