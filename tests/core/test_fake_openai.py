"""The fake OpenAI server itself: it refuses what the real API refuses, so the provider tests'
"no violations" checks mean something."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from tests.support.fake_openai import EDITS, GENERATIONS, MODERATIONS, FakeOpenAI, flagged
from tests.support.images import png_bytes


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.mark.parametrize(
    ("request_args", "problem"),
    [
        ({"model": "gpt-image-2", "prompt": "x", "n": 11}, "'n'"),
        ({"model": "gpt-image-2", "prompt": "x", "n": 0}, "'n'"),
        ({"model": "gpt-image-2", "prompt": "x", "size": "1000x1000"}, "multiples of 16"),
        ({"model": "gpt-image-2", "prompt": "x", "size": "4096x1024"}, "aspect ratio"),
        ({"model": "gpt-image-2", "prompt": "x", "size": "huge"}, "'size'"),
        ({"model": "gpt-image-2", "prompt": "   "}, "'prompt'"),
        ({"model": "dall-e-3", "prompt": "x"}, "deprecated"),
        ({"model": "gpt-image-1", "prompt": "x"}, "deprecated"),
        ({"model": "gpt-image-2", "prompt": "x", "response_format": "url"}, "response_format"),
        ({"model": "gpt-image-2", "prompt": "x", "safety_identifier": "u" * 65}, "safety"),
    ],
)
async def test_invalid_generation_requests_are_refused_and_recorded(
    fake: FakeOpenAI, request_args: dict[str, Any], problem: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await fake.client().images.generate(**request_args)
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    [violation] = fake.violations
    assert violation.route == GENERATIONS
    assert problem in violation.problem


async def test_valid_sizes_pass(fake: FakeOpenAI) -> None:
    client = fake.client()
    for size in ("1024x1024", "1536x1024", "1024x1536", "auto", "2048x1152", "3840x2160"):
        response = await client.images.generate(model="gpt-image-2", prompt="x", size=size)
        assert response.data and response.data[0].b64_json
    assert fake.violations == []


async def test_an_edit_needs_a_readable_image(fake: FakeOpenAI) -> None:
    client = fake.client()
    with pytest.raises(openai.BadRequestError):
        await client.images.edit(
            model="gpt-image-2", prompt="x", image=("a.png", b"not a png", "image/png")
        )
    await client.images.edit(
        model="gpt-image-2", prompt="x", image=("a.png", png_bytes(), "image/png")
    )
    assert [v.route for v in fake.violations] == [EDITS]
    assert len(fake.calls_to(EDITS)) == 2


async def test_moderation_answers_in_the_sdks_shape(fake: FakeOpenAI) -> None:
    fake.script(MODERATIONS, flagged("violence", "self-harm/intent"))
    client = fake.client()
    first = await client.moderations.create(model="omni-moderation-latest", input="a")
    second = await client.moderations.create(model="omni-moderation-latest", input="b")

    [result] = first.results
    assert result.flagged
    assert result.categories.violence and result.categories.self_harm_intent
    assert not result.categories.sexual
    assert result.category_scores.violence > 0.5
    assert not second.results[0].flagged
    assert fake.violations == []


async def test_a_request_without_a_key_is_unauthorised(fake: FakeOpenAI) -> None:
    client = fake.client()
    with pytest.raises(openai.AuthenticationError):
        await client.images.generate(
            model="gpt-image-2", prompt="x", extra_headers={"Authorization": ""}
        )
