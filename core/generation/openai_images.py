"""OpenAI image models through the official SDK (`AsyncOpenAI`).

The SDK already retries 408, 409, 429, 5xx and connection errors (`max_retries`, with
backoff, honouring `retry-after`), so this module makes one call and translates what is left:

| what happened                               | raised                                    |
|---------------------------------------------|-------------------------------------------|
| the model refused (`moderation_blocked`)    | `GenerationRefused`, never retried        |
| 429, 5xx, timeouts, connection errors       | `GenerationFailed` "error.generation_failed"   |
| any other 4xx (bad key, bad request, …)     | `GenerationFailed` "error.generation_rejected" |

GPT image models always answer in base64 (`data[i].b64_json`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from core.errors import ConfigurationError, InvalidInput
from core.generation.provider import GenerationFailed, GenerationRefused, ImageOptions
from core.generation.styles import prompt_with_style
from core.settings import Settings

# the SDK is imported where it is used: it costs ~0.5 s CPU at every start-up, and a
# process without OPENAI_API_KEY never needs it
if TYPE_CHECKING:
    import openai
    from openai import AsyncOpenAI
    from openai.types import ImagesResponse

log = logging.getLogger(__name__)

RECOMMENDED_MODEL = "gpt-image-2"
# Retired by OpenAI: requests fail, so refuse them at start-up (PLATFORM-FACTS.md).
RETIRED_MODELS: dict[str, str] = {
    "dall-e-2": "May 2026",
    "dall-e-3": "May 2026",
    "gpt-image-1": "October 2026",
}
# Announced for shutdown: they still work, so only warn.
SHUTDOWN_DATE = "2026-12-01"
SHUTTING_DOWN_MODELS = frozenset({"gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"})
_SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # gpt-image-1-2025-04-23 is gpt-image-1

# HTTP statuses that mean "try again later" rather than "this request is wrong".
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


def check_image_model(model: str) -> None:
    """Refuse a retired model id with a message the operator can act on; warn about one
    that is announced for shutdown. Call at start-up (the provider also calls it)."""
    name = _SNAPSHOT_SUFFIX.sub("", model.strip().lower())
    if not name:
        raise ConfigurationError(
            f"OPENAI_IMAGE_MODEL is empty. Set it to an image model such as {RECOMMENDED_MODEL}."
        )
    if name in RETIRED_MODELS:
        raise ConfigurationError(
            f"OPENAI_IMAGE_MODEL={model!r} was retired by OpenAI in {RETIRED_MODELS[name]} and "
            f"no longer answers. Set OPENAI_IMAGE_MODEL={RECOMMENDED_MODEL} (or a newer "
            "gpt-image-2.x model), or unset OPENAI_API_KEY to use the built-in local generator."
        )
    if name in SHUTTING_DOWN_MODELS:
        log.warning(
            "OPENAI_IMAGE_MODEL=%r is announced for shutdown on %s; switch to %s before then.",
            model,
            SHUTDOWN_DATE,
            RECOMMENDED_MODEL,
        )


def build_openai_client(settings: Settings) -> AsyncOpenAI:
    """The one OpenAI client of the process, configured entirely from settings.

    It sends through aiohttp (the SDK's `DefaultAioHttpClient`, its own transport for
    aiohttp, with the SDK's timeouts, retries and errors): a workers process with 25 image
    calls in flight spent about 5.3 ms of CPU a call over the default httpx2 transport and
    2.6–3.4 ms over aiohttp (docs/benchmarks.md, "pipeline, stop 24")."""
    if settings.openai_api_key is None:
        raise ConfigurationError("OPENAI_API_KEY is not set; there is no OpenAI client to build.")
    from openai import AsyncOpenAI, DefaultAioHttpClient

    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
        http_client=DefaultAioHttpClient(),
    )


class OpenAIImageProvider:
    """`ImageProvider` for OpenAI's GPT image models."""

    name = "openai"

    def __init__(self, client: AsyncOpenAI, model: str) -> None:
        check_image_model(model)
        self._client = client
        self.model = model

    def __repr__(self) -> str:  # never the client: it holds the key
        return f"OpenAIImageProvider(model={self.model!r})"

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]:
        # The SDK's own POST (its retries, errors and headers) with our request as the JSON
        # it already is, read back as plain JSON: `images.generate` first walked the request
        # through its type annotations and built a model object of the answer, a quarter of
        # the call's CPU in a workers process (2.6 → 2.0 ms a call against the fake server).
        with _translated_errors("generate"):
            answer = await self._client.post(
                "/images/generations", body=self._request(prompt, options), cast_to=object
            )
        data = answer.get("data") if isinstance(answer, dict) else None
        items = data if isinstance(data, list) else []
        return _decoded(
            [item.get("b64_json") if isinstance(item, dict) else None for item in items]
        )

    async def edit(self, image: bytes, prompt: str, options: ImageOptions) -> list[bytes]:
        upload = _upload(image)
        with _translated_errors("edit"):
            response = await self._client.images.edit(
                image=upload, **self._request(prompt, options)
            )
        return _images(response)

    def _request(self, prompt: str, options: ImageOptions) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "prompt": prompt_with_style(prompt, options.style),
            "n": options.count,
            "size": options.size,
            "output_format": "png",
        }
        if options.user_ref:
            request["safety_identifier"] = options.user_ref
        return request


