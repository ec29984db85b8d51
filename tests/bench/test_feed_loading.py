"""The benchmark loader fills the feed's columns and tastes as production would have."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from tortoise import connections

from bench.loading import load, stamp
from bench.workload import generate
from core.feed.embeddings import unpack
from core.feed.hot import hot_score
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.taste import (
    FOLLOW_SAMPLE,
    FOLLOW_WEIGHT,
    OWN_POST_WEIGHT,
    Engagement,
    TasteState,
    signal_from,
)
from core.persistence.database import Database, is_postgres
from core.persistence.models import Post, PostTerm, Reaction, TasteProfile


async def test_loaded_tastes_equal_replaying_every_event(database_url: str) -> None:
    made = generate(12, 60, 150, seed=4, weeks=1, follows_per_user=3)
    likes = made.likes[:120]
    now = float(made.likes[:, 2].max()) + 60
    embedder = HashedNgramEmbedder()
    database = Database(database_url)
    await database.open(migrate_first=False)
    try:
        schema_before = await _indexes_and_constraints(database_url)
        loaded = await load(
            made, likes, embedder, now=now, postgres=is_postgres(database_url), terms=True
        )
        # On PostgreSQL the loader drops the secondary indexes and builds them again at the end.
        assert await _indexes_and_constraints(database_url) == schema_before
        assert loaded.rows["likes"] == 120 == await Reaction.all().count()
        assert await PostTerm.all().count() == loaded.rows["post terms"] > 0
        posts = {p.id: p for p in await Post.all()}
        counts = np.bincount(likes[:, 1], minlength=len(posts) + 1)
        for post in posts.values():
            assert post.like_count == counts[post.id]
            assert post.hot == pytest.approx(hot_score(post.like_count, 0, 0, post.created_at))
            earlier = sorted(p.id for p in posts.values() if p.author_id == post.author_id)
            assert post.newcomer == (post.id in earlier[:3])

        # Replay every event, in time order, through the incremental TasteState.
        events = []
        for user, post_id, at in likes.tolist():
            events.append((at, user, "like", post_id))
        for post in posts.values():
            events.append((post.created_at.timestamp(), post.author_id, "own", post.id))
        for follower, followee, at in made.follows.tolist():
            events.append((at, follower, "follow", followee))
        states: dict[int, TasteState] = {}
        for at, user, kind, ref in sorted(events):
            state = states.setdefault(user, TasteState())
            state.decay_to(stamp(at))
            if kind == "follow":
                latest = sorted(
                    (p for p in posts.values() if p.author_id == ref),
                    key=lambda p: p.created_at,
                    reverse=True,
                )[:FOLLOW_SAMPLE]
                vectors = [unpack(p.embedding) for p in latest]
                mean = np.mean(vectors, axis=0) if vectors else None
                state.add(Engagement(FOLLOW_WEIGHT, mean), embedder.model_id)
                continue
            post = posts[ref]
            weight = 1.0 if kind == "like" else OWN_POST_WEIGHT
            signal = signal_from(post, weight, model=embedder.model_id)
            if kind == "own":  # as TasteKeeper.post_created: not engaged, not a favourite
                signal.post_id = signal.author_id = None
            state.add(signal, embedder.model_id)
        profiles = {p.account_id: p for p in await TasteProfile.all()}
        assert set(profiles) == set(states)
        for user, state in states.items():
            state.decay_to(stamp(now))
            loaded_state = TasteState.of(profiles[user])
            assert loaded_state.updated_at - stamp(now) < timedelta(seconds=1)
            assert np.allclose(loaded_state.mean, state.mean, atol=2e-3)
            assert loaded_state.weight == pytest.approx(state.weight, rel=1e-5)
            expected = TasteProfile()
            state.write(expected)
            assert loaded_state.engaged == expected.engaged
            assert loaded_state.authors == pytest.approx(expected.authors, abs=2e-4)
            assert loaded_state.buckets == pytest.approx(expected.buckets, abs=2e-4)
            assert loaded_state.tags == pytest.approx(expected.tags, abs=2e-4)
    finally:
        await database.close()


async def _indexes_and_constraints(database_url: str) -> list[tuple[str, ...]]:
    if not is_postgres(database_url):
        return []
    rows = await connections.get("postgres").execute_query_dict(
        "SELECT tablename AS owner, indexdef AS definition FROM pg_indexes "
        "WHERE schemaname = current_schema() UNION ALL "
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
    )
    assert rows, "the migrated schema has indexes"
    return [(row["owner"], row["definition"]) for row in rows]
