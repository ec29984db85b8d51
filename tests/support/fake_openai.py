"""A local stand-in for the OpenAI REST API (images, moderations, embeddings, chat completions
with image input), for the real
`openai` SDK to talk to.

The SDK sends over httpx2, which HTTP-mocking libraries do not intercept, so tests point a
real `AsyncOpenAI` at this server with `base_url`. It speaks the JSON of the real API
(`PLATFORM-FACTS.md`), validates requests the way the API does (answering 400 and recording
a violation), records every call, and plays a script of behaviours per route:

    async with FakeOpenAI() as fake:
        fake.script(GENERATIONS, rate_limited(), ok())
        client = fake.client(max_retries=1)
        ...
        assert len(fake.calls_to(GENERATIONS)) == 2
        assert fake.violations == []

When a route's script is empty it answers `ok()`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import io
import json
import math
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from openai import AsyncOpenAI
from PIL import Image

GENERATIONS = "/v1/images/generations"
EDITS = "/v1/images/edits"
MODERATIONS = "/v1/moderations"
EMBEDDINGS = "/v1/embeddings"
CHAT = "/v1/chat/completions"

IMAGE_MODELS = frozenset(
    {"gpt-image-2", "gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"}
)
RETIRED_IMAGE_MODELS = frozenset({"dall-e-2", "dall-e-3", "gpt-image-1"})
EMBEDDING_MODELS = {  # model → its native number of dimensions
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
EMBEDDING_INPUTS_MAX = 2048
# Chat models that take image input (a text-only model refuses an image part).
VISION_MODELS = frozenset(
    {"gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-5-mini"}
)
TEXT_ONLY_MODELS = frozenset({"gpt-3.5-turbo"})
IMAGE_INPUT_MAX = 20 * 1024 * 1024  # one image input, decoded
IMAGE_INPUT_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
FIXED_SIZES = frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"})
OUTPUT_FORMATS = frozenset({"png", "webp", "jpeg"})
MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
_TEXT_AND_IMAGE = {"sexual", "violence", "violence/graphic", "self-harm"}


# ---------------------------------------------------------------- behaviours


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the fake answers one call."""

    status: int = 200
    error_type: str = ""
    code: str | None = None
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (for client timeouts)
    flagged: tuple[str, ...] = ()  # moderation categories to flag
    stage: str | None = None  # moderation_blocked: "input" or "output"
    refusal: str | None = None  # a chat model's refusal (`message.refusal`)


def ok() -> Behaviour:
    return Behaviour()


def delayed(seconds: float) -> Behaviour:
    """Answer successfully, but only after `seconds` (or when the server closes)."""
    return Behaviour(delay=seconds)


def rate_limited(retry_after: float = 0.01) -> Behaviour:
    """429 with `retry-after` (and OpenAI's `retry-after-ms`, which the SDK prefers)."""
    return Behaviour(
        status=429,
        error_type="requests",
        code="rate_limit_exceeded",
        message="Rate limit reached for images per min. Please try again shortly.",
        headers={
            "retry-after": str(max(1, math.ceil(retry_after))),
            "retry-after-ms": str(round(retry_after * 1000)),
        },
    )


def server_error(status: int = 500, retry_after: float | None = None) -> Behaviour:
    """A 5xx. Real ones carry no `retry-after`; pass one to keep the SDK's backoff short."""
    headers = {"retry-after-ms": str(round(retry_after * 1000))} if retry_after else {}
    return Behaviour(
        status=status,
        error_type="server_error",
        message="The server had an error while processing your request. Sorry about that!",
        headers=headers,
    )


def moderation_blocked(stage: str = "input") -> Behaviour:
    return Behaviour(
        status=400,
        error_type="image_generation_user_error",
        code="moderation_blocked",
        message="Your request was rejected by the safety system. If you believe this is an "
        "error, contact us at help.openai.com and include the request ID.",
        stage=stage,
    )


def refused(text: str = "I'm sorry, I can't help with that.") -> Behaviour:
    """A chat answer whose message is a refusal (200, `content` null, `refusal` set)."""
    return Behaviour(refusal=text)


