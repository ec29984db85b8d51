"""/rate through the command layer: a picture of two posts labelled A and B with the buttons A,
B and skip; a vote is stored once, as a `RateVote` and as the outcome of the pair's
impressions; own, hidden, blocked and (in a safe place) sensitive posts are never offered."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.bootstrap import App
from core.domain import ModerationState
from core.errors import NotFound
from core.feed.impressions import Outcome, Surface
from core.persistence.models import Account, Impression, Post, RateVote
from tests.core.test_feed import WATERCOLOR, people, post
from tests.support.chat import ChatUser, find_button


async def _community(app: App, count: int = 6) -> tuple[Account, list[Post]]:
    alice, bob = await people(app, "alice", "bob")
    await app.services.graph.follow(bob, alice)
    made = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(count)]
    return bob, made


async def test_rate_shows_a_pair_and_a_vote_counts_once(app: App) -> None:
    bob_account, made = await _community(app)
    await post(app, bob_account, "bob's own watercolor lake")  # never offered to bob
    bob = ChatUser(app, "bob")
    replies = await bob.say("/rate")
    [shown] = replies
    assert shown.images, "one picture of the two posts"
    with Image.open(shown.images[0].path) as picture:
        assert picture.width > 1.8 * picture.height, "side by side"
    a_button = find_button(replies, "rate vote")
    buttons = [b for row in shown.buttons for b in row]
    assert [b.label for b in buttons] == ["A", "B", "Skip"]
    chose, over = a_button.args["chose"], a_button.args["over"]
    assert {chose, over} <= {p.id for p in made}
    rows = await Impression.filter(viewer_id=bob_account.id, surface=int(Surface.RATE)).values()
    assert sorted((r["post_id"], r["position"]) for r in rows) == sorted([(chose, 1), (over, 2)])
    assert all(r["parts"] for r in rows), "scored for bob: the ranker can learn from it"

    after = await bob.press(a_button)
    assert "#" + str(chose) in after[0].text
    assert await RateVote.filter(voter_id=bob_account.id).count() == 1
    vote = await RateVote.get(voter_id=bob_account.id)
    assert (vote.winner_id, vote.loser_id) == (chose, over)
    first_pair = (
        await Impression.filter(viewer_id=bob_account.id, surface=int(Surface.RATE))
        .order_by("id")
        .limit(2)
    )  # the pair voted on (the next pair follows the vote)
    assert [(i.post_id, i.outcome) for i in first_pair] == [(chose, Outcome.CHOSEN), (over, 0)]
    again = await bob.press(a_button)
    assert again[0].is_error and "already voted" in again[0].text
    assert await RateVote.filter(voter_id=bob_account.id).count() == 1
    b_button = [b for row in shown.buttons for b in row][1]
    assert (await bob.press(b_button))[0].is_error, "nor the other way round"


async def test_a_pair_never_shown_cannot_be_voted(app: App) -> None:
    bob, made = await _community(app)
    with pytest.raises(NotFound) as refused:
        await app.services.rating.vote(bob, made[0].id, made[1].id)
    assert refused.value.key == "error.rate_pair_gone"
    assert not await RateVote.exists()


async def test_own_hidden_and_blocked_posts_are_never_offered(app: App) -> None:
    bob, made = await _community(app, count=4)
    own = await post(app, bob, WATERCOLOR)
    await Post.filter(id=made[0].id).update(moderation=ModerationState.HIDDEN)
    (carol,) = await people(app, "carol")
    blocked = await post(app, carol, WATERCOLOR)
    await app.services.graph.block(bob, carol)
    offered: set[int] = set()
    for _ in range(12):
        pair = await app.services.rating.pair(bob)
        assert pair is not None
        offered |= {pair.a.id, pair.b.id}
    assert offered <= {p.id for p in made[1:]}
    assert not offered & {own.id, made[0].id, blocked.id}


async def test_rate_without_enough_posts_says_so(app: App) -> None:
    await people(app, "alice", "bob")
    await post(app, (await people(app, "alice"))[0], WATERCOLOR)  # one post: no pair
    replies = await ChatUser(app, "bob").say("/rate")
    assert not replies[0].images and "not enough posts" in replies[0].text


async def test_rate_in_german(app: App) -> None:
    await _community(app)
    bob = ChatUser(app, "bob")
    await bob.say("/settings language de")
    replies = await bob.say("/rate")
    assert replies[0].title == "Was ist besser?"
    assert [b.label for row in replies[0].buttons for b in row][-1] == "Überspringen"
