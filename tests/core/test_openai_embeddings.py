"""OpenAI embeddings through the real SDK against the fake server, and the feed using them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import openai
import pytest

from bot.bootstrap import build, text_embedder
from core.clock import FakeClock
from core.errors import InvalidInput
from core.feed import EmbeddingUnavailable, HashedNgramEmbedder, MultilingualSentenceEmbedder
from core.feed.openai_embeddings import OpenAIEmbedder
from core.settings import Settings
from tests.support.fake_openai import EMBEDDINGS, FakeOpenAI, api_error, server_error
from tests.support.fakes import FakeModerator, FakeProvider


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


async def test_vectors_come_back_in_order_shortened_and_unit_length(fake: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(fake.client(), "text-embedding-3-small", 256)
    vectors = await embedder.embed(["a misty lake", "", "a misty lake at dawn", "neon city"])
    assert vectors.shape == (4, 256)
    assert np.allclose(np.linalg.norm(vectors[[0, 2, 3]], axis=1), 1.0, atol=1e-5)
    assert not vectors[1].any(), "an empty text is not sent and gets a zero vector"
    assert vectors[0] @ vectors[2] > 0.5 > vectors[0] @ vectors[3]
    [call] = fake.calls_to(EMBEDDINGS)
    assert call.body["input"] == ["a misty lake", "a misty lake at dawn", "neon city"]
    assert call.body["dimensions"] == 256
    assert call.body["encoding_format"] == "base64"  # the SDK's default; it decodes it
    assert embedder.model_id == "openai:text-embedding-3-small:256"
    assert fake.violations == []


async def test_models_without_dimensions_are_not_sent_any(fake: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(fake.client(), "text-embedding-ada-002", 1536)
    vectors = await embedder.embed(["a cat"])
    assert vectors.shape == (1, 1536)
    assert "dimensions" not in fake.calls_to(EMBEDDINGS)[0].body
    assert fake.violations == []


async def test_the_fake_refuses_what_the_api_refuses(fake: FakeOpenAI) -> None:
    client = fake.client()
    for bad in (
        {"model": "text-embedding-3-small", "input": ""},
        {"model": "text-embedding-3-small", "input": []},
        {"model": "text-embedding-3-small", "input": "x", "dimensions": 4000},
        {"model": "text-embedding-ada-002", "input": "x", "dimensions": 64},
        {"model": "gpt-image-2", "input": "x"},
    ):
        with pytest.raises(openai.BadRequestError):
            await client.embeddings.create(**bad)
    assert len(fake.violations) == 5


async def test_failures_become_embedding_unavailable(fake: FakeOpenAI) -> None:
    embedder = OpenAIEmbedder(fake.client(max_retries=0), "text-embedding-3-small", 64)
    fake.script(EMBEDDINGS, server_error(503), api_error(401, "invalid_api_key", "bad key"))
    for _ in range(2):
        with pytest.raises(EmbeddingUnavailable):
            await embedder.embed(["a cat"])
    assert (await embedder.embed(["a cat"])).shape == (1, 64)


def test_the_embedder_is_chosen_from_the_settings(tmp_path: Path) -> None:
    def settings(**env: str) -> Settings:
        return Settings(MOSAIC_DATA_DIR=tmp_path, _env_file=None, **env)

    assert isinstance(text_embedder(settings()), MultilingualSentenceEmbedder)
    assert isinstance(text_embedder(settings(OPENAI_API_KEY="k")), OpenAIEmbedder)
    local = text_embedder(settings(OPENAI_API_KEY="k", MOSAIC_EMBEDDINGS="local"))
    assert isinstance(local, MultilingualSentenceEmbedder)
    floor = text_embedder(settings(OPENAI_API_KEY="k", MOSAIC_EMBEDDINGS="ngram"))
    assert isinstance(floor, HashedNgramEmbedder)
    chosen = text_embedder(
        settings(
            OPENAI_API_KEY="k",
            OPENAI_EMBEDDING_MODEL="text-embedding-3-large",
            MOSAIC_EMBEDDING_DIMENSIONS="512",
        )
    )
    assert chosen.model_id == "openai:text-embedding-3-large:512"
    assert "k" not in repr(chosen)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_feed_ranks_and_tunes_with_openai_embeddings(
    fake: FakeOpenAI, settings: Settings, clock: FakeClock
) -> None:
    from tests.core.test_feed import people, post

    embedder = OpenAIEmbedder(fake.client(), "text-embedding-3-small", 128)
    app = build(
        settings, clock=clock, provider=FakeProvider(), moderator=FakeModerator(), embedder=embedder
    )
    await app.start(migrate=False)
    try:
        alice, bob, viewer = await people(app, "alice", "bob", "viewer")
        lake = await post(app, alice, "misty lake at dawn")
        neon = await post(app, bob, "neon city at night")
        assert [p.id for p in (await app.services.feed.page(viewer)).posts] == [neon.id, lake.id]
        await app.services.feed.tune(viewer, "more misty lake")
        assert [p.id for p in (await app.services.feed.page(viewer)).posts] == [lake.id, neon.id]
        fake.script(EMBEDDINGS, server_error(500))
        with pytest.raises(InvalidInput) as refused:
            await app.services.feed.tune(viewer, "more neon")
        assert refused.value.key == "error.tune_unavailable"
        assert (await app.services.feed.tuning(viewer)).text == "more misty lake", "kept"
        fake.script(EMBEDDINGS, server_error(500))
        kept = await post(app, alice, "posted while the API is down")
        assert kept.embedding is None, "the post is kept, ranked without a vector"
        assert fake.violations == []
    finally:
        await app.stop()
