"""The feed's pure parts: words and tags, steering, the local embedder, buckets, taste maths,
scoring and diversity (no database)."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.feed.crowding import decayed
from core.feed.diversity import author_cap, paginate
from core.feed.embeddings import buckets_of, nearest_buckets, pack, unpack, unpack_matrix
from core.feed.features import PostFeatures, TagMembership
from core.feed.hot import HOT_TIMESCALE, engagement, hot_score
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.scoring import Scorer, SteeringVector, ViewerTaste, Weights, rank
from core.feed.steering import MAX_TERMS, TERM_LENGTH, Direction, parse_steering
from core.feed.taste import Engagement, TasteState, bulk_tastes
from core.feed.terms import HASH_SIGNS, normalize, post_terms, tags, words

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def embed(*texts: str) -> np.ndarray:
    return HashedNgramEmbedder().embed_now(list(texts))


# ---------------------------------------------------------------- words and tags


def test_words_fold_case_plurals_stop_words_and_german_art_words() -> None:
    assert words("More Watercolor Landscapes of the lake") == ["watercolor", "landscape", "lake"]
    assert words("Mehr Aquarell-Landschaften im Nebel") == ["watercolor", "landscape", "fog"]


def test_tags_are_found_once_lowercase_and_not_inside_words() -> None:
    assert tags("#Misty lake #misty a#b &#39; #pixel-art #_x") == ["misty", "pixel-art"]
    terms = post_terms("a lighthouse #Watercolor", "at dawn #misty-lake")
    assert terms["watercolor"] is True and terms["misty-lake"] is True
    assert terms["lighthouse"] is False and terms["lake"] is False  # words of a tag count too


def test_a_text_without_a_sign_of_a_hash_has_no_tags() -> None:
    # `tags` skips texts without one of `HASH_SIGNS`: they must be every character whose
    # normalized form holds a "#" (then no text without them can have a tag)
    hashes = {chr(c) for c in range(0x110000) if "#" in normalize(chr(c))}
    assert hashes == set(HASH_SIGNS)
    assert tags("a ＃Fox and a ﹟Cat, no #") == ["fox", "cat"]
    assert tags("Nebel im All, fotorealistisch") == []


# ---------------------------------------------------------------- steering


MORE, LESS, NO, ONLY = Direction.MORE, Direction.LESS, Direction.NO, Direction.ONLY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "more watercolor landscapes, less anime",
            [("watercolor landscapes", MORE, 1.0), ("anime", LESS, -1.0)],
        ),
        (
            "mehr Aquarell-Landschaften, weniger Anime",
            [("aquarell-landschaften", MORE, 1.0), ("anime", LESS, -1.0)],
        ),
        (
            "more cats and dogs, no anime",
            [("cats", MORE, 1.0), ("dogs", MORE, 1.0), ("anime", NO, -3.0)],
        ),
        (
            "much more neon, a bit less pixel art",
            [("neon", MORE, 2.0), ("pixel art", LESS, -0.5)],
        ),
        ("keine Katzen, nur Hunde", [("katzen", NO, -3.0), ("hunde", ONLY, 2.0)]),
        ("nicht mehr Anime", [("anime", NO, -3.0)]),
        ("watercolor", [("watercolor", MORE, 1.0)]),
        ("more", []),
        (" , ; ", []),
    ],
)
def test_steering_in_english_and_german(text: str, expected: list) -> None:
    assert [(t.text, t.direction, t.weight) for t in parse_steering(text)] == expected


@given(st.text(max_size=400))
def test_any_tuning_text_gives_a_few_short_weighted_terms(text: str) -> None:
    terms = parse_steering(text)
    assert len(terms) <= MAX_TERMS
    assert len({t.text for t in terms}) == len(terms)
    for term in terms:
        assert 0 < len(term.text) <= TERM_LENGTH
        assert term.weight in {2.0, 1.0, 0.5, -0.5, -1.0, -2.0, -1.5, -3.0, -6.0, 4.0}


# ---------------------------------------------------------------- local embeddings


def test_local_embedding_is_unit_length_deterministic_and_bilingual() -> None:
    vectors = embed(
        "misty watercolor landscape with mountains",
        "Aquarell-Landschaft mit Bergen im Nebel",
        "a robot in a neon city at night",
        "",
    )
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any(), "nothing to embed gives a zero vector"
    assert np.array_equal(embed("misty watercolor landscape with mountains")[0], vectors[0])
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > 0.5 > 0.15 > unrelated


def test_embedding_survives_storage_and_buckets_group_similar_texts() -> None:
    vectors = embed("a cat", "a cat", "cats sleeping", "a lighthouse at dawn")
    assert np.allclose(unpack(pack(vectors[0])), vectors[0], atol=1e-3)
    found = buckets_of(vectors)
    assert found[0] == found[1]
    assert nearest_buckets(vectors[0], 3)[0] == found[0]
    assert buckets_of(np.zeros((1, 512)))[0] == -1
    assert nearest_buckets(np.zeros(512), 3) == []


def test_stored_vectors_unpack_to_exactly_the_float32s_of_their_float16s() -> None:
    # every float16 there is (its 65,536 bit patterns, NaNs and infinities too), 512 a row
    every = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    rows = [row.astype("<f2").tobytes() for row in every.reshape(128, 512)]
    expected = every.astype(np.float32).reshape(128, 512)
    for blobs, wanted in (
        (rows, expected),
        # a post without a vector, and one of another embedder's size: zero rows
        ([None, *rows[:3], rows[3][:512]], np.vstack([np.zeros(512), expected[:3], np.zeros(512)])),
    ):
        matrix = unpack_matrix(blobs)
        assert matrix is not None and matrix.dtype == np.float32
        assert matrix.shape == wanted.shape
        assert np.array_equal(matrix.view(np.uint32), wanted.astype(np.float32).view(np.uint32))
    assert unpack_matrix([None, b""]) is None


def test_the_embedder_port_is_async() -> None:
    vectors = asyncio.run(HashedNgramEmbedder().embed(["a cat"]))
    assert vectors.shape == (1, 512) and vectors.dtype == np.float32


# ---------------------------------------------------------------- hot


@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 50), st.integers(0, 10), st.floats(0, 30)),
        min_size=2,
        max_size=20,
    )
)
def test_sorting_by_hot_is_sorting_by_decayed_engagement(posts: list) -> None:
    now = NOW + timedelta(days=31)
    hots, decayed = [], []
    for likes, comments, remixes, age_days in posts:
        created = now - timedelta(days=age_days)
        hots.append(hot_score(likes, comments, remixes, created))
        factor = math.exp(-(now - created) / HOT_TIMESCALE)
        decayed.append((1 + engagement(likes, comments, remixes)) * factor)
    for i in range(len(posts)):
        for j in range(len(posts)):
            if abs(math.log(decayed[i]) - math.log(decayed[j])) > 1e-6:
                assert (hots[i] > hots[j]) == (decayed[i] > decayed[j])


# ---------------------------------------------------------------- taste


def test_bulk_tastes_equal_replaying_each_event() -> None:
    rng = np.random.default_rng(3)
    owners = rng.integers(0, 4, 60)
    times = np.sort(rng.uniform(0, 40 * 86400, 60))
    weights = rng.choice([1.0, 1.5, 2.0], 60)
    vectors = rng.standard_normal((60, 8)).astype(np.float32)
    vectors[5] = 0  # a post without a vector
    start = datetime(2026, 1, 1, tzinfo=UTC)
    states = [TasteState() for _ in range(4)]
    for owner, at, weight, vector in zip(owners, times, weights, vectors, strict=True):
        state = states[owner]
        state.decay_to(start + timedelta(seconds=float(at)))
        state.add(Engagement(float(weight), vector if vector.any() else None), "m")
    now = 45 * 86400.0
    bulk, totals = bulk_tastes(owners, times, weights, vectors, now=now, count=4)
    for owner, state in enumerate(states):
        state.decay_to(start + timedelta(seconds=now))
        assert np.allclose(state.vector, bulk[owner], rtol=1e-4, atol=1e-5)
        assert state.weight == pytest.approx(totals[owner], rel=1e-6)


def test_taking_a_like_back_removes_it() -> None:
    state = TasteState()
    state.decay_to(NOW)
    [vector] = embed("a cat")
    like = Engagement(1.0, vector, author_id=7, bucket=3, words=("cat",), post_id=11)
    state.add(like, "m")
    assert state.engaged == [11] and state.authors["7"] == 1.0
    state.add(like, "m", sign=-1.0)
    assert state.engaged == [] and state.authors["7"] == 0.0
    assert state.weight == 0.0 and state.mean is None


# ---------------------------------------------------------------- scoring


def features(post_id: int, author: int, text: str, **extra: object) -> PostFeatures:
    defaults: dict = {"created_at": NOW - timedelta(hours=2), "likes": 0, "comments": 0}
    defaults.update(extra)
    return PostFeatures(
        post_id=post_id,
        author_id=author,
        remixes=0,
        embedding=embed(text)[0],
        **defaults,
    )


def scorer() -> Scorer:
    return Scorer(Weights(), HashedNgramEmbedder().match_range)


def test_each_part_pulls_the_way_it_says() -> None:
    posts = [
        features(1, 10, "watercolor lake"),
        features(2, 11, "watercolor lake"),
        features(3, 12, "anime girl"),
        features(4, 13, "anime girl", likes=30),
        features(5, 14, "anime girl", created_at=NOW - timedelta(days=3)),
    ]
    taste = embed("misty watercolor lake")[0]
    viewer = ViewerTaste(
        account_id=99, now=NOW, followees=frozenset({10}), taste=taste, seen={2: 2}
    )
    scores = {b.post_id: b for b in scorer().score(viewer, posts)}
    assert scores[1].parts["affinity"] == pytest.approx(0.6)
    assert scores[1].values["similarity"] > 0.5 > scores[3].values["similarity"]
    assert scores[2].parts["seen"] == pytest.approx(-0.7)
    assert scores[4].values["engagement"] > scores[3].values["engagement"] == 0
    assert scores[3].values["freshness"] > scores[5].values["freshness"]
    assert rank(list(scores.values()))[0].post_id == 1
    for breakdown in scores.values():
        assert breakdown.total == pytest.approx(sum(breakdown.parts.values()))


def test_similarity_is_closeness_to_the_nearest_liked_posts_not_to_their_average() -> None:
    """Someone who likes two kinds of posts: a post of one kind is as close as they get, and a
    blend of both (near their average, near neither kind) is less so."""
    liked = embed(
        *("misty watercolor lake", "watercolor lake at dawn", "calm watercolor lake"),
        *("watercolor lake with boats", "giant anime robot", "anime robot battle"),
        *("retro anime robot", "anime robot in the city"),
    )
    posts = [features(1, 10, "watercolor lake in the fog")]
    posts += [features(2, 11, "a watercolor robot by a lake, anime")]
    posts += [features(3, 12, "oil portrait of an old man")]
    viewer = ViewerTaste(account_id=99, now=NOW, taste=liked.mean(axis=0), liked=liked)
    near = {b.post_id: b.values["similarity"] for b in scorer().score(viewer, posts)}
    assert near[1] > 0.95 and near[1] > near[2] + 0.1 and near[3] < 0.1, near
    # with too few liked posts to compare them among themselves: the average post liked
    few = ViewerTaste(account_id=99, now=NOW, taste=liked.mean(axis=0), liked=liked[:3])
    average = {b.post_id: b.values["similarity"] for b in scorer().score(few, posts)}
    assert average[2] > average[1], average


def test_peers_co_like_weight_counts_relative_to_the_strongest_with_the_weight_in_force() -> None:
    posts = [features(1, 10, "watercolor lake"), features(2, 11, "watercolor lake")]
    posts += [features(3, 12, "watercolor lake")]
    viewer = ViewerTaste(account_id=99, now=NOW, taste=embed("watercolor lake")[0])
    counts = np.array([0.0, 2.0, 4.0])
    prior = {b.post_id: b for b in scorer().score(viewer, posts, None, counts)}
    assert [prior[i].values["peers"] for i in (1, 2, 3)] == pytest.approx([0, 0.5, 1.0])
    assert prior[3].total > prior[2].total > prior[1].total, "the prior counts co-likes"
    assert prior[3].parts["peers"] == pytest.approx(Weights().peers) and Weights().peers > 0
    fitted = Scorer(Weights(peers=2.0), (0.0, 1.0))
    scored = {b.post_id: b for b in fitted.score(viewer, posts, None, counts)}
    assert scored[3].total > scored[2].total > scored[1].total
    assert scored[3].parts["peers"] == pytest.approx(2.0)
    assert all(b.values["peers"] == 0 for b in scorer().score(viewer, posts))


def steering(text: str, direction: Direction, weight: float) -> SteeringVector:
    return SteeringVector(text, direction, weight, embed(text)[0])


def test_tuning_boosts_sinks_hides_and_restricts() -> None:
    posts = [features(1, 10, "a watercolor landscape"), features(2, 11, "an anime girl")]
    base = ViewerTaste(account_id=99, now=NOW)

    def order(*terms: SteeringVector) -> list[int]:
        viewer = ViewerTaste(account_id=99, now=NOW, steering=terms)
        return [b.post_id for b in rank(scorer().score(viewer, posts))]

    assert order() == [2, 1]  # equal scores: newer id first
    assert order(steering("watercolor landscapes", Direction.MORE, 1.0)) == [1, 2]
    assert order(steering("anime", Direction.LESS, -1.0)) == [1, 2]
    assert order(steering("anime", Direction.NO, -3.0)) == [1]
    assert order(steering("watercolor", Direction.ONLY, 2.0)) == [1, 2]
    only = scorer().score(
        ViewerTaste(
            account_id=99, now=NOW, steering=(steering("watercolor", Direction.ONLY, 2.0),)
        ),
        posts,
    )
    assert only[1].parts["steering"] == pytest.approx(-2.0)
    assert scorer().score(base, posts)[0].matches == ()


# ---------------------------------------------------------------- diversity


class Item:
    def __init__(self, post_id: int, author_id: int) -> None:
        self.post_id, self.author_id = post_id, author_id

    def __repr__(self) -> str:
        return f"{self.post_id}@{self.author_id}"


@given(
    st.lists(st.integers(1, 4), max_size=40),
    st.integers(1, 20),
)
def test_pages_keep_rank_order_are_full_and_cap_authors_while_others_wait(
    authors: list[int], size: int
) -> None:
    items = [Item(i, a) for i, a in enumerate(authors)]
    pages = paginate(items, size, pages=len(items) + 1)
    assert sorted(i.post_id for p in pages for i in p) == list(range(len(items)))
    for number, page in enumerate(pages):
        assert 0 < len(page) <= size
        assert len(page) == size or number == len(pages) - 1, "only the last page is short"
        counts = {a: sum(1 for i in page if i.author_id == a) for a in set(authors)}
        if max(counts.values()) > author_cap(size):
            # Over the cap only when nobody else was left to fill the page.
            later = {i.author_id for p in pages[number + 1 :] for i in p}
            assert all(counts[a] >= author_cap(size) for a in later)
        assert [i.post_id for i in page] == sorted(i.post_id for i in page)


def test_each_followees_latest_post_counts_most_and_many_followees_share_it_out() -> None:
    posts = [
        features(1, 10, "watercolor lake", created_at=NOW - timedelta(hours=1)),
        features(2, 10, "watercolor lake", created_at=NOW - timedelta(hours=2)),
        features(3, 10, "watercolor lake", created_at=NOW - timedelta(hours=3)),
        features(4, 11, "watercolor lake", created_at=NOW - timedelta(hours=5)),
    ]
    few = ViewerTaste(account_id=99, now=NOW, followees=frozenset({10, 11}))
    values = {b.post_id: b.values["following"] for b in scorer().score(few, posts)}
    # Each followee's latest counts most (the older one a little more: looking back a day and a
    # half, it is the likelier to be come to); a prolific followee's earlier posts hardly.
    assert values[4] > values[1] > 0.5 > 0.02 > values[2] > values[3] > 0
    many = ViewerTaste(account_id=99, now=NOW, followees=frozenset(range(10, 50)))
    shared = {b.post_id: b.values["following"] for b in scorer().score(many, posts)}
    assert shared[1] == pytest.approx(values[1] / 2)  # 40 followees: half the attention each


def test_a_close_new_liked_post_matches_better_than_a_stale_or_unrelated_one() -> None:
    taste = embed("watercolor lake at dawn")[0]
    posts = [
        features(1, 10, "watercolor lake at dawn", likes=5),
        features(2, 10, "watercolor lake at dawn", likes=0),
        features(3, 10, "watercolor lake at dawn", likes=5, created_at=NOW - timedelta(days=6)),
        features(4, 10, "neon cyberpunk street", likes=5),
    ]
    viewer = ViewerTaste(account_id=99, now=NOW, taste=taste)
    match = {b.post_id: b.values["match"] for b in scorer().score(viewer, posts)}
    assert match[1] > match[2] > 0  # liked more
    assert match[1] > match[3] > 0  # newer
    assert match[1] > 5 * match[4]  # closer


def test_author_cap_is_a_quarter_but_at_least_one() -> None:
    assert [author_cap(n) for n in (1, 4, 5, 8, 20)] == [1, 1, 1, 2, 5]


def test_following_is_the_chance_of_coming_to_that_post_of_theirs_next() -> None:
    posts = [
        features(1, 10, "watercolor lake", created_at=NOW - timedelta(hours=1)),
        features(2, 10, "watercolor lake", created_at=NOW - timedelta(days=3)),
        features(3, 11, "watercolor lake", created_at=NOW - timedelta(hours=1)),
        features(4, 99, "watercolor lake", created_at=NOW - timedelta(hours=1)),
        features(5, 12, "watercolor lake", created_at=NOW - timedelta(days=40)),
    ]
    viewer = ViewerTaste(account_id=99, now=NOW, followees=frozenset({10, 12}))
    scores = {b.post_id: b for b in scorer().score(viewer, posts)}
    following = {i: scores[i].values["following"] for i in scores}
    # Looking back X ~ Exp(36 h) from a day ahead: the latest post, 1 h old, is the one come
    # to when X ≤ 25 h; the one before it, 3 days old, when 25 h < X ≤ 96 h.
    assert following[1] == pytest.approx(1 - math.exp(-25 / 36))
    assert following[2] == pytest.approx(math.exp(-25 / 36) - math.exp(-96 / 36))
    assert following[3] == 0  # not followed
    assert following[4] == 0  # your own post: affinity already says so
    assert following[5] == pytest.approx(1.0)  # 40 days old, but still their latest
    seen = ViewerTaste(account_id=99, now=NOW, followees=frozenset({10, 12}), seen={5: 2})
    again = {b.post_id: b.values["following"] for b in scorer().score(seen, posts)}
    assert again[5] == pytest.approx(0.25)  # shown twice already: no longer news to them
    assert scores[1].total > scores[3].total


def test_a_post_that_stands_out_among_its_tags_is_a_standout_in_proportion_to_their_share() -> None:
    day = timedelta(days=1)
    posts = [
        features(1, 10, "lake", tags=("watercolor",), likes=12, created_at=NOW - day),
        features(2, 11, "lake", tags=("watercolor",), likes=2, created_at=NOW - day),
        features(3, 12, "lake", tags=("watercolor",), likes=2, created_at=NOW - 4 * day),
        features(4, 13, "lake", tags=("watercolor",), likes=12, created_at=NOW - 6 * day),
        features(5, 14, "girl", tags=("anime",), likes=12, created_at=NOW - day),
        features(6, 15, "girl", likes=12, created_at=NOW - day),  # no tags
    ]
    tags = {"watercolor": 3.0, "anime": 1.0}
    viewer = ViewerTaste(account_id=99, now=NOW, tags=tags)
    standout = {b.post_id: b.values["standout"] for b in scorer().score(viewer, posts)}
    assert standout[1] > 3 * standout[2] > 0  # better liked at the same age
    # As many likes in a third of the time stand out more (it will end with more), and it
    # is newer, so more of its attention is still to come.
    assert standout[1] > standout[4] > 0 and standout[2] > standout[3]
    # A tag with a quarter of the viewer's tag weights counts a third as much as one with
    # three quarters (the anime post is alone with its tag: measured against all posts).
    assert standout[5] < standout[1] / 3
    assert standout[6] == 0  # without tags it cannot say
    nobody = ViewerTaste(account_id=99, now=NOW)
    assert all(b.values["standout"] == 0 for b in scorer().score(nobody, posts))


def test_a_crowded_tag_shares_the_viewers_attention_among_more_posts() -> None:
    posts = [
        features(1, 10, "lake", tags=("watercolor",), likes=3),
        features(2, 11, "city", tags=("neon",), likes=3),
    ]
    tags = {"watercolor": 1.0, "neon": 1.0}
    crowding = {"watercolor": 80.0, "neon": 20.0}
    viewer = ViewerTaste(account_id=99, now=NOW, tags=tags, crowding=crowding)
    standout = {b.post_id: b.values["standout"] for b in scorer().score(viewer, posts)}
    assert standout[2] == pytest.approx(4 * standout[1])
    quiet = ViewerTaste(account_id=99, now=NOW, tags=tags, crowding={"watercolor": 0.2})
    again = {b.post_id: b.values["standout"] for b in scorer().score(quiet, posts)}
    assert again[1] == again[2]  # fewer than one post lately counts as one


def test_tag_membership_sums_and_averages_over_each_posts_tags() -> None:
    membership = TagMembership.of([("a", "b"), (), ("b",), ("c", "a", "b")])
    assert membership.names == ["a", "b", "c"]
    per_tag = membership.lookup({"a": 1.0, "b": 3.0, "x": 9.0})  # "c" has none: 0
    assert per_tag.tolist() == [1.0, 3.0, 0.0]
    means = membership.mean(per_tag, untagged=np.array([7.0, 8.0, 9.0, 10.0]))
    assert means.tolist() == pytest.approx([2.0, 8.0, 3.0, 4.0 / 3])
    sums, counts = membership.totals(np.array([1.0, 100.0, 10.0, 1000.0]))
    assert sums.tolist() == [1001.0, 1011.0, 1000.0] and counts.tolist() == [2, 3, 1]
    nothing = TagMembership.of([(), ()])
    assert nothing.mean(nothing.lookup({"a": 1.0})).tolist() == [0.0, 0.0]


def test_posts_per_tag_and_day_read_as_a_count_decayed_by_age() -> None:
    scale = 2 * 24  # hours: the attention timescale
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)  # half of today has passed
    rows = [
        ("lake", date(2026, 3, 10), 6),  # today, spread over the last 12 h
        ("lake", date(2026, 3, 9), 24),  # yesterday, 12-36 h ago
        ("neon", date(2026, 3, 11), 5),  # tomorrow's (a clock ahead): nothing yet
    ]
    found = decayed(rows, now)
    today = 6 * scale / 12 * (1 - math.exp(-12 / scale))
    yesterday = 24 * scale / 24 * (math.exp(-12 / scale) - math.exp(-36 / scale))
    assert found == {"lake": pytest.approx(today + yesterday)}
    # A steady 24 posts a day (12 so far today) reads as ~ 24 × 2 days, the posts competing.
    days = [date(2026, 3, 10) - timedelta(days=d) for d in range(60)]
    steady = decayed([("t", day, 12 if day == now.date() else 24) for day in days], now)
    assert steady["t"] == pytest.approx(48, rel=0.01)