def api_error(status: int, code: str | None, message: str) -> Behaviour:
    return Behaviour(status=status, error_type="invalid_request_error", code=code, message=message)


def flagged(*categories: str) -> Behaviour:
    """A moderation answer flagging `categories`."""
    unknown = set(categories) - set(MODERATION_CATEGORIES)
    if unknown:
        raise ValueError(f"not moderation categories: {sorted(unknown)}")
    return Behaviour(flagged=categories)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Call:
    route: str
    body: dict[str, Any]  # JSON body, or multipart fields (files as bytes)
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Violation:
    route: str
    problem: str


class _Invalid(Exception):
    def __init__(self, problem: str, param: str | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.param = param


# ---------------------------------------------------------------- the server


class FakeOpenAI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        self._scripts: dict[str, deque[Behaviour]] = {}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = asyncio.Event()
        self._clients: list[AsyncOpenAI] = []

    # -- lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post(GENERATIONS, self._generations)
        app.router.add_post(EDITS, self._edits)
        app.router.add_post(MODERATIONS, self._moderations)
        app.router.add_post(EMBEDDINGS, self._embeddings)
        app.router.add_post(CHAT, self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        self._closing.set()  # releases delayed answers at once
        for client in self._clients:
            await client.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- for tests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    def client(self, *, max_retries: int = 0, timeout: float = 5.0) -> AsyncOpenAI:
        """A real SDK client aimed at this server, built as the product builds its own
        (`build_openai_client`: the same transport); closed with the server."""
        from core.generation.openai_images import build_openai_client
        from core.settings import Settings

        settings = Settings(
            OPENAI_API_KEY="test",
            OPENAI_BASE_URL=self.base_url,
            OPENAI_MAX_RETRIES=max_retries,
            OPENAI_TIMEOUT_SECONDS=timeout,
            _env_file=None,
        )
        client = build_openai_client(settings)
        self._clients.append(client)
        return client

    def script(self, route: str, *behaviours: Behaviour) -> None:
        """Queue how the next calls to `route` are answered."""
        self._scripts.setdefault(route, deque()).extend(behaviours)

    def calls_to(self, route: str) -> list[Call]:
        return [call for call in self.calls if call.route == route]

    # -- routes

    async def _generations(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._read_json, _check_image_request, _image_answer)

    async def _edits(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._read_multipart, _check_edit_request, _image_answer)

    async def _moderations(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(
            request, self._read_json, _check_moderation_request, _moderation_answer
        )

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(
            request, self._read_json, _check_embedding_request, _embedding_answer
        )

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._read_json, _check_chat_request, _chat_answer)

    async def _serve(
        self,
        request: web.Request,
        read: Callable[[web.Request], Awaitable[dict[str, Any]]],
        check: Callable[[dict[str, Any]], None],
        answer: Callable[[dict[str, Any], Behaviour], dict[str, Any]],
    ) -> web.StreamResponse:
        """Record the call, validate it like the API, then play the route's next behaviour."""
        route = request.path
        try:
            body = await read(request)
        except _Invalid as invalid:
            self.calls.append(Call(route, {}, dict(request.headers)))
            return self._reject(route, invalid, status=400)
        self.calls.append(Call(route, body, dict(request.headers)))
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _error(401, "invalid_request_error", "invalid_api_key", "No API key.", None)
        try:
            check(body)
        except _Invalid as invalid:
            return self._reject(route, invalid, status=400)
        script = self._scripts.get(route)
        behaviour = script.popleft() if script else ok()
        if behaviour.delay:
            with contextlib.suppress(TimeoutError):  # woken early when the server closes
                await asyncio.wait_for(self._closing.wait(), behaviour.delay)
        if behaviour.status >= 400:
            return _error(
                behaviour.status,
                behaviour.error_type,
                behaviour.code,
                behaviour.message,
                None,
                headers=behaviour.headers,
                stage=behaviour.stage,
            )
        return web.json_response(answer(body, behaviour), headers=behaviour.headers)

    def _reject(self, route: str, invalid: _Invalid, *, status: int) -> web.Response:
        self.violations.append(Violation(route, invalid.problem))
        return _error(
            status, "invalid_request_error", "invalid_value", invalid.problem, invalid.param
        )

    @staticmethod
    async def _read_json(request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise _Invalid(f"expected application/json, got {request.content_type}", None)
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise _Invalid(f"body is not JSON: {exc}", None) from None
        if not isinstance(body, dict):
            raise _Invalid("body must be a JSON object", None)
        return body

    @staticmethod
    async def _read_multipart(request: web.Request) -> dict[str, Any]:
        if request.content_type != "multipart/form-data":
            raise _Invalid(f"expected multipart/form-data, got {request.content_type}", None)
        body: dict[str, Any] = {}
        reader = await request.multipart()
        async for part in reader:
            name = part.name or ""
            if part.filename is not None:
                body.setdefault("files", []).append(
                    {
                        "field": name,
                        "filename": part.filename,
                        "content_type": part.headers.get("Content-Type", ""),
                        "data": await part.read(),
                    }
                )
            else:
                body[name] = await part.text()
        return body


# ---------------------------------------------------------------- validation (like the API)


def _check_image_request(body: dict[str, Any]) -> None:
    _check_model(body.get("model"))
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _Invalid("'prompt' is required", "prompt")
    if len(prompt) > 32_000:
        raise _Invalid("'prompt' is longer than 32000 characters", "prompt")
    n = body.get("n", 1)
    if isinstance(n, str) and n.isdigit():
        n = int(n)  # multipart sends every field as text
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10:
        raise _Invalid(f"'n' must be an integer from 1 to 10, got {n!r}", "n")
    _check_size(body.get("size", "auto"))
    output_format = body.get("output_format", "png")
    if output_format not in OUTPUT_FORMATS:
        raise _Invalid(f"'output_format' must be png, webp or jpeg, got {output_format!r}", None)
    if "response_format" in body:
        raise _Invalid("'response_format' is not supported for GPT image models", None)
    safety = body.get("safety_identifier")
    if safety is not None and (not isinstance(safety, str) or not 1 <= len(safety) <= 64):
        raise _Invalid("'safety_identifier' must be a string of 1 to 64 characters", None)


def _check_edit_request(body: dict[str, Any]) -> None:
    _check_image_request(body)
    images = [f for f in body.get("files", []) if f["field"] in ("image", "image[]")]
    if not images:
        raise _Invalid("'image' is required", "image")
    for upload in images:
        if upload["content_type"] not in ("image/png", "image/jpeg", "image/webp"):
            raise _Invalid(f"unsupported image type {upload['content_type']!r}", "image")
        try:
            Image.open(io.BytesIO(upload["data"])).verify()
        except Exception:
            raise _Invalid("'image' is not a readable image", "image") from None


def _check_model(model: object) -> None:
    if model in RETIRED_IMAGE_MODELS:
        raise _Invalid(
            f"The model '{model}' has been deprecated and is no longer available", "model"
        )
    if model is not None and model not in IMAGE_MODELS:
        raise _Invalid(f"Invalid value for 'model': {model!r}", "model")


def _check_size(size: object) -> None:
    if size in FIXED_SIZES:
        return
    width, height = _dimensions(size)
    if width % 16 or height % 16:
        raise _Invalid(f"'size' sides must be multiples of 16, got {size!r}", "size")
    if max(width, height) > 3 * min(width, height):
        raise _Invalid(f"'size' aspect ratio must be between 1:3 and 3:1, got {size!r}", "size")
    if max(width, height) > 3840 or width * height > 3840 * 2160:
        raise _Invalid(f"'size' may be at most 3840x2160, got {size!r}", "size")


def _dimensions(size: object) -> tuple[int, int]:
    parts = size.split("x") if isinstance(size, str) else []
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise _Invalid(f"Invalid value for 'size': {size!r}", "size")
    return int(parts[0]), int(parts[1])


def _check_moderation_request(body: dict[str, Any]) -> None:
    model = body.get("model", "omni-moderation-latest")
    if not isinstance(model, str) or not model.startswith(("omni-moderation", "text-moderation")):
        raise _Invalid(f"Invalid value for 'model': {model!r}", "model")
    text = body.get("input")
    if not (isinstance(text, str) or (isinstance(text, list) and text)):
        raise _Invalid("'input' is required", "input")
    if isinstance(text, list):  # strings, or text and image_url objects (at most one image)
        images = 0
        for item in text:
            if isinstance(item, str):
                continue
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "text" and isinstance(item.get("text"), str):
                continue
            if kind != "image_url" or not model.startswith("omni-moderation"):
                raise _Invalid("'input' items must be strings, text or image_url objects", "input")
            _check_image_url(item.get("image_url"))
            images += 1
        if images > 1:
            raise _Invalid("'input' may hold at most one image", "input")


def _check_image_url(part: object) -> bytes:
    """An `image_url` object: a data URL of a supported image within `IMAGE_INPUT_MAX`."""
    url = part.get("url") if isinstance(part, dict) else None
    if not isinstance(url, str):
        raise _Invalid("'image_url.url' is required", "image_url")
    if isinstance(part, dict) and part.get("detail", "auto") not in ("auto", "low", "high"):
        raise _Invalid("'image_url.detail' must be auto, low or high", "image_url")
    header, _, data = url.partition(",")
    mime = header.removeprefix("data:").removesuffix(";base64")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise _Invalid("this fake takes images as base64 data URLs only", "image_url")
    if mime not in IMAGE_INPUT_TYPES:
        raise _Invalid(f"Invalid image type {mime!r}: use png, jpeg, webp or gif", "image_url")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise _Invalid("the image data URL is not valid base64", "image_url") from None
    if len(raw) > IMAGE_INPUT_MAX:
        raise _Invalid("Image size exceeds the limit of 20 MB per image", "image_url")
    try:
        Image.open(io.BytesIO(raw)).verify()
    except Exception:
        raise _Invalid(
            "You uploaded an unsupported image. Please make sure it is valid.", None
        ) from None
    return raw


def _check_chat_request(body: dict[str, Any]) -> None:
    model = body.get("model")
    if model not in VISION_MODELS | TEXT_ONLY_MODELS:
        raise _Invalid(
            f"The model '{model}' does not exist or you do not have access to it.", "model"
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _Invalid("'messages' must be a non-empty array", "messages")
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
        ):
            raise _Invalid(
                "each message needs a role: system, developer, user or assistant", "messages"
            )
        content = message.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not content:
            raise _Invalid("'content' must be a string or a non-empty array of parts", "messages")
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                continue
            if kind != "image_url" or message["role"] != "user":
                raise _Invalid(
                    "content parts must be text, or image_url in a user message", "messages"
                )
            if model not in VISION_MODELS:
                raise _Invalid(
                    "Invalid content type. image_url is only supported by certain models.",
                    "messages",
                )
            _check_image_url(part.get("image_url"))
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise _Invalid("use max_completion_tokens or max_tokens, not both", None)
    limit = body.get("max_completion_tokens", body.get("max_tokens", 1))
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise _Invalid("'max_completion_tokens' must be a positive integer", None)


def _check_embedding_request(body: dict[str, Any]) -> None:
    model = body.get("model")
    if model not in EMBEDDING_MODELS:
        raise _Invalid(f"Invalid value for 'model': {model!r}", "model")
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts:
        raise _Invalid("'input' must be a string or a non-empty array of strings", "input")
    if len(texts) > EMBEDDING_INPUTS_MAX:
        raise _Invalid(f"'input' may hold at most {EMBEDDING_INPUTS_MAX} items", "input")
    for text in texts:
        if not isinstance(text, str) or not text:
            raise _Invalid("'input' cannot contain an empty string", "input")
    dimensions = body.get("dimensions")
    if dimensions is not None:
        if not model.startswith("text-embedding-3-"):
            raise _Invalid("This model does not support specifying dimensions.", "dimensions")
        native = EMBEDDING_MODELS[model]
        if not isinstance(dimensions, int) or isinstance(dimensions, bool):
            raise _Invalid("'dimensions' must be an integer", "dimensions")
        if not 1 <= dimensions <= native:
            raise _Invalid(f"'dimensions' must be from 1 to {native}", "dimensions")
    if body.get("encoding_format", "float") not in ("float", "base64"):
        raise _Invalid("'encoding_format' must be float or base64", "encoding_format")


# ---------------------------------------------------------------- answers


def fake_embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector: a hashed bag of the text's lowercase words, so texts that
    share words are similar (enough to test ranking through the real SDK)."""
    vector = [0.0] * dimensions
    for word in text.lower().split():
        digest = hashlib.sha256(word.strip(".,!?#").encode()).digest()
        slot = int.from_bytes(digest[:4], "little") % dimensions
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _embedding_answer(body: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    model = body["model"]
    dimensions = body.get("dimensions") or EMBEDDING_MODELS[model]
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = fake_embedding(text, dimensions)
        encoded: Any = (
            base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            if as_base64
            else vector
        )
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(text.split()) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _image_answer(body: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    size = body.get("size", "auto")
    width, height = (1024, 1024) if size == "auto" else _dimensions(size)
    count = int(body.get("n", 1))
    colour = hashlib.sha256(body["prompt"].encode()).digest()[:3]
    picture = base64.b64encode(_png(width, height, tuple(colour))).decode()
    return {
        "created": int(time.time()),
        "background": "opaque",
        "output_format": body.get("output_format", "png"),
        "quality": "medium",
        "size": f"{width}x{height}",
        "data": [{"b64_json": picture} for _ in range(count)],
        "usage": {
            "input_tokens": 50,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
            "output_tokens": 1056 * count,
            "total_tokens": 50 + 1056 * count,
        },
    }


@functools.lru_cache(maxsize=32)
def _png(width: int, height: int, colour: tuple[int, ...]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _chat_answer(body: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    """Prompt ideas, one per line, that name the first image's mean colour (so a test can
    tell the model saw it), or the behaviour's refusal."""
    colour = "no image"
    for message in body["messages"]:
        parts = message["content"] if isinstance(message["content"], list) else []
        for part in parts:
            if part.get("type") == "image_url":
                raw = _check_image_url(part["image_url"])
                with Image.open(io.BytesIO(raw)) as picture:
                    r, g, b = picture.convert("RGB").resize((1, 1)).getpixel((0, 0))
                colour = f"#{r:02x}{g:02x}{b:02x}"
    content = (
        None
        if behaviour.refusal
        else "\n".join(f"{n}. a dreamlike scene in {colour}, idea {n}" for n in range(1, 5))
    )
    return {
        "id": f"chatcmpl-{hashlib.sha256(repr(body).encode()).hexdigest()[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": behaviour.refusal,
                    "annotations": [],
                },
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
    }


def _moderation_answer(body: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    result = {
        "flagged": bool(behaviour.flagged),
        "categories": {name: name in behaviour.flagged for name in MODERATION_CATEGORIES},
        "category_scores": {
            name: 0.93 if name in behaviour.flagged else 0.0001 for name in MODERATION_CATEGORIES
        },
        "category_applied_input_types": {
            name: ["text", "image"] if name in _TEXT_AND_IMAGE else ["text"]
            for name in MODERATION_CATEGORIES
        },
    }
    return {
        "id": f"modr-{hashlib.sha256(repr(inputs).encode()).hexdigest()[:12]}",
        "model": body.get("model", "omni-moderation-latest"),
        "results": [result for _ in inputs],
    }


def _error(
    status: int,
    error_type: str,
    code: str | None,
    message: str,
    param: str | None,
    *,
    headers: dict[str, str] | None = None,
    stage: str | None = None,
) -> web.Response:
    error: dict[str, Any] = {"message": message, "type": error_type, "param": param, "code": code}
    if stage:
        error["moderation_details"] = {"categories": ["sexual"], "moderation_stage": stage}
    return web.json_response({"error": error}, status=status, headers=headers)
