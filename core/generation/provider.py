"""The ports every image model and moderation backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.errors import LimitExceeded, MosaicError

SIZES: dict[str, str] = {
    "square": "1024x1024",
    "landscape": "1536x1024",
    "portrait": "1024x1536",
}
MAX_IMAGES_PER_JOB = 4


@dataclass(frozen=True, slots=True)
class ImageOptions:
    size: str = SIZES["square"]  # "WxH"
    count: int = 1  # 1..MAX_IMAGES_PER_JOB
    style: str | None = None  # a key of core.generation.styles.STYLES
    seed: int = 0  # the local generator is deterministic in (prompt, style, size, seed)
    user_ref: str = ""  # a hashed account id (OpenAI `safety_identifier`)

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


class ImageProvider(Protocol):
    """Makes images. Returns encoded image bytes (PNG/WebP/JPEG), one per requested image."""

    name: str  # "openai", "local", …: recorded as the post's provenance
    model: str

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]: ...

    async def edit(self, image: bytes, prompt: str, options: ImageOptions) -> list[bytes]: ...


@dataclass(frozen=True, slots=True)
class ModerationVerdict:
    flagged: bool
    categories: tuple[str, ...] = ()


class Moderator(Protocol):
    async def check_prompt(self, text: str) -> ModerationVerdict: ...


class PromptFlagged(MosaicError):
    """Our moderation refused the prompt before any image call."""

    default_key = "error.prompt_flagged"


class GenerationRefused(MosaicError):
    """The model refused (OpenAI `moderation_blocked`): never retried."""

    default_key = "error.generation_refused"


class GenerationFailed(MosaicError):
    """The model could not be reached or failed after the configured retries."""

    default_key = "error.generation_failed"


class QuotaExceeded(LimitExceeded):
    default_key = "error.quota_exceeded"
