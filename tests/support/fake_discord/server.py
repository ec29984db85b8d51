"""A fake Discord for the real discord.py client: REST API and gateway on 127.0.0.1.

It answers the routes a bot uses and rejects what Discord rejects (late or double interaction
responses, expired tokens, oversized content, embeds, components, attachments and command
definitions), recording every request and every violation. Tests drive it as users would:
`slash()`, `press()`, `submit_modal()`, `message_menu()`, `autocomplete()`, `react()`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import mimetypes
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from PIL import Image

from core.clock import Clock
from tests.support.fake_discord import forms, limits, wire
from tests.support.fake_discord.gateway import FakeGateway
from tests.support.fake_discord.interactions import (
    ALLOWED_RESPONSES,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    COMMAND,
    COMPONENT,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE,
    MODAL,
    MODAL_SUBMIT,
    UPDATE,
    FakeInteraction,
    attachments_in,
    command_options,
    interaction_payload,
    modal_answer,
    reaction_payload,
)
from tests.support.fake_discord.messages import EPHEMERAL, LOADING, MessageStore, StoredMessage
from tests.support.fake_discord.payloads import (
    FakeAttachment,
    FakeUser,
    Place,
    message_payload,
    snowflake,
)
from tests.support.fake_discord.rates import RateLimits

API = "/api/v10"
TOKEN = "fake-bot-token"  # the bot token the fake accepts unless told otherwise
TOKEN_LIFE = timedelta(minutes=15)
# `enforce_nonce`: "checked for uniqueness in the past few minutes. If another message was
# created by the same author with the same nonce, that message will be returned" (Discord's
# Create Message). Per author, not per channel; and "a few" is taken at its shortest.
NONCE_LIFE = timedelta(minutes=3)
NONCE_MAX = 25
DEFAULT_UPLOAD_CAP = 10 * 1024 * 1024
WAIT_LIMIT = 10.0  # seconds a test waits for the bot before failing
CDN = "https://cdn.fake-discord.invalid"
# What a person may attach (the Discord client refuses more before anything is sent): 10 MiB
# without Nitro, 500 MiB with it.
USER_UPLOAD_CAP = 10 * 1024 * 1024
NITRO_UPLOAD_CAP = 500 * 1024 * 1024
# A CDN link is signed (`ex` expiry, `is` issued, `hm` signature) and lives 24 hours; a link
# without a valid signature, or expired, answers 404 "This content is no longer available."
ATTACHMENT_LINK_LIFE = timedelta(hours=24)
INVALID_JSON = 50109  # "The request body contains invalid JSON."


class _RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any] | list[Any] | None
    files: dict[str, int]
    client: str | None = None  # which REST base it came through (`rest_base_for`)


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json.
    return web.Response(
        body=wire.dumps(data), status=status, headers={"Content-Type": "application/json"}
    )


class _InvalidBody(ValueError):
    """A request body that is not JSON (recorded as a violation)."""


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        clock: Clock | None = None,
        response_deadline: float = 3.0,
        upload_cap: int = DEFAULT_UPLOAD_CAP,
        min_shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        self.token = token
        self.min_shards = min_shards  # fewer shards: the gateway closes with 4011
        self.max_concurrency = max_concurrency  # IDENTIFYs per 5 s (one per bucket)
        self.clock = clock or _RealClock()
        self.response_deadline = response_deadline
        self.upload_cap = upload_cap
        self.app_id = snowflake()
        self.bot = FakeUser(snowflake(), "mosaic", "Mosaic", bot=True)
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.store = MessageStore(self.bot, CDN)
        self.interactions: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}  # webhook routes name the token
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.command_syncs: list[str] = []
        self.forbidden_channels: set[int] = set()
        self.unknown_channels: set[int] = set()
        self.dm_channels: dict[int, int] = {}
        self.bot_reactions: list[tuple[int, str]] = []
        self.attachments: dict[int, FakeAttachment] = {}  # on the CDN, by id
        self.cdn_fetches: list[int] = []  # attachment ids served (a refused fetch is not)
        self._cdn_secret = secrets.token_bytes(16)
        self.deletions: list[tuple[int, int]] = []  # (channel, message) the bot deleted
        self._refusals: list[tuple[str, str, int, int, float | None]] = []
        self.rate_limits: RateLimits | None = None
        self._nonces: dict[str, tuple[StoredMessage, datetime]] = {}  # the bot's own
        self._drops = 0  # coming channel messages whose answer is lost (`drop_next`)
        self.dropped = 0
        self.created_messages = 0  # channel messages made by POST (not a nonce's repeat)
        self._hold_answers_after: int | None = None  # `hold_answers_after`
        self._answers_released = asyncio.Event()
        self.held = 0  # channel messages made whose answer is being held
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.gateway: FakeGateway | None = None

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    def rest_base_for(self, client: str) -> str:
        """The same REST API under a path naming `client`, so that requests (and the
        interaction answers) of several bot processes can be told apart."""
        return f"http://127.0.0.1:{self.port}/{client}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_socket)
        app.router.add_get("/ephemeral-attachments/{app}/{id}/{filename}", self._cdn)
        app.router.add_get("/attachments/{channel}/{id}/{filename}", self._cdn)
        app.router.add_route("*", API + "/{tail:.*}", self._route)
        app.router.add_route("*", "/{client}" + API + "/{tail:.*}", self._route)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.gateway = FakeGateway(
            token=self.token,
            min_shards=self.min_shards,
            max_concurrency=self.max_concurrency,
            ready={
                "v": 10,
                "user": self.bot.payload(),
                "guilds": [],
                "private_channels": [],
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
            },
        )

    async def stop(self) -> None:
        if self.gateway is not None:
            await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _gateway_socket(self, request: web.Request) -> web.StreamResponse:
        assert self.gateway is not None
        return await self.gateway.handle(request)

    @property
    def messages(self) -> dict[int, StoredMessage]:
        return self.store.by_id

    # --- people and places ----------------------------------------------------------------
    def user(self, username: str, display: str | None = None) -> FakeUser:
        person = FakeUser(snowflake(), username, display or username.title())
        self.users[person.id] = person
        return person

    def guild_channel(self, guild_id: int | None = None, *, locale: str = "en-US") -> Place:
        return Place(snowflake(), guild_id or snowflake(), locale)

    def guild_on_shard(self, shard_id: int, shard_count: int, *, locale: str = "en-US") -> Place:
        """A channel in a new guild that Discord puts on shard `shard_id` of `shard_count`."""
        fresh = snowflake()
        millis = fresh >> 22
        millis += (shard_id - millis) % shard_count  # (guild_id >> 22) % count == shard_id
        return Place(snowflake(), (millis << 22) | (fresh & 0x3FFFFF), locale)

    def dm(self, user: FakeUser) -> Place:
        channel = self.dm_channels.setdefault(user.id, snowflake())
        return Place(channel)

    # --- what tests look at -----------------------------------------------------------------
    def all_violations(self) -> list[str]:
        found = list(self.violations)
        if self.gateway is not None:
            found += self.gateway.violations
        now = asyncio.get_running_loop().time()
        for interaction in self.interactions.values():
            late = now - interaction.dispatched_at > self.response_deadline
            if interaction.responded_at is None and late:
                found.append(f"interaction {interaction.id} was never answered")
        return found

    def conversation(self, interaction: FakeInteraction) -> list[StoredMessage]:
        """The messages an interaction produced, in order (deleted ones left out)."""
        ids = ([interaction.original_id] if interaction.original_id else []) + [
            i for i in interaction.followups if i != interaction.original_id
        ]
        found = [self.messages[i] for i in ids if i in self.messages]
        return [m for m in found if not m.deleted and m.interaction_id == interaction.id]

    def channel_messages(self, channel_id: int) -> list[StoredMessage]:
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel_id and m.interaction_id is None and not m.deleted
        ]

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Until `predicate()` holds; re-checked after every request (10 s at most)."""
        async with asyncio.timeout(WAIT_LIMIT), self._changed:
            await self._changed.wait_for(predicate)

    async def answered(self, interaction: FakeInteraction) -> None:
        """Until the bot has sent the interaction's initial response (10 s at most)."""
        async with asyncio.timeout(WAIT_LIMIT):
            await interaction.answered.wait()

    async def barrier(self) -> None:
        assert self.gateway is not None
        await self.gateway.barrier()

    # --- users acting ---------------------------------------------------------------------
    async def slash(
        self,
        user: FakeUser,
        place: Place,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        admin: bool = False,
        locale: str = "en-US",
    ) -> FakeInteraction:
        definition, path = self._find_command(place, command)
        data: dict[str, Any] = {
            "id": definition["id"],
            "name": definition["name"],
            "type": 1,
            "options": command_options(definition, path, options or {}),
        }
        attached = attachments_in(options or {})
        if attached:
            data["resolved"] = {
                "attachments": {str(a.id): self._attachment_payload(a) for a in attached}
            }
        return await self._interact(COMMAND, user, place, data, admin=admin, locale=locale)

    # --- files people attach ----------------------------------------------------------------
    def attach(
        self,
        data: bytes,
        filename: str,
        *,
        content_type: str | None = None,
        uploader_cap: int = USER_UPLOAD_CAP,
    ) -> FakeAttachment:
        """A file a person attaches to a slash command (pass it as the option's value).
        `content_type`: Discord's guess (by default from the name; None if it has none)."""
        assert len(data) <= uploader_cap, "the Discord client refuses files over your limit"
        guessed = content_type or mimetypes.guess_type(filename)[0]
        width = height = None
        if guessed is not None and guessed.startswith("image/"):
            try:
                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
            except Exception:  # Discord leaves the size out when it cannot read the image
                pass
        attachment = FakeAttachment(snowflake(), filename, data, guessed, width, height)
        self.attachments[attachment.id] = attachment
        return attachment

    def _signature(self, path: str, expires: int, issued: int) -> str:
        message = f"{path}?ex={expires:x}&is={issued:x}".encode()
        return hmac.new(self._cdn_secret, message, hashlib.sha256).hexdigest()

    def user_message(
        self,
        user: FakeUser,
        place: Place,
        content: str = "",
        *,
        attachments: tuple[FakeAttachment, ...] = (),
    ) -> StoredMessage:
        """A message a person posts in a channel (with files from `attach`), for message
        menus to act on; the bot has no gateway event for it (no message-content intent)."""
        payload = message_payload(
            message_id=snowflake(),
            channel_id=place.channel_id,
            author=user,
            body={"content": content},
            attachments=[
                self._attachment_payload(a, channel_id=place.channel_id) for a in attachments
            ],
            guild_id=place.guild_id,
        )
        stored = StoredMessage(payload, {a.filename: a.size for a in attachments})
        self.store.by_id[stored.id] = stored
        return stored

    def _attachment_payload(
        self, attachment: FakeAttachment, *, channel_id: int | None = None
    ) -> dict[str, Any]:
        """Discord's attachment object: a command's (ephemeral, under the application) or a
        channel message's (under the channel), with a signed CDN link."""
        ephemeral = channel_id is None
        folder = (
            f"ephemeral-attachments/{self.app_id}" if ephemeral else f"attachments/{channel_id}"
        )
        path = f"/{folder}/{attachment.id}/{attachment.filename}"
        issued = int(self.clock.now().timestamp())
        expires = issued + int(ATTACHMENT_LINK_LIFE.total_seconds())
        signed = f"?ex={expires:x}&is={issued:x}&hm={self._signature(path, expires, issued)}&"
        url = f"http://127.0.0.1:{self.port}{quote(path)}{signed}"
        payload: dict[str, Any] = {
            "id": str(attachment.id),
            "filename": attachment.filename,
            "size": attachment.size,
            "url": url,
            "proxy_url": url,
            "ephemeral": ephemeral,
        }
        if attachment.content_type is not None:
            payload["content_type"] = attachment.content_type
        if attachment.width is not None:
            payload |= {"width": attachment.width, "height": attachment.height}
        return payload

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        gone = web.Response(status=404, text="This content is no longer available.")
        attachment = self.attachments.get(int(request.match_info["id"]))
        try:
            expires = int(request.query["ex"], 16)
            issued = int(request.query["is"], 16)
            signature = request.query["hm"]
        except (KeyError, ValueError):
            return gone
        expected = self._signature(request.path, expires, issued)
        if attachment is None or not hmac.compare_digest(signature, expected):
            return gone
        if self.clock.now().timestamp() > expires:
            return gone
        self.cdn_fetches.append(attachment.id)
        kind = attachment.content_type or "application/octet-stream"
        return web.Response(body=attachment.data, headers={"Content-Type": kind})

    async def autocomplete(
        self,
        user: FakeUser,
        place: Place,
        command: str,
        options: dict[str, Any],
        *,
        focused: str,
        locale: str = "en-US",
    ) -> FakeInteraction:
        definition, path = self._find_command(place, command)
        built = command_options(definition, path, options, focused=focused)
        data = {"id": definition["id"], "name": definition["name"], "type": 1, "options": built}
        return await self._interact(AUTOCOMPLETE, user, place, data, locale=locale)

    async def press(
        self,
        user: FakeUser,
        message: StoredMessage,
        custom_id: str,
        *,
        place: Place | None = None,
        admin: bool = False,
        locale: str = "en-US",
    ) -> FakeInteraction:
        assert custom_id in message.custom_ids, f"{custom_id!r} is not on that message"
        place = place or self._place_of(message)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(
            COMPONENT, user, place, data, admin=admin, locale=locale, message=message
        )

    async def submit_modal(
        self, user: FakeUser, opened: FakeInteraction, answer: str, *, locale: str = "en-US"
    ) -> FakeInteraction:
        assert opened.response_type == MODAL and opened.response_data is not None, "no modal"
        message = self.store.get(opened.component_message_id)
        data = modal_answer(opened.response_data, answer)
        return await self._interact(
            MODAL_SUBMIT, user, opened.place, data, locale=locale, message=message
        )

    async def message_menu(
        self, user: FakeUser, place: Place, name: str, message: StoredMessage
    ) -> FakeInteraction:
        definitions = self._definitions(place)
        definition = next(
            (d for d in definitions if d.get("type") == 3 and d["name"] == name), None
        )
        assert definition is not None, f"no message command {name!r} registered"
        data = {
            "id": definition["id"],
            "name": name,
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.payload}},
        }
        return await self._interact(COMMAND, user, place, data)

    async def react(
        self, user: FakeUser, message: StoredMessage, emoji: str, *, remove: bool = False
    ) -> None:
        data = reaction_payload(
            user, message.payload, self._place_of(message), emoji, remove=remove
        )
        assert self.gateway is not None
        await self.gateway.dispatch(
            "MESSAGE_REACTION_REMOVE" if remove else "MESSAGE_REACTION_ADD", data
        )

    def _place_of(self, message: StoredMessage) -> Place:
        guild = message.payload.get("guild_id")
        return Place(message.channel_id, int(guild) if guild else None)

    async def _interact(
        self,
        kind: int,
        user: FakeUser,
        place: Place,
        data: dict[str, Any],
        *,
        admin: bool = False,
        locale: str = "en-US",
        message: StoredMessage | None = None,
    ) -> FakeInteraction:
        interaction_id = snowflake()
        payload = interaction_payload(
            interaction_id=interaction_id,
            application_id=self.app_id,
            kind=kind,
            user=user,
            place=place,
            data=data,
            upload_cap=self.upload_cap,
            admin=admin,
            locale=locale,
            message=message.payload if message is not None else None,
        )
        interaction = FakeInteraction(
            id=interaction_id,
            token=payload["token"],
            type=kind,
            user=user,
            place=place,
            payload=payload,
            created=self.clock.now(),
            dispatched_at=asyncio.get_running_loop().time(),
            component_message_id=message.id if message is not None else None,
        )
        self.interactions[interaction_id] = interaction
        self._by_token[interaction.token] = interaction
        assert self.gateway is not None
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # --- commands as a Discord client sees them -------------------------------------------
    def _definitions(self, place: Place) -> list[dict[str, Any]]:
        found = list(self.commands.get("global", []))
        if place.guild_id is not None:
            found += self.commands.get(f"guild:{place.guild_id}", [])
        return found

    def _find_command(self, place: Place, command: str) -> tuple[dict[str, Any], list[str]]:
        top, *path = command.split(" ")
        for definition in self._definitions(place):
            if definition.get("type", 1) == 1 and definition["name"] == top:
                return definition, path
        raise AssertionError(f"/{top} is not registered where {place} is")

    # --- faults tests ask for ------------------------------------------------------------
    def refuse_next(self, method: str, path_part: str, status: int, code: int) -> None:
        """Answer the next `method` request whose path contains `path_part` with an error."""
        self._refusals.append((method, path_part, status, code, None))

    def drop_next(self, count: int = 1) -> None:
        """The next `count` channel messages are created, then their connection is cut
        before the answer: the bot cannot know whether they arrived."""
        self._drops += count

    def hold_answers_after(self, created: int) -> None:
        """Once `created` channel messages were made, make every further one but hold its
        answer (`held` counts them) until `release_held`: the bot is mid-send, the request
        has reached Discord and the answer is not back."""
        self._hold_answers_after = created
        self._answers_released.clear()

    def release_held(self) -> None:
        """Answer the held requests (if anybody still listens) and hold no more."""
        self._hold_answers_after = None
        self._answers_released.set()

    def rate_limit_next(self, method: str, path_part: str, retry_after: float) -> None:
        """Answer the next matching request with a 429 asking to retry after `retry_after` s."""
        self._refusals.append((method, path_part, 429, 0, retry_after))

    def _holds_answer(self) -> bool:
        after = self._hold_answers_after
        return after is not None and self.created_messages > after

    def _refusal(self, method: str, path: str) -> web.Response | None:
        for entry in self._refusals:
            verb, part, status, code, retry_after = entry
            if verb == method and part in path:
                self._refusals.remove(entry)
                if retry_after is None:
                    return _error(status, code, "refused by the test")
                limited = _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": False,
                    },
                    429,
                )
                limited.headers["Via"] = "1.1 google"
                limited.headers["Retry-After"] = str(retry_after)
                return limited
        return None

    def enforce_rate_limits(
        self, *, global_per_second: float = 50.0, channel_messages: int = 5, window: float = 5.0
    ) -> RateLimits:
        """Answer requests over Discord's global rate or a channel's message window with
        429 (bot-token requests only); `rate_limits.exceeded` lists each one."""
        self.rate_limits = RateLimits(global_per_second, channel_messages, window)
        return self.rate_limits

    def _rate_limited(self, method: str, parts: list[str]) -> web.Response | None:
        if self.rate_limits is None or parts[0] in ("interactions", "webhooks"):
            return None
        over = self.rate_limits.check(method, parts)
        if over is None:
            return None
        retry_after, is_global = over
        limited = _json(
            {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
            },
            429,
        )
        limited.headers["Retry-After"] = f"{retry_after:.3f}"
        if is_global:
            limited.headers["X-RateLimit-Global"] = "true"
        return limited

    async def redeliver(self, interaction: FakeInteraction) -> None:
        """The gateway sends the same INTERACTION_CREATE again (as after a resume)."""
        assert self.gateway is not None
        await self.gateway.dispatch("INTERACTION_CREATE", interaction.payload)

    # --- REST ---------------------------------------------------------------------------------
    async def _route(self, request: web.Request) -> web.StreamResponse:
        arrived = asyncio.get_running_loop().time()
        path = "/" + request.match_info["tail"]
        client = request.match_info.get("client")
        try:
            body, files = await self._read_body(request)
        except _InvalidBody:
            return _error(400, INVALID_JSON, "The request body contains invalid JSON.")
        self.requests.append(
            Recorded(request.method, path, dict(request.query), body, files, client)
        )
        try:
            refusal = self._refusal(request.method, path) or self._rate_limited(
                request.method, path.split("/")[1:]
            )
            if refusal is not None:
                return refusal
            response = await self._handle(
                request, path.split("/")[1:], body, files, arrived, client
            )
            lost = response.status < 300 and request.method == "POST"
            if lost and self._drops and path.endswith("/messages"):
                self._drops -= 1
                self.dropped += 1
                assert request.transport is not None
                request.transport.abort()
                raise web.HTTPException()  # nothing is written: the connection is gone
            if lost and path.endswith("/messages") and self._holds_answer():
                self.held += 1
                async with self._changed:
                    self._changed.notify_all()
                await self._answers_released.wait()
            return response
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[str, int]]:
        if not request.can_read_body:
            return None, {}
        content_type = request.headers.get("Content-Type", "")
        kind = forms.media_type(content_type)
        raw = await request.read()
        if kind.startswith("multipart/"):
            body: Any = None
            files: dict[str, int] = {}
            try:
                parts = forms.multipart(content_type, raw)
            except forms.FormError as error:
                self.violations.append(f"{request.method} {request.path}: {error}")
                return None, {}
            for part in parts:
                if part.name == "payload_json":
                    body = self._parsed(request, part.content)
                else:
                    files[part.filename or part.name or "?"] = len(part.content)
            return body, files
        if kind != "application/json":
            self.violations.append(f"{request.method} {request.path}: body of {kind}")
        return (self._parsed(request, raw) if raw else None), {}

    def _parsed(self, request: web.Request, raw: bytes) -> Any:
        try:
            return wire.loads(raw)
        except ValueError as error:
            self.violations.append(f"{request.method} {request.path}: invalid JSON ({error})")
            raise _InvalidBody from error

    async def _handle(
        self,
        request: web.Request,
        parts: list[str],
        body: Any,
        files: dict[str, int],
        arrived: float,
        client: str | None = None,
    ) -> web.StreamResponse:
        method = request.method
        if parts[0] == "interactions":
            return self._callback(int(parts[1]), parts[2], body or {}, files, arrived, client)
        if parts[0] == "webhooks":
            return self._webhook(method, parts[2], parts[3:], body or {}, files)
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        match method, parts:
            case "GET", ["users", "@me"]:
                return _json(self.bot.payload())
            case "GET", ["users", user_id]:
                user = self.users.get(int(user_id))
                return _json(user.payload()) if user else _error(404, 10013, "Unknown User")
            case "GET", ["oauth2", "applications", "@me"]:
                return _json(self._application())
            case "GET", ["gateway"]:
                return _json({"url": self.gateway_url})
            case "GET", ["gateway", "bot"]:
                assert self.gateway is not None
                return _json(
                    {
                        "url": self.gateway_url,
                        "shards": self.min_shards,
                        "session_start_limit": self.gateway.session_start_limit(),
                    }
                )
            case (("PUT" | "GET"), ["applications", _, "commands"]):
                return self._commands(method, "global", body)
            case (("PUT" | "GET"), ["applications", _, "guilds", guild_id, "commands"]):
                return self._commands(method, f"guild:{guild_id}", body)
            case "POST", ["users", "@me", "channels"]:
                return self._open_dm(int(body["recipient_id"]))
            case "POST", ["channels", channel_id, "messages"]:
                return self._channel_send(int(channel_id), body or {}, files)
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                return self._channel_edit(int(channel_id), int(message_id), body or {}, files)
            case "DELETE", ["channels", channel_id, "messages", message_id]:
                return self._channel_delete(int(channel_id), int(message_id))
            case (
                ("PUT" | "DELETE"),
                ["channels", _, "messages", message_id, "reactions", emoji, "@me"],
            ):
                self.bot_reactions.append((int(message_id), emoji))
                return web.Response(status=204)
        self.violations.append(f"unexpected request {method} /{'/'.join(parts)}")
        return _error(404, 0, "404: Not Found")

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.app_id),
            "name": "Mosaic",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.users[self.bot.id].payload(),
            "verify_key": "0" * 64,
            "flags": 0,
        }

    def _commands(self, method: str, scope: str, body: Any) -> web.Response:
        if method == "GET":
            return _json(self.commands.get(scope, []))
        problems = limits.commands_problems(body)
        if problems:
            self.violations += [f"command sync ({scope}): {p}" for p in problems]
            return _error(400, 50035, "Invalid Form Body")
        self.command_syncs.append(scope)
        stored = []
        for command in body:
            stored.append(
                {
                    "description": "",  # Discord's answer has one even for menus
                    **command,
                    "id": str(snowflake()),
                    "application_id": str(self.app_id),
                    "version": str(snowflake()),
                    **({"guild_id": scope.split(":")[1]} if scope != "global" else {}),
                }
            )
        self.commands[scope] = stored
        return _json(stored)

    def _open_dm(self, user_id: int) -> web.Response:
        user = self.users.get(user_id)
        if user is None:
            return _error(404, 10013, "Unknown User")
        channel_id = self.dm_channels.setdefault(user_id, snowflake())
        return _json(Place(channel_id).channel_payload(user))

    # --- messages ------------------------------------------------------------------------
    def _checked(self, where: str, body: dict[str, Any], files: dict[str, int], cap: int) -> bool:
        problems = limits.message_problems(body, files, upload_cap=cap)
        self.violations += [f"{where}: {p}" for p in problems]
        return not problems

    def _channel_send(
        self, channel_id: int, body: dict[str, Any], files: dict[str, int]
    ) -> web.Response:
        if channel_id in self.forbidden_channels:
            return _error(403, 50001, "Missing Access")
        if channel_id in self.unknown_channels:
            return _error(404, 10003, "Unknown Channel")
        if not self._checked(f"message to channel {channel_id}", body, files, self.upload_cap):
            return _error(400, 50035, "Invalid Form Body")
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > NONCE_MAX:
            self.violations.append(f"message to channel {channel_id}: nonce over {NONCE_MAX}")
            return _error(400, 50035, "Invalid Form Body")
        now = self.clock.now()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(str(nonce))
            if seen is not None and now - seen[1] < NONCE_LIFE:
                return _json(seen[0].payload)  # the same message again, nothing new
        guild = next(
            (
                i.place.guild_id
                for i in self.interactions.values()
                if i.place.channel_id == channel_id
            ),
            None,
        )
        stored = self.store.create(
            channel_id=channel_id,
            body=body,
            files=files,
            flags=body.get("flags") or 0,
            guild_id=guild,
        )
        self.created_messages += 1
        if nonce is not None:
            self._nonces[str(nonce)] = (stored, now)
        return _json(stored.payload)

    def _channel_delete(self, channel_id: int, message_id: int) -> web.Response:
        """The bot deletes one of its messages (ephemeral ones cannot be: they are not there)."""
        if channel_id in self.forbidden_channels:
            return _error(403, 50001, "Missing Access")
        message = self.store.get(message_id)
        if (
            message is None
            or message.deleted
            or message.channel_id != channel_id
            or message.ephemeral
        ):
            return _error(404, 10008, "Unknown Message")
        message.deleted = True
        self.deletions.append((channel_id, message_id))
        return web.Response(status=204)

    def _channel_edit(
        self, channel_id: int, message_id: int, body: dict[str, Any], files: dict[str, int]
    ) -> web.Response:
        if channel_id in self.forbidden_channels:
            return _error(403, 50001, "Missing Access")
        message = self.store.get(message_id)
        if (
            message is None
            or message.deleted
            or message.channel_id != channel_id
            or message.ephemeral
        ):
            return _error(404, 10008, "Unknown Message")
        after = self.store.files_after_edit(message, body, files)
        if not self._checked(
            f"edit of message {message_id}", {**message.payload, **body}, after, self.upload_cap
        ):
            return _error(400, 50035, "Invalid Form Body")
        self.store.edit(message, body, files)
        return _json(message.payload)

    # --- interactions ------------------------------------------------------------------------
    def _callback(
        self,
        interaction_id: int,
        token: str,
        body: dict[str, Any],
        files: dict[str, int],
        arrived: float,
        client: str | None = None,
    ) -> web.Response:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            self.violations.append(f"callback for unknown interaction {interaction_id}")
            return _error(404, 10062, "Unknown interaction")
        interaction.callbacks += 1
        if interaction.response_type is not None:
            self.violations.append(f"interaction {interaction_id} answered twice")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        elapsed = arrived - interaction.dispatched_at
        if elapsed > self.response_deadline:
            self.violations.append(
                f"interaction {interaction_id} answered after {elapsed:.2f} s "
                f"(deadline {self.response_deadline} s)"
            )
            return _error(404, 10062, "Unknown interaction")
        kind, data = body.get("type"), body.get("data") or {}
        problem = self._callback_problem(interaction, kind, data, files)
        if problem:
            self.violations.append(f"interaction {interaction_id}: {problem}")
            return _error(400, 50035, "Invalid Form Body")
        interaction.response_type, interaction.response_data = kind, data
        interaction.responded_at = arrived
        interaction.answered_by = client
        interaction.answered.set()
        if kind not in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            interaction.shown.set()
        return _json(self._callback_result(interaction, kind, data, files))

    def _callback_problem(
        self, interaction: FakeInteraction, kind: Any, data: dict[str, Any], files: dict[str, int]
    ) -> str | None:
        if kind not in ALLOWED_RESPONSES[interaction.type]:
            return f"response type {kind} is not allowed for interaction type {interaction.type}"
        if kind == DEFERRED_UPDATE and interaction.component_message_id is None:
            return "DEFERRED_UPDATE_MESSAGE without a message"
        if kind in (MESSAGE, UPDATE):
            problems = limits.message_problems(data, files, upload_cap=interaction.upload_cap)
            return "; ".join(problems) or None
        if kind == MODAL:
            return "; ".join(limits.modal_problems(data)) or None
        if kind == AUTOCOMPLETE_RESULT:
            return "; ".join(limits.autocomplete_problems(data)) or None
        return None

    def _callback_result(
        self, interaction: FakeInteraction, kind: int, data: dict[str, Any], files: dict[str, int]
    ) -> dict[str, Any]:
        ephemeral = bool((data.get("flags") or 0) & EPHEMERAL)
        message: StoredMessage | None = None
        if kind in (MESSAGE, DEFERRED_MESSAGE):
            body = data if kind == MESSAGE else {}
            message = self.store.create(
                channel_id=interaction.place.channel_id,
                body=body,
                files=files if kind == MESSAGE else {},
                flags=(EPHEMERAL if ephemeral else 0)
                | (LOADING if kind == DEFERRED_MESSAGE else 0),
                interaction_id=interaction.id,
                guild_id=interaction.place.guild_id,
            )
            interaction.original_id = message.id
            interaction.original_loading = kind == DEFERRED_MESSAGE
        elif kind in (DEFERRED_UPDATE, UPDATE):
            interaction.original_id = interaction.component_message_id
            message = self.store.by_id[interaction.component_message_id]  # type: ignore[index]
            if kind == UPDATE:
                self.store.edit(message, data, files)
        result: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": kind == DEFERRED_MESSAGE,
                "response_message_ephemeral": ephemeral,
            },
            "resource": {"type": kind},
        }
        if message is not None:
            result["interaction"]["response_message_id"] = str(message.id)
            if kind in (MESSAGE, DEFERRED_MESSAGE, UPDATE):
                result["resource"]["message"] = message.payload
        return result

    def _webhook(
        self, method: str, token: str, rest: list[str], body: dict[str, Any], files: dict[str, int]
    ) -> web.Response:
        interaction = self._by_token.get(token) or next(  # one a test put in by hand
            (i for i in self.interactions.values() if i.token == token), None
        )
        where = f"{method} webhook /{'/'.join(rest)}"
        if interaction is None:
            self.violations.append(f"{where}: unknown webhook token")
            return _error(404, 10015, "Unknown Webhook")
        if self.clock.now() - interaction.created > TOKEN_LIFE:
            self.violations.append(f"{where}: interaction token expired (15 min)")
            return _error(401, 50027, "Invalid Webhook Token")
        if interaction.response_type is None:
            self.violations.append(f"{where}: before the interaction was answered")
            return _error(404, 10015, "Unknown Webhook")
        match method, rest:
            case "POST", []:
                return self._followup(interaction, body, files)
            case (("GET" | "PATCH" | "DELETE"), ["messages", which]):
                return self._webhook_message(interaction, method, which, body, files, where)
        self.violations.append(f"{where}: unexpected webhook route")
        return _error(404, 0, "404: Not Found")

    def _followup(
        self, interaction: FakeInteraction, body: dict[str, Any], files: dict[str, int]
    ) -> web.Response:
        if not self._checked(f"follow-up of {interaction.id}", body, files, interaction.upload_cap):
            return _error(400, 50035, "Invalid Form Body")
        interaction.shown.set()
        if interaction.original_loading and interaction.original_id is not None:
            # Discord: the first follow-up after a deferred response fills the "thinking…"
            # message and keeps the defer's visibility, whatever its own flags say.
            message = self.store.by_id[interaction.original_id]
            interaction.original_loading = False
            self.store.edit(message, {**body, "attachments": []}, files)
            interaction.followups.append(message.id)
            return _json(message.payload)
        flags = body.get("flags") or 0
        message = self.store.create(
            channel_id=interaction.place.channel_id,
            body=body,
            files=files,
            flags=flags & EPHEMERAL,
            interaction_id=interaction.id,
            guild_id=interaction.place.guild_id,
        )
        interaction.followups.append(message.id)
        return _json(message.payload)

    def _webhook_message(
        self,
        interaction: FakeInteraction,
        method: str,
        which: str,
        body: dict[str, Any],
        files: dict[str, int],
        where: str,
    ) -> web.Response:
        if which == "@original":
            message_id = interaction.original_id
        else:
            message_id = int(which) if int(which) in interaction.followups else None
        message = self.store.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            self.violations.append(f"{where}: unknown message")
            return _error(404, 10008, "Unknown Message")
        if method == "GET":
            return _json(message.payload)
        if method == "DELETE":
            message.deleted = True
            if message_id == interaction.original_id:
                interaction.original_loading = False
            return web.Response(status=204)
        after = self.store.files_after_edit(message, body, files)
        merged = {**message.payload, **{k: v for k, v in body.items() if v is not None}}
        if not self._checked(where, merged, after, interaction.upload_cap):
            return _error(400, 50035, "Invalid Form Body")
        self.store.edit(message, body, files)
        if message_id == interaction.original_id:
            interaction.original_loading = False
        interaction.shown.set()
        return _json(message.payload)
