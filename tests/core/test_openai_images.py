"""The OpenAI image provider: the real `openai` SDK against a local fake of the API."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from core.errors import ConfigurationError, InvalidInput
from core.generation import (
    GenerationFailed,
    GenerationRefused,
    ImageOptions,
    OpenAIImageProvider,
    build_openai_client,
    check_image_model,
)
from core.settings import Settings
from tests.support.fake_openai import (
    EDITS,
    GENERATIONS,
    Behaviour,
    FakeOpenAI,
    api_error,
    delayed,
    moderation_blocked,
    rate_limited,
    server_error,
)
from tests.support.images import png_bytes

MODEL = "gpt-image-2"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server
        # Every request the SDK sent was one the real API would accept.
        assert server.violations == []


def provider(
    fake: FakeOpenAI, *, max_retries: int = 0, timeout: float = 5.0
) -> OpenAIImageProvider:
    return OpenAIImageProvider(fake.client(max_retries=max_retries, timeout=timeout), MODEL)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# ---------------------------------------------------------------- success


async def test_generate_returns_pngs_of_the_asked_size(fake: FakeOpenAI) -> None:
    options = ImageOptions(size="1536x1024", count=2, user_ref="u-5f2c")
    images = await provider(fake).generate("a lighthouse at dusk", options)

    assert len(images) == 2
    for data in images:
        image = decoded(data)
        assert (image.format, image.size) == ("PNG", (1536, 1024))
    [call] = fake.calls_to(GENERATIONS)
    assert call.body["model"] == MODEL
    assert call.body["n"] == 2
    assert call.body["size"] == "1536x1024"
    assert call.body["output_format"] == "png"
    assert call.body["safety_identifier"] == "u-5f2c"
    assert call.headers["Authorization"] == "Bearer test"


async def test_the_style_is_appended_to_the_prompt(fake: FakeOpenAI) -> None:
    await provider(fake).generate("a fox", ImageOptions(style="ukiyo-e"))
    [call] = fake.calls_to(GENERATIONS)
    assert call.body["prompt"].startswith("a fox\nStyle: ukiyo-e woodblock print")


async def test_no_style_and_no_user_ref_send_the_prompt_alone(fake: FakeOpenAI) -> None:
    await provider(fake).generate("a fox", ImageOptions())
    [call] = fake.calls_to(GENERATIONS)
    assert call.body["prompt"] == "a fox"
    assert "safety_identifier" not in call.body


async def test_edit_uploads_the_parent_as_multipart(fake: FakeOpenAI) -> None:
    parent = png_bytes((10, 200, 90), size=(64, 64))
    [image] = await provider(fake).edit(parent, "make it night", ImageOptions(user_ref="u-1"))

    assert decoded(image).size == (1024, 1024)
    [call] = fake.calls_to(EDITS)
    [upload] = call.body["files"]
    assert upload["data"] == parent
    assert upload["content_type"] == "image/png"
    assert (call.body["prompt"], call.body["model"], call.body["n"]) == (
        "make it night",
        MODEL,
        "1",
    )
    assert call.body["safety_identifier"] == "u-1"


async def test_an_edit_of_a_non_image_never_reaches_the_api(fake: FakeOpenAI) -> None:
    with pytest.raises(InvalidInput):
        await provider(fake).edit(b"GIF89a...", "x", ImageOptions())
    assert fake.calls == []


# ---------------------------------------------------------------- failures


async def test_429_then_success_is_two_calls(fake: FakeOpenAI) -> None:
    fake.script(GENERATIONS, rate_limited(retry_after=0.01))
    [image] = await provider(fake, max_retries=2).generate("a fox", ImageOptions())
    assert decoded(image).format == "PNG"
    assert len(fake.calls_to(GENERATIONS)) == 2


async def test_429_after_the_retries_fails(fake: FakeOpenAI) -> None:
    fake.script(GENERATIONS, rate_limited(0.01), rate_limited(0.01))
    with pytest.raises(GenerationFailed) as caught:
        await provider(fake, max_retries=1).generate("a fox", ImageOptions())
    assert caught.value.key == "error.generation_failed"
    assert len(fake.calls_to(GENERATIONS)) == 2


async def test_500_is_retried_then_fails(fake: FakeOpenAI) -> None:
    fake.script(GENERATIONS, server_error(500, retry_after=0.01), server_error(500, 0.01))
    with pytest.raises(GenerationFailed) as caught:
        await provider(fake, max_retries=1).generate("a fox", ImageOptions())
    assert caught.value.key == "error.generation_failed"
    assert len(fake.calls_to(GENERATIONS)) == 2


async def test_a_timeout_fails(fake: FakeOpenAI) -> None:
    fake.script(GENERATIONS, delayed(5.0))
    with pytest.raises(GenerationFailed) as caught:
        await provider(fake, timeout=0.2).generate("a fox", ImageOptions())
    assert caught.value.key == "error.generation_failed"
    assert len(fake.calls_to(GENERATIONS)) == 1


async def test_a_closed_port_fails(fake: FakeOpenAI) -> None:
    await fake.close()
    with pytest.raises(GenerationFailed) as caught:
        await provider(fake).generate("a fox", ImageOptions())
    assert caught.value.key == "error.generation_failed"


@pytest.mark.parametrize(("stage", "key"), [
    ("input", "error.generation_refused"),
    ("output", "error.generation_refused_output"),
])  # fmt: skip
async def test_moderation_blocked_is_refused_without_a_retry(
    fake: FakeOpenAI, stage: str, key: str
) -> None:
    fake.script(GENERATIONS, moderation_blocked(stage))
    with pytest.raises(GenerationRefused) as caught:
        await provider(fake, max_retries=3).generate("a fox", ImageOptions())
    assert (caught.value.key, caught.value.params) == (key, {"stage": stage})
    assert len(fake.calls_to(GENERATIONS)) == 1


async def test_an_edit_can_be_refused_too(fake: FakeOpenAI) -> None:
    fake.script(EDITS, moderation_blocked("input"))
    with pytest.raises(GenerationRefused):
        await provider(fake, max_retries=2).edit(png_bytes(), "x", ImageOptions())
    assert len(fake.calls_to(EDITS)) == 1


@pytest.mark.parametrize(
    "behaviour",
    [
        api_error(401, "invalid_api_key", "Incorrect API key provided: sk-te****."),
        api_error(403, None, "Your organization must be verified to use this model."),
        api_error(400, "billing_hard_limit_reached", "Billing hard limit has been reached."),
    ],
)
async def test_other_client_errors_are_rejected_without_a_retry(
    fake: FakeOpenAI, behaviour: Behaviour
) -> None:
    fake.script(GENERATIONS, behaviour)
    with pytest.raises(GenerationFailed) as caught:
        await provider(fake, max_retries=2).generate("a fox", ImageOptions())
    assert caught.value.key == "error.generation_rejected"
    assert len(fake.calls_to(GENERATIONS)) == 1


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "model", ["dall-e-2", "dall-e-3", "gpt-image-1", " GPT-Image-1 ", "gpt-image-1-2025-04-23"]
)
def test_retired_models_are_refused_with_a_clear_message(model: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_image_model(model)
    message = str(caught.value)
    assert "OPENAI_IMAGE_MODEL" in message and "retired" in message and "gpt-image-2" in message


def test_the_provider_refuses_a_retired_model_before_any_call() -> None:
    with pytest.raises(ConfigurationError):
        OpenAIImageProvider(client=None, model="dall-e-3")  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"])
def test_models_shutting_down_are_accepted_with_a_warning(
    model: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="core.generation.openai_images"):
        check_image_model(model)
    assert "2026-12-01" in caplog.text


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-2.5-preview", "gpt-image-2.6-pro"])
def test_current_models_pass_quietly(model: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="core.generation.openai_images"):
        check_image_model(model)
    assert caplog.records == []


def test_an_empty_model_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        check_image_model("  ")


async def test_the_client_is_built_from_settings(fake: FakeOpenAI) -> None:
    settings = Settings(
        OPENAI_API_KEY="sk-secret-123",
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_TIMEOUT_SECONDS=12.5,
        OPENAI_MAX_RETRIES=4,
        _env_file=None,
    )
    client = build_openai_client(settings)
    try:
        assert (client.api_key, client.max_retries, client.timeout) == ("sk-secret-123", 4, 12.5)
        # Through aiohttp, not the default httpx2 transport: about half the CPU a call with
        # many calls in flight (docs/benchmarks.md, "pipeline, stop 24").
        from openai._vendor.httpx_aiohttp import Httpx2AiohttpClient

        assert isinstance(client._client, Httpx2AiohttpClient)
        image_provider = OpenAIImageProvider(client, MODEL)
        await image_provider.generate("a fox", ImageOptions())
        assert fake.calls[0].headers["Authorization"] == "Bearer sk-secret-123"
        assert "sk-secret" not in repr(image_provider)
    finally:
        await client.close()


def test_no_key_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        build_openai_client(Settings(_env_file=None))


@pytest.mark.parametrize(
    "answer",
    [
        {"data": []},
        {"data": [{"url": "https://example.com/a.png"}]},  # not what GPT image models send
        {"data": [{"b64_json": "bm90IGJhc2U2NA=="}, {"b64_json": None}]},
        {"data": [{"b64_json": "!!! not base64"}]},
        {"data": "no list"},
        {"created": 1},
        ["a list"],
    ],
)
async def test_an_answer_without_base64_images_fails(answer: object) -> None:
    """The answer is read as plain JSON (the SDK's `post`, no model object): whatever is
    not a list of base64 images in `data` is a failed generation, never a crash."""
    import httpx2
    from openai import AsyncOpenAI

    def reply(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path.endswith("/images/generations")
        return httpx2.Response(200, json=answer)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(reply))
    client = AsyncOpenAI(api_key="k", base_url="http://model.test/v1", http_client=http)
    with pytest.raises(GenerationFailed) as failed:
        await OpenAIImageProvider(client, MODEL).generate("a cat", ImageOptions())
    assert failed.value.key == "error.generation_failed"
    await http.aclose()
