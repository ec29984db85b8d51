"""After a change of embedder, posts whose stored vector another model made are ranked
without it (never compared across models) and re-embedded, newest first, a few per
scheduler tick, until none is left."""

from __future__ import annotations

import numpy as np

from bot.bootstrap import App
from core.feed import HashedNgramEmbedder, PostIndexer, VectorRefresh
from core.feed.embeddings import pack, unpack
from core.persistence.models import Post
from tests.core.test_feed import people, post

PROMPTS = [
    "Meereswellen bei Sonnenuntergang",
    "a flower garden at dawn",
    "Dampflok im Schnee",
    "fog in space",
    "eine Katze auf einem Bücherstapel",
]


async def made_by_the_old_embedder(app: App) -> list[Post]:
    (alice,) = await people(app, "alice")
    posts = [await post(app, alice, prompt) for prompt in PROMPTS]
    old = HashedNgramEmbedder()
    for made, vector in zip(posts, old.embed_now(PROMPTS), strict=True):
        await Post.filter(id=made.id).update(embedding=pack(vector), embedding_model=old.model_id)
    return posts


async def test_the_scheduler_re_embeds_an_earlier_embedders_vectors(app: App) -> None:
    posts = await made_by_the_old_embedder(app)
    embedder = app.services.feed.embedder
    assert embedder.model_id != HashedNgramEmbedder().model_id
    await Post.filter(id=posts[2].id).update(embedding=None, embedding_model=None)  # none made

    await app.scheduler.tick()

    rows = {row.id: row for row in await Post.filter(id__in=[p.id for p in posts])}
    fresh = embedder.embed_now(PROMPTS)
    for index, made in enumerate(posts):
        row = rows[made.id]
        if index == 2:
            assert row.embedding is None and row.embedding_model is None
            continue
        assert row.embedding_model == embedder.model_id and row.taste_bucket is not None
        assert float(unpack(row.embedding) @ fresh[index]) > 0.99


async def test_the_walk_goes_newest_first_in_small_batches_and_then_rests(app: App) -> None:
    posts = await made_by_the_old_embedder(app)
    refresh = VectorRefresh(PostIndexer(app.services.feed.embedder), window=3, batch=2)
    current = app.services.feed.embedder.model_id

    async def redone() -> list[int]:
        return sorted(
            await Post.filter(embedding_model=current).values_list("id", flat=True), reverse=True
        )

    newest_first = [p.id for p in reversed(posts)]
    assert await refresh.step() == 2
    assert await redone() == newest_first[:2]
    assert await refresh.step() == 2  # on from the last one re-embedded
    assert await redone() == newest_first[:4]
    assert await refresh.step() == 1
    assert await redone() == newest_first
    assert await refresh.step() == 0 and refresh.done
    assert await refresh.step() == 0
    vectors = [unpack(b) for b in await Post.filter().values_list("embedding", flat=True)]
    assert all(v is not None and np.isclose(np.linalg.norm(v), 1.0, atol=1e-2) for v in vectors)
