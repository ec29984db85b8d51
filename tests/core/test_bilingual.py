"""German meets English with no API key: the hand-written pairs of
tests/data/bilingual_prompts.tsv (written for this test, not taken from any glossary or model
the code uses) land next to each other in the local embedder's space."""

from __future__ import annotations

import asyncio
from collections import Counter

import numpy as np
import pytest

from bench.bilingual import read_pairs, retrieval
from bot.bootstrap import App
from core.feed import HashedNgramEmbedder, MultilingualSentenceEmbedder, local_text_embedder
from core.feed import multilingual_embeddings as multilingual
from core.feed.steering import as_written, parse_steering
from core.feed.terms import language_of, normalize, words
from tests.core.test_feed import people, post

PAIRS = read_pairs()


@pytest.fixture(scope="module")
def embedded() -> tuple[np.ndarray, np.ndarray]:
    vectors = MultilingualSentenceEmbedder().embed_now(
        [p.german for p in PAIRS] + [p.english for p in PAIRS]
    )
    return vectors[: len(PAIRS)], vectors[len(PAIRS) :]


def test_the_set_is_300_distinct_pairs_over_subjects_styles_media_moods_and_light() -> None:
    assert len(PAIRS) >= 300
    assert len({p.german for p in PAIRS}) == len({p.english for p in PAIRS}) == len(PAIRS)
    focus = Counter(p.focus for p in PAIRS)
    assert set(focus) == {"subject", "style", "medium", "mood", "lighting"}
    assert min(focus.values()) >= 25
    assert all(p.german.strip() and p.english.strip() for p in PAIRS)
    german = sum(language_of(normalize(p.german).split()) == "de" for p in PAIRS)
    english = sum(language_of(normalize(p.english).split()) == "en" for p in PAIRS)
    assert german > 0.9 * len(PAIRS) and english == len(PAIRS)


def test_a_german_prompt_finds_its_own_translation_among_all_english_ones(
    embedded: tuple[np.ndarray, np.ndarray],
) -> None:
    found = retrieval(*embedded, PAIRS)
    assert found.german_to_english >= 0.90, found.misses
    assert found.english_to_german >= 0.90


def test_translations_score_well_above_unrelated_pairs(
    embedded: tuple[np.ndarray, np.ndarray],
) -> None:
    german, english = embedded
    found = retrieval(german, english, PAIRS)
    assert found.pair_cosine > found.unrelated_cosine + 0.4
    # and pair by pair: nine in ten translations beat the pair's closest unrelated prompt
    cosines = german @ english.T
    own = np.diag(cosines).copy()
    np.fill_diagonal(cosines, -1.0)
    assert np.mean(own > cosines.max(axis=1)) >= 0.9


def test_the_words_people_write_in_german_meet_their_english() -> None:
    embedder = MultilingualSentenceEmbedder()
    german = ["Meereswellen", "Blumengarten", "Dampflok", "fotorealistisch", "Morgengrauen"]
    english = ["ocean waves", "flower garden", "steam locomotive", "photorealistic", "dawn"]
    cosines = embedder.embed_now(german) @ embedder.embed_now(english).T
    assert list(cosines.argmax(axis=1)) == list(range(len(german)))


def test_a_steering_term_matches_a_post_within_the_embedders_match_range() -> None:
    embedder = MultilingualSentenceEmbedder()
    low, high = embedder.match_range
    terms = embedder.embed_now(["watercolor", "cats", "Aquarell", "Katzen"])
    posts = embedder.embed_now(
        ["misty lake at dawn, watercolor", "a cat sleeping on a pile of books"]
    )
    cosines = terms @ posts.T
    shows = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=bool)
    assert cosines[shows].min() > low and cosines[~shows].max() < high
    assert np.median(cosines[shows]) > high - 0.05


def test_empty_texts_get_zero_vectors_and_the_rest_unit_ones() -> None:
    vectors = asyncio.run(MultilingualSentenceEmbedder().embed(["", "  ", "#cat_portrait"]))
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), [0.0, 0.0, 1.0], atol=1e-5)


def test_without_the_package_the_hashed_floor_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(local_text_embedder(), MultilingualSentenceEmbedder)
    monkeypatch.setattr(multilingual, "multilingual_available", lambda: False)
    floor = local_text_embedder()
    assert isinstance(floor, HashedNgramEmbedder)
    assert floor.model_id != MultilingualSentenceEmbedder().model_id  # never compared
    german, english = floor.embed_now(["Aquarell-Landschaften", "watercolor landscape"])
    assert german @ english > 0.9


def test_stop_words_are_those_of_the_prompts_language() -> None:
    assert words("Nebel im All") == ["fog", "space"]
    assert words("all the fog") == ["fog"]
    assert words("war machines at sea") == ["war", "machine", "sea"]
    assert words("eine Katze mit Hut") == ["cat", "hut"]
    assert words("a cat with a hat") == ["cat", "hat"]
    assert words("Haus am See") == ["house", "lake"] and words("I see a lake") == ["see", "lake"]


async def test_a_taste_formed_in_german_ranks_english_posts_of_the_same_kind(app: App) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    liked = await post(app, alice, "Aquarell einer nebligen Berglandschaft im Morgengrauen")
    match = await post(app, bob, "watercolor painting of misty mountains at dawn")
    other = await post(app, bob, "cyberpunk street at night with neon lights")
    await app.services.engagement.like(viewer, liked.id)
    ranked = {item.post_id: item for item in await app.services.feed.rank(viewer)}
    similarity = {p.id: ranked[p.id].breakdown.values["similarity"] for p in (match, other)}
    assert similarity[match.id] > similarity[other.id] + 0.2, similarity


async def test_tuning_in_german_steers_english_posts(app: App) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    cat = await post(app, alice, "a cat sleeping on a pile of books")
    train = await post(app, alice, "a steam locomotive crossing a bridge in the snow")
    await app.services.feed.tune(viewer, "mehr Katzen, keine Dampfloks")
    ranked = {item.post_id: item for item in await app.services.feed.rank(viewer)}
    assert ranked[cat.id].breakdown.values["steering"] > 0
    assert train.id not in ranked or ranked[train.id].breakdown.values["steering"] < 0


def test_a_steering_term_is_embedded_as_the_viewer_wrote_it() -> None:
    text = "Mehr Berge, keine Dampfloks und viel weniger NEON"
    terms = parse_steering(text)
    assert [t.text for t in terms] == ["berge", "dampfloks", "neon"]
    assert [as_written(t, text) for t in terms] == ["Berge", "Dampfloks", "NEON"]
    embedder = MultilingualSentenceEmbedder()
    written, lowered, english = embedder.embed_now(["Berge", "berge", "mountains"])
    assert written @ english > lowered @ english  # why: German nouns are capitalized
