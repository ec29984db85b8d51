"""Fakes of the image ports that record what they were asked."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from core.generation import ImageOptions, ModerationVerdict
from tests.support.images import png_bytes


def _color(*parts: object) -> tuple[int, int, int]:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return digest[0], digest[1], digest[2]


@dataclass
class FakeProvider:
    """Returns small distinct PNGs; `gate` holds every call until set; `error` is raised."""

    name: str = "fake"
    model: str = "fake-1"
    gate: asyncio.Event | None = None
    error: Exception | None = None
    calls: list[tuple[str, str, ImageOptions]] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    _called: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_calls(self, count: int) -> None:
        """Until the provider has been called `count` times."""
        while len(self.calls) < count:
            self._called.clear()
            await self._called.wait()

    async def _answer(self, kind: str, prompt: str, options: ImageOptions) -> list[bytes]:
        self.calls.append((kind, prompt, options))
        self.started.set()
        self._called.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return [png_bytes(_color(kind, prompt, options.seed, i)) for i in range(options.count)]

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]:
        return await self._answer("generate", prompt, options)

    async def edit(self, image: bytes, prompt: str, options: ImageOptions) -> list[bytes]:
        return await self._answer("edit", prompt, options)


@dataclass
class FakeModerator:
    flagged_words: frozenset[str] = frozenset({"forbidden"})
    calls: list[str] = field(default_factory=list)

    async def check_prompt(self, text: str) -> ModerationVerdict:
        self.calls.append(text)
        hits = tuple(w for w in self.flagged_words if w in text.lower())
        return ModerationVerdict(flagged=bool(hits), categories=("test",) if hits else ())
