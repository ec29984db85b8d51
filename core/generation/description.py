"""/describe: prompt ideas for an image, each one a prompt /imagine can take.

Three ways, best first:

- **With an OpenAI key** (`OpenAIDescriber`): the image goes through moderation first
  (`omni-moderation-latest`, which takes images); a flagged image is refused and goes no
  further. Then a vision-capable chat model (`OPENAI_VISION_MODEL`) is asked for
  `IDEAS` prompts, one per line. The image is sent only when its file is within the API's
  limit for one image input (`MAX_IMAGE_BYTES`); a larger one is described without the API.
  A refusal of the model (`message.refusal`) is refused to the user as well.
- **A Mosaic image** (it has the prompt it was made from): its subject (the prompt without
  its style words) in other styles, and in the style it had, somewhere else.
- **Any other image** (an upload): its colours and composition: the two main colours, how
  light it is, its shape, and where its detail is.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from core.errors import Forbidden, MosaicError
from core.generation.styles import STYLES
from core.generation.subjects import STYLE_WORDS
from core.i18n import translate
from core.persistence.models import GenerationJob, Post

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types import ModerationImageURLInputParam

log = logging.getLogger(__name__)

IDEAS = 4
# OpenAI's limit for one image input (PNG, JPEG, WEBP or GIF) of a chat request: 20 MB.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IDEA_MAX = 300  # characters of one idea (a prompt for /imagine; PROMPT_MAX is 1,000)
MODERATION_MODEL = "omni-moderation-latest"
SETTINGS = ("at night", "in winter", "under water", "in a tiny glass jar", "in the far future")
SETTINGS_DE = (
    "bei Nacht",
    "im Winter",
    "unter Wasser",
    "in einem kleinen Glas",
    "in ferner Zukunft",
)


@dataclass(frozen=True, slots=True)
class Description:
    ideas: tuple[str, ...]
    source: str  # "vision" (the model), "prompt" (a Mosaic image), "picture" (colours)


class VisionDescriber(Protocol):
    async def ideas(self, image: bytes, mime: str, language: str) -> tuple[str, ...]: ...


class Describer:
    """Prompt ideas for an image: by `vision` when there is one and the image may be sent,
    else from the prompt it was made from, else from its colours and composition."""

    def __init__(self, vision: VisionDescriber | None = None) -> None:
        self._vision = vision

    async def describe(
        self, image: bytes, *, language: str, prompt: str | None = None, style: str | None = None
    ) -> Description:
        mime = mime_of(image)
        if self._vision is not None and len(image) <= MAX_IMAGE_BYTES and mime is not None:
            ideas = await self._vision.ideas(image, mime, language)
            if ideas:
                return Description(ideas, "vision")
        if prompt:
            return Description(ideas_from_prompt(prompt, style, language), "prompt")
        from core.generation.picture_ideas import read_picture  # Pillow, numpy: on first use

        # decoding a large upload takes a while: off the event loop
        return Description(await asyncio.to_thread(read_picture, image, language), "picture")


def mime_of(image: bytes) -> str | None:
    """The type of an image the API takes (PNG, JPEG, WEBP, GIF), from its first bytes."""
    if image.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if image.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "image/webp"
    if image[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


# ---------------------------------------------------------------- from the prompt


def subject_of(prompt: str) -> str:
    """The prompt without its style words ("a fox, watercolor" → "a fox")."""
    words = [w for w in re.split(r"(\s+)", prompt) if w]
    kept = [w for w in words if w.strip(" ,.;:!?").lower() not in STYLE_WORDS]
    text = "".join(kept)
    return re.sub(r"\s*,(\s*,)+", ",", text).strip(" ,.;:") or prompt.strip()


def ideas_from_prompt(prompt: str, style: str | None, language: str) -> tuple[str, ...]:
    """The subject in `IDEAS − 1` other styles (chosen by the prompt, so the same image gets
    the same ideas), and in its own style somewhere else."""
    subject = subject_of(prompt)
    seed = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "little")
    others = [name for name in STYLES if name != style]
    start = seed % len(others)
    picked = [others[(start + 3 * i) % len(others)] for i in range(IDEAS - 1)]
    ideas = [f"{subject}, {STYLES[name].prompt_suffix}" for name in picked]
    settings = SETTINGS_DE if language == "de" else SETTINGS
    place = settings[seed % len(settings)]
    own = f", {STYLES[style].prompt_suffix}" if style in STYLES else ""
    ideas.append(f"{subject} {place}{own}")
    return tuple(idea[:IDEA_MAX] for idea in ideas)


async def style_of(post: Post) -> str | None:
    """The style the post's image was made in: its job's (the job that posted it)."""
    if not post.prompt:
        return None
    jobs = await GenerationJob.filter(requester_id=post.author_id, prompt=post.prompt).values_list(
        "options", "posted"
    )
    for options, posted in jobs:
        if post.id in (posted or {}).values():
            style = (options or {}).get("style")
            return style if style in STYLES else None
    return None


# ---------------------------------------------------------------- with OpenAI


class OpenAIDescriber:
    """`VisionDescriber` through OpenAI: moderation of the image first, then a chat model."""

    def __init__(self, client: AsyncOpenAI, model: str) -> None:
        self._client = client
        self._model = model

    def __repr__(self) -> str:
        return f"OpenAIDescriber(model={self._model!r})"

    async def ideas(self, image: bytes, mime: str, language: str) -> tuple[str, ...]:
        import openai

        url = f"data:{mime};base64,{base64.b64encode(image).decode()}"
        try:
            picture: ModerationImageURLInputParam = {"type": "image_url", "image_url": {"url": url}}
            checked = await self._client.moderations.create(model=MODERATION_MODEL, input=[picture])
        except openai.APIError as exc:  # fail closed: without a verdict nothing is sent
            log.warning("moderation unavailable for /describe: %s", type(exc).__name__)
            raise MosaicError("error.moderation_unavailable") from exc
        if any(result.flagged for result in checked.results):
            raise Forbidden("error.describe_refused")
        instruction = translate(language, "describe.instruction", count=IDEAS)
        try:
            answer = await self._client.chat.completions.create(
                model=self._model,
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": instruction},
                            {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                        ],
                    }
                ],
                max_completion_tokens=400,
            )
        except openai.BadRequestError as exc:
            log.warning("the vision model refused the image: %s", exc.code)
            raise Forbidden("error.describe_refused") from exc
        except openai.APIError as exc:
            log.warning("the vision model is unavailable: %s", type(exc).__name__)
            return ()  # described without the API
        message = answer.choices[0].message if answer.choices else None
        if message is None or message.refusal:
            raise Forbidden("error.describe_refused")
        lines = [_idea(line) for line in (message.content or "").splitlines()]
        return tuple(line for line in lines if line)[:IDEAS]


def _idea(line: str) -> str:
    """One line of the model's answer as a prompt: list marks and quotes stripped."""
    text = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip().strip('"“”„')
    return text[:IDEA_MAX]
