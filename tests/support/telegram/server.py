"""A fake Telegram Bot API on 127.0.0.1 that the real python-telegram-bot talks to.

It keeps a small world (users, private chats, groups, messages), hands out updates through a
long-polling `getUpdates` (or POSTs them to a webhook), records every request, and rejects
what Telegram rejects — recording each rejection, so tests can assert there were none:

- text > 4096 or caption > 1024 characters after entity parsing (UTF-16 units), bad HTML;
- callback_data outside 1–64 bytes; media groups outside 2–10; photos over 10 MB or with
  width + height > 10000; documents over 50 MB; alerts over 200 characters;
- getFile for a file over 20 MB ("file is too big": a bot downloads up to 20 MB) or an
  unknown file id; a download from the file server (`/file/bot<token>/<file_path>`) of a
  path getFile did not give;
- more than 30 messages per second in all, more than one per second per chat, more than 20
  per minute per group: 429 with
  `parameters.retry_after` (windows scale with `time_scale`: 0.01 makes a second 10 ms);
  the most messages accepted within one second (`peak_per_second`) and the refusals for the
  bot-wide rate (`over_overall`) are recorded over all callers (every process of the bot);
- a user who blocked the bot (403), a group that kicked it (403), a group that became a
  supergroup (400 with `migrate_to_chat_id`), an unknown chat (400).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from PIL import Image

from tests.support.telegram.entities import EntityError, parse_html, utf16_len

TOKEN = "123456789:fake-TOKEN-for-tests_0123456789abcdef"
BOT_ID = 123456789
TEXT_LIMIT, CAPTION_LIMIT, ALERT_LIMIT = 4096, 1024, 200
PHOTO_BYTES, DOCUMENT_BYTES = 10 * 1024 * 1024, 50 * 1024 * 1024
DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile: "bots can download files of up to 20MB in size"
# The sides (longest, in pixels) of the JPEG sizes Telegram makes of a photo people send.
PHOTO_SIDES = (90, 320, 800, 1280, 2560)
SENDS = frozenset({"sendMessage", "sendPhoto", "sendMediaGroup", "sendDocument"})
EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageMedia"})
PACED = SENDS | EDITS
_JSON_FIELDS = {
    "reply_markup",
    "menu_button",
    "media",
    "entities",
    "caption_entities",
    "reply_parameters",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
}
_INT_FIELDS = {"chat_id", "message_id", "user_id", "offset", "limit", "cache_time"}
_FLOAT_FIELDS = {"timeout"}
_BOOL_VALUES = {"true": True, "false": False}
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeChat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    user: FakeUser | None = None  # the other side of a private chat
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    creator: int | None = None
    blocked: bool = False  # private: the user blocked the bot
    kicked: bool = False  # group: the bot was removed
    migrated_to: int | None = None

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def json(self) -> dict[str, Any]:
        if self.user is not None:
            data = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.username:
                data["username"] = self.user.username
            return data
        return {"id": self.id, "type": self.type, "title": self.title or "Group"}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float  # time.monotonic() on arrival
    error: ApiError | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass(frozen=True)
class Rejection:
    method: str
    chat_id: int | None
    code: int
    description: str


class FakeBotApi:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        username: str = "mosaic_test_bot",
        time_scale: float = 1.0,
        chat_interval: float = 1.0,
        group_messages: int = 20,
        group_window: float = 60.0,
        overall_per_second: float = 30.0,
    ) -> None:
        self.token = token
        self.overall_per_second = overall_per_second
        self.username = username
        self.time_scale = time_scale
        self.chat_interval = chat_interval
        self.group_messages = group_messages
        self.group_window = group_window
        self.calls: list[ApiCall] = []
        self.rejections: list[Rejection] = []
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, FakeUser] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.file_paths: dict[str, str] = {}  # file_path (given by getFile) -> file id
        self.downloads: list[str] = []  # file ids downloaded from the file server
        self.menus: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[object, dict[str, Any]] = {}  # chat id (None: default) -> button
        self.answers: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.pushed_at: dict[int, float] = {}
        self.listeners: list[Callable[[ApiCall], None]] = []  # told of each request on arrival
        self.pushes: list[Callable[[dict[str, Any]], None]] = []  # told of each new update
        self._queue: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pending_queries: set[str] = set()
        self._last_accepted: dict[int, float] = {}
        self._group_accepted: dict[int, deque[float]] = {}
        self._all_accepted: deque[float] = deque()  # every paced request, for the overall rate
        self.accepted_sends = 0  # messages accepted (paced requests that succeeded)
        self.peak_per_second = 0  # most messages accepted within any one second, all callers
        self.over_overall = 0  # messages refused because the bot as a whole went too fast
        self.held = 0  # requests waiting at the hold (`hold_after`)
        self._hold_after: int | None = None
        self._released = asyncio.Event()
        self._throttle: list[int] = []
        self._drops = 0  # coming sends whose answer is lost (`drop_next`)
        self.dropped = 0  # connections closed without an answer (`drop_next`)
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._serve)
        app.router.add_get("/bot{token}/{method}", self._serve)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await self._site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def bot_json(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Mosaic", "username": self.username}

    # ------------------------------------------------------------ the world

    def user(
        self, user_id: int, first_name: str, username: str | None = None, language: str = "en"
    ) -> FakeUser:
        user = FakeUser(user_id, first_name, username, language)
        self.users[user_id] = user
        self.chats[user_id] = FakeChat(user_id, "private", user=user)
        return user

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        kind: str = "group",
    ) -> FakeChat:
        admin_ids = {a.id for a in admins}
        chat = FakeChat(
            chat_id,
            kind,
            title=title,
            members={m.id for m in members} | admin_ids,
            admins=admin_ids,
            creator=next(iter(sorted(admin_ids)), None),
        )
        self.chats[chat_id] = chat
        return chat

    def block_bot(self, user: FakeUser, *, notify: bool = False) -> int | None:
        self.chats[user.id].blocked = True
        return (
            self._member_update(self.chats[user.id], user, "member", "kicked") if notify else None
        )

    def unblock_bot(self, user: FakeUser) -> int:
        self.chats[user.id].blocked = False
        return self._member_update(self.chats[user.id], user, "kicked", "member")

    def migrate(self, chat: FakeChat, new_id: int, *, notify: bool = True) -> FakeChat:
        """The group becomes a supergroup with a new id (its old id answers 400 from now on)."""
        chat.migrated_to = new_id
        moved = FakeChat(
            new_id,
            "supergroup",
            title=chat.title,
            members=set(chat.members),
            admins=set(chat.admins),
            creator=chat.creator,
        )
        self.chats[new_id] = moved
        if notify and chat.creator is not None:
            message = self._store(
                chat,
                {"from": self.users[chat.creator].json(), "migrate_to_chat_id": new_id},
            )
            self.push({"message": message})
        return moved

    def hold_after(self, accepted: int) -> None:
        """Once `accepted` messages were accepted, hold every further message request
        unprocessed (as if in flight) until `drop_held()` (crash tests)."""
        self._hold_after = accepted
        self._released.clear()

    def drop_held(self) -> None:
        """Answer held requests with a 502 without processing them; stop holding."""
        self._hold_after = None
        self._released.set()

    def drop_next(self, count: int = 1) -> None:
        """The next `count` message sends are delivered, then their connection is cut
        before the answer: the bot cannot know whether the message arrived."""
        self._drops += count

    async def go_offline(self) -> None:
        """Stop listening: connections are refused until `come_back` (a network outage)."""
        assert self._site is not None and self._runner is not None
        await self._site.stop()
        self._site = None
        server = self._runner.server
        assert server is not None
        for transport in list(server._connections.values()):  # kept-alive ones too
            transport.abort()

    async def come_back(self) -> None:
        assert self._runner is not None and self._site is None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()

    def throttle_next(self, count: int, *, retry_after: int = 1) -> None:
        """The next `count` paced requests get 429 whatever the pace (a flood-wait storm)."""
        self._throttle = [retry_after] * count

    # ------------------------------------------------------------ updates

    def push(self, update: dict[str, Any]) -> int:
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._queue.append(update)
        self.pushed_at.setdefault(update["update_id"], time.monotonic())
        for told in self.pushes:
            told(update)
        self._notify_soon()
        return int(update["update_id"])

    def say(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> int:
        """`user` sends `text` (in their private chat, or in `chat`); returns the update id."""
        return self.push({"message": self.user_message(user, text, chat=chat, reply_to=reply_to)})

    def user_message(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        chat = chat or self.chats[user.id]
        body: dict[str, Any] = {"from": user.json(), "text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        if reply_to is not None:
            body["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        return self._store(chat, body)

    def send_photo(
        self,
        user: FakeUser,
        data: bytes,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> int:
        """`user` sends a photo (Telegram keeps it as JPEGs of several sizes)."""
        return self.push({"message": self.user_photo(user, data, caption=caption, chat=chat)})

    def user_photo(
        self,
        user: FakeUser,
        data: bytes,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> dict[str, Any]:
        assert len(data) <= PHOTO_BYTES, "Telegram's apps send a photo up to 10 MB (else a file)"
        body: dict[str, Any] = {"from": user.json(), "photo": self._photo_sizes(data)}
        return self._store(chat or self.chats[user.id], body | _user_caption(caption))

    def send_file(
        self,
        user: FakeUser,
        data: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: FakeChat | None = None,
        weighed: bool = True,
    ) -> int:
        """`user` sends a file (a document; an image sent "as a file" is not recompressed).
        `weighed=False`: the message leaves out `file_size` (which is optional)."""
        file_id = f"doc{next(self._file_ids)}"
        self.files[file_id] = data
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
        }
        if mime_type is not None:
            document["mime_type"] = mime_type
        if weighed:
            document["file_size"] = len(data)
        body = {"from": user.json(), "document": document} | _user_caption(caption)
        return self.push({"message": self._store(chat or self.chats[user.id], body)})

    def _photo_sizes(self, data: bytes) -> list[dict[str, Any]]:
        with Image.open(io.BytesIO(data)) as opened:
            picture = opened.convert("RGB")
        longest = max(picture.size)
        sides = [side for side in PHOTO_SIDES if side < longest] + [min(longest, PHOTO_SIDES[-1])]
        sizes = []
        for side in dict.fromkeys(sides):
            copy = picture.copy()
            copy.thumbnail((side, side))
            out = io.BytesIO()
            copy.save(out, format="JPEG", quality=87)
            file_id = f"photo{next(self._file_ids)}"
            self.files[file_id] = out.getvalue()
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "width": copy.width,
                    "height": copy.height,
                    "file_size": len(out.getvalue()),
                }
            )
        return sizes

    def edit(self, user: FakeUser, message: dict[str, Any], text: str) -> int:
        edited = dict(message, text=text, edit_date=int(time.time()))
        return self.push({"edited_message": edited})

    def press(self, user: FakeUser, message: dict[str, Any], label: str) -> int:
        """`user` presses the inline button labelled `label` under the bot's `message`."""
        return self.push(self.press_update(user, message, label))

    def press_update(self, user: FakeUser, message: dict[str, Any], label: str) -> dict[str, Any]:
        """The update of that press, not queued (webhook tests `post_to_webhook` it)."""
        data = None
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    data = button["callback_data"]
        if data is None:
            raise AssertionError(f"no button {label!r} in {message.get('reply_markup')}")
        return self._callback_query(user, message, data)

    def press_data(self, user: FakeUser, message: dict[str, Any], data: str) -> int:
        return self.push(self._callback_query(user, message, data))

    def _callback_query(self, user: FakeUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        query_id = str(next(self._query_ids))
        self._pending_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user.json(),
            "message": message,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
        }
        return {"callback_query": query}

    def _member_update(self, chat: FakeChat, user: FakeUser, old: str, new: str) -> int:
        change = {
            "chat": chat.json(),
            "from": user.json(),
            "date": int(time.time()),
            "old_chat_member": self._member(old),
            "new_chat_member": self._member(new),
        }
        return self.push({"my_chat_member": change})

    def _member(self, status: str) -> dict[str, Any]:
        banned = {"until_date": 0} if status == "kicked" else {}
        return {"user": self.bot_json, "status": status} | banned

    async def post_to_webhook(
        self, update: dict[str, Any], *, secret: str | None = None, url: str | None = None
    ) -> int:
        """Deliver like Telegram does in webhook mode; returns the HTTP status."""
        assert self.webhook is not None, "setWebhook was not called"
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        headers = {"Content-Type": "application/json"}
        token = self.webhook.get("secret_token") if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with (
            aiohttp.ClientSession() as session,
            session.post(url or self.webhook["url"], data=json.dumps(update), headers=headers) as r,
        ):
            return r.status

    # ------------------------------------------------------------ inspection

    def sent(self, chat: FakeChat | FakeUser | int | None = None, *methods: str) -> list[ApiCall]:
        """Accepted message sends (and edits, if asked for), in order."""
        wanted = set(methods) or SENDS
        chat_id = chat if isinstance(chat, int) or chat is None else chat.id
        return [
            c
            for c in self.calls
            if c.ok and c.method in wanted and (chat_id is None or c.chat_id == chat_id)
        ]

    def bot_messages(self, chat: FakeChat | FakeUser | int) -> list[dict[str, Any]]:
        chat_id = chat if isinstance(chat, int) else chat.id
        return [
            m
            for (cid, _), m in sorted(self.messages.items())
            if cid == chat_id and m.get("from", {}).get("id") == BOT_ID
        ]

    def last_bot_message(self, chat: FakeChat | FakeUser | int) -> dict[str, Any]:
        return self.bot_messages(chat)[-1]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    # ------------------------------------------------------------ HTTP

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await _read_params(request)
        if (
            method in PACED
            and self._hold_after is not None
            and self.accepted_sends >= self._hold_after
        ):
            self.held += 1
            await self._notify()
            await self._released.wait()
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        drop = method in SENDS and self._drops > 0
        self._drops -= drop
        call = ApiCall(method, params, files, at=time.monotonic())
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        handler = getattr(self, f"_api_{_snake(method)}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params, files)
        except ApiError as error:
            call.error = error
            self.rejections.append(Rejection(method, call.chat_id, error.code, error.description))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            await self._notify()
            return web.json_response(body, status=error.code)
        await self._notify()
        if drop:
            return await self._drop(request)
        return web.json_response({"ok": True, "result": call.result})

    async def _drop(self, request: web.Request) -> web.Response:
        """Close the connection without an answer (the client sees it disconnect)."""
        self.dropped += 1
        assert request.transport is not None
        request.transport.abort()
        await self._notify()
        raise web.HTTPException()  # nothing is written: the connection is gone

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _notify_soon(self) -> None:
        asyncio.get_running_loop().create_task(self._notify())

    # ------------------------------------------------------------ methods

    async def _api_get_me(self, params: dict, files: dict) -> Any:
        return self.bot_json | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_get_updates(self, params: dict, files: dict) -> Any:
        offset = params.get("offset")
        if offset is not None:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        allowed = params.get("allowed_updates") or None
        deadline = time.monotonic() + float(params.get("timeout") or 0)

        def ready() -> list[dict[str, Any]]:
            return [
                u
                for u in self._queue
                if (offset is None or u["update_id"] >= offset)
                and (allowed is None or any(kind in u for kind in allowed))
            ]

        async with self._changed:
            while not ready() and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
        return ready()[: int(params.get("limit") or 100)]

    async def _api_get_file(self, params: dict, files: dict) -> Any:
        file_id = str(params.get("file_id") or "")
        data = self.files.get(file_id)
        if data is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(data) > DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        folder, suffix = ("photos", ".jpg") if file_id.startswith("photo") else ("documents", "")
        path = f"{folder}/file_{file_id}{suffix}"
        self.file_paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        """The file server: a path getFile gave, with the bot's token."""
        file_id = self.file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or file_id is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self.downloads.append(file_id)
        return web.Response(body=self.files[file_id])

    async def _api_delete_webhook(self, params: dict, files: dict) -> Any:
        self.webhook = None
        return True

    async def _api_set_webhook(self, params: dict, files: dict) -> Any:
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": params["url"], "secret_token": secret}
        return True

    async def _api_set_chat_menu_button(self, params: dict, files: dict) -> Any:
        button = params.get("menu_button") or {"type": "default"}
        if button.get("type") == "web_app":
            if not 1 <= len(button.get("text", "")) <= 64:
                raise ApiError(400, "Bad Request: menu button text is invalid")
            _check_web_app(button.get("web_app"), "menu button")
        elif button.get("type") not in ("default", "commands"):
            raise ApiError(400, "Bad Request: unsupported menu button type")
        self.menu_buttons[params.get("chat_id")] = button
        return True

    async def _api_set_my_commands(self, params: dict, files: dict) -> Any:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not _COMMAND.match(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is too long or empty")
        scope = (params.get("scope") or {"type": "default"})["type"]
        self.menus[(scope, params.get("language_code") or "")] = commands
        return True

    async def _api_get_chat_member(self, params: dict, files: dict) -> Any:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        user = self.users[user_id].json() if user_id in self.users else {"id": user_id}
        if user_id == chat.creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            rights = dict.fromkeys(_ADMIN_RIGHTS, True)
            return {"status": "administrator", "user": user, "can_be_edited": False} | rights
        if user_id in chat.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    async def _api_answer_callback_query(self, params: dict, files: dict) -> Any:
        query_id = params["callback_query_id"]
        if query_id not in self._pending_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text") or ""
        if utf16_len(text) > ALERT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._pending_queries.discard(query_id)
        self.answers[query_id] = {"text": text, "show_alert": bool(params.get("show_alert"))}
        return True

    async def _api_send_message(self, params: dict, files: dict) -> Any:
        chat = self._writable(params["chat_id"])
        text, entities = self._parse(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        body = {"text": text} | ({"entities": entities} if entities else {})
        body |= self._markup(params.get("reply_markup"))
        self._paced(chat)
        return self._store(chat, body | self._quoted(chat, params), from_bot=True)

    async def _api_send_photo(self, params: dict, files: dict) -> Any:
        chat = self._writable(params["chat_id"])
        sizes = self._photo(files.get("photo"))
        body = {"photo": sizes} | self._caption(params) | self._markup(params.get("reply_markup"))
        self._paced(chat)
        return self._store(chat, body | self._quoted(chat, params), from_bot=True)

    async def _api_send_document(self, params: dict, files: dict) -> Any:
        chat = self._writable(params["chat_id"])
        document = self._document(files.get("document"), params)
        body = {"document": document} | self._caption(params)
        body |= self._markup(params.get("reply_markup"))
        self._paced(chat)
        return self._store(chat, body | self._quoted(chat, params), from_bot=True)

    async def _api_send_media_group(self, params: dict, files: dict) -> Any:
        chat = self._writable(params["chat_id"])
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media group must include 2-10 items")
        bodies = []
        for item in media:
            if item.get("type") != "photo":
                raise ApiError(400, "Bad Request: only photos are sent in albums here")
            body = {"photo": self._photo(_attached(item["media"], files))}
            bodies.append(body | self._caption(item))
        self._paced(chat)
        group_id = str(next(self._file_ids))
        first = self._quoted(chat, params)
        return [
            self._store(chat, body | {"media_group_id": group_id} | (first if i == 0 else {}), True)
            for i, body in enumerate(bodies)
        ]

    async def _api_edit_message_text(self, params: dict, files: dict) -> Any:
        chat, message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._parse(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        changes = {"text": text, "entities": entities} | self._markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, changes)

    async def _api_edit_message_caption(self, params: dict, files: dict) -> Any:
        chat, message = self._editable(params)
        if "photo" not in message and "document" not in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        changes = self._caption(params) | self._markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, changes)

    async def _api_edit_message_media(self, params: dict, files: dict) -> Any:
        chat, message = self._editable(params)
        item = params.get("media") or {}
        if "photo" not in message and "document" not in message:
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        if item.get("type") != "photo":
            raise ApiError(400, "Bad Request: only photos are edited here")
        changes = {"photo": self._photo(_attached(item["media"], files))} | self._caption(item)
        changes |= self._markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, changes)

    async def _api_delete_message(self, params: dict, files: dict) -> Any:
        chat = self._chat(params["chat_id"])
        if self.messages.pop((chat.id, int(params["message_id"])), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    # ------------------------------------------------------------ checks

    def _chat(self, chat_id: Any) -> FakeChat:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _writable(self, chat_id: Any) -> FakeChat:
        chat = self._chat(chat_id)
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _editable(self, params: dict) -> tuple[FakeChat, dict[str, Any]]:
        chat = self._writable(params["chat_id"])
        message = self.messages.get((chat.id, int(params["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, message

    def _apply_edit(
        self, chat: FakeChat, message: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        changes = {k: v for k, v in changes.items() if v not in (None, [])}
        unchanged = all(message.get(k) == v for k, v in changes.items())
        if unchanged and ("reply_markup" in changes) == ("reply_markup" in message):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        self._paced(chat)
        for key in ("entities", "caption_entities", "reply_markup", "caption"):
            message.pop(key, None)
        message.update(changes, edit_date=int(time.time()))
        return message

    def _parse(self, text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
        if parse_mode is None:
            return text, []
        if parse_mode != "HTML":
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r} in this fake")
        try:
            return parse_html(text, self._user_json)
        except EntityError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None

    def _user_json(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        return user.json() if user else {"id": user_id, "is_bot": False, "first_name": "?"}

    def _caption(self, params: dict) -> dict[str, Any]:
        if not params.get("caption"):
            return {}
        caption, entities = self._parse(params["caption"], params.get("parse_mode"))
        if utf16_len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": caption} | ({"caption_entities": entities} if entities else {})

    def _markup(self, markup: dict[str, Any] | None) -> dict[str, Any]:
        if not markup:
            return {}
        if "force_reply" in markup:
            if len(markup.get("input_field_placeholder", "")) > 64:
                raise ApiError(400, "Bad Request: input field placeholder is too long")
            return {}  # not part of the message Telegram returns
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: unsupported reply markup in this fake")
        if sum(len(r) for r in rows) > 100 or any(len(r) > 8 for r in rows):
            raise ApiError(400, "Bad Request: too many buttons")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                kinds = [k for k in ("callback_data", "url", "web_app") if k in button]
                if len(kinds) != 1:
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")
                if "url" in button:
                    if not str(button["url"]).startswith(("https://", "http://", "tg://")):
                        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                    continue
                if "web_app" in button:
                    _check_web_app(button["web_app"], "inline keyboard button")
                    continue
                data = button.get("callback_data")
                if data is None or not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return {"reply_markup": markup}

    def _photo(self, data: bytes | None) -> list[dict[str, Any]]:
        if data is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if len(data) > PHOTO_BYTES:
            raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID (photo over 10 MB)")
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        file_id = f"photo{next(self._file_ids)}"
        self.files[file_id] = data
        return [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": width,
                "height": height,
                "file_size": len(data),
            }
        ]

    def _document(self, data: bytes | None, params: dict) -> dict[str, Any]:
        if data is None:
            raise ApiError(400, "Bad Request: there is no document in the request")
        if len(data) > DOCUMENT_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        file_id = f"doc{next(self._file_ids)}"
        self.files[file_id] = data
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": params.get("filename") or params.get("_filename") or "file",
            "file_size": len(data),
        }

    def _quoted(self, chat: FakeChat, params: dict) -> dict[str, Any]:
        quoting = params.get("reply_parameters")
        if not quoting:
            return {}
        message = self.messages.get((chat.id, int(quoting["message_id"])))
        if message is None:
            if quoting.get("allow_sending_without_reply"):
                return {}
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {"reply_to_message": {k: v for k, v in message.items() if k != "reply_to_message"}}

    def _paced(self, chat: FakeChat) -> None:
        """Count one message to `chat`, or answer 429 if it comes too soon."""
        if self._throttle:
            retry_after = self._throttle.pop()
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        now = time.monotonic() / self.time_scale
        overall = self._all_accepted
        while overall and overall[0] <= now - 1.0:
            overall.popleft()
        if len(overall) >= self.overall_per_second:  # ~30 messages per second in all
            self.over_overall += 1
            self._too_many(overall[0] + 1.0 - now)
        since = now - self._last_accepted.get(chat.id, -math.inf)
        if since < self.chat_interval:
            self._too_many(self.chat_interval - since)
        if chat.is_group:
            recent = self._group_accepted.setdefault(chat.id, deque())
            while recent and recent[0] <= now - self.group_window:
                recent.popleft()
            if len(recent) >= self.group_messages:
                self._too_many(recent[0] + self.group_window - now)
            recent.append(now)
        self._last_accepted[chat.id] = now
        overall.append(now)
        self.peak_per_second = max(self.peak_per_second, len(overall))
        self.accepted_sends += 1

    @staticmethod
    def _too_many(seconds: float) -> None:
        retry_after = max(1, math.ceil(seconds))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    def _store(
        self, chat: FakeChat, body: dict[str, Any], from_bot: bool = False
    ) -> dict[str, Any]:
        ids = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = {"message_id": next(ids), "date": int(time.time()), "chat": chat.json()}
        if from_bot:
            message["from"] = self.bot_json
        message |= body
        self.messages[(chat.id, message["message_id"])] = message
        return message


_ADMIN_RIGHTS = (
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _user_caption(caption: str | None) -> dict[str, Any]:
    """A caption people type; one that starts with a command carries its entity."""
    if caption is None:
        return {}
    assert utf16_len(caption) <= CAPTION_LIMIT, "Telegram's apps cut a caption at 1024"
    body: dict[str, Any] = {"caption": caption}
    if caption.startswith("/"):
        command = caption.split(maxsplit=1)[0]
        body["caption_entities"] = [
            {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
        ]
    return body


def _snake(method: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


def _attached(reference: str, files: dict[str, bytes]) -> bytes | None:
    if not reference.startswith("attach://"):
        raise ApiError(400, "Bad Request: only uploads (attach://) are supported by this fake")
    return files.get(reference.removeprefix("attach://"))


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        raw = await request.json()
        return dict(raw), files
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            files[name] = value.file.read()
            if name == "document" and value.filename:
                params["_filename"] = value.filename
        elif name in _JSON_FIELDS:
            params[name] = json.loads(value)
        elif name in _INT_FIELDS:
            params[name] = int(value)
        elif name in _FLOAT_FIELDS:
            params[name] = float(value)
        elif value in _BOOL_VALUES and name not in ("text", "caption"):
            params[name] = _BOOL_VALUES[value]
        else:
            params[name] = value
    return params, files


def _check_web_app(web_app: Any, where: str) -> None:
    """Telegram accepts Mini Apps only over HTTPS."""
    url = web_app.get("url", "") if isinstance(web_app, dict) else ""
    if not url.startswith("https://"):
        problem = f"Web App URL {url!r} is invalid: Only HTTPS links are allowed"
        raise ApiError(400, f"Bad Request: {where} {problem}")