@contextlib.contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    """Turn what the SDK raises (after its own retries) into Mosaic's errors."""
    import openai

    try:
        yield
    except openai.APIStatusError as exc:
        details = (exc.status_code, exc.code, exc.type, exc.request_id)
        if exc.code == "moderation_blocked":
            stage = _moderation_stage(exc)
            log.info("image %s refused by the model (stage %s): %s", action, stage, details)
            key = "error.generation_refused_output" if stage == "output" else None
            raise GenerationRefused(key, stage=stage) from exc
        if exc.status_code in _TRANSIENT_STATUSES or exc.status_code >= 500:
            log.warning("image %s failed after retries: %s", action, details)
            raise GenerationFailed("error.generation_failed") from exc
        log.error("image %s rejected by OpenAI (check the configuration): %s", action, details)
        raise GenerationFailed("error.generation_rejected") from exc
    except openai.APIConnectionError as exc:  # APITimeoutError is one
        log.warning("image %s failed after retries: %s", action, type(exc).__name__)
        raise GenerationFailed("error.generation_failed") from exc
    except openai.APIError as exc:  # e.g. an answer that is not what the API promises
        log.warning("image %s failed: %s", action, type(exc).__name__)
        raise GenerationFailed("error.generation_failed") from exc


def _moderation_stage(exc: openai.APIStatusError) -> str:
    """ "input" (the prompt or image sent), "output" (the picture made), or "unknown"."""
    body = exc.body if isinstance(exc.body, dict) else {}
    details = body.get("moderation_details")
    stage = details.get("moderation_stage") if isinstance(details, dict) else None
    return stage if stage in ("input", "output") else "unknown"


def _images(response: ImagesResponse) -> list[bytes]:
    return _decoded([item.b64_json for item in response.data or []])


def _decoded(encoded: list[Any]) -> list[bytes]:
    """The images of an answer's `data[i].b64_json` (GenerationFailed unless all are there)."""
    if not encoded or not all(isinstance(item, str) and item for item in encoded):
        log.warning("OpenAI answered without base64 images (%d items)", len(encoded))
        raise GenerationFailed("error.generation_failed")
    try:
        return [base64.b64decode(item or "", validate=True) for item in encoded]
    except (binascii.Error, ValueError) as exc:
        raise GenerationFailed("error.generation_failed") from exc


_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image.png", "image/png"),
    (b"\xff\xd8\xff", 0, "image.jpg", "image/jpeg"),
    (b"WEBP", 8, "image.webp", "image/webp"),
)


def _upload(image: bytes) -> tuple[str, bytes, str]:
    """The parent image as a (file name, bytes, MIME type) upload; OpenAI takes PNG, JPEG
    and WebP, which is everything the image store keeps."""
    for magic, offset, filename, mime in _MAGIC:
        if image[offset : offset + len(magic)] == magic:
            return filename, image, mime
    raise InvalidInput("error.bad_image")
