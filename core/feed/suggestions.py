"""Suggestions: people to follow, prompt ideas, and posts worth a comment.

- people: friends of friends (followed by people you follow), authors of posts close to your
  taste, and rising creators (new authors whose posts take off); never yourself, anyone you
  follow, or anyone on either side of a block;
- prompts: your favourite prompt words crossed with what is trending, and trending prompts
  close to your taste, to try with /imagine;
- posts: posts you may see that match your taste, have engagement, and few comments yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from core.clock import Clock
from core.domain import Audience
from core.feed.features import source_bits
from core.feed.impressions import Shown, Surface, pack
from core.feed.personal import PersonalizedFeed
from core.feed.ranking import RankedPost
from core.feed.scoring import PARTS
from core.feed.terms import STOP_WORDS, words
from core.persistence.columns import column
from core.persistence.models import Account, Block, Follow, Post, TasteProfile
from core.social.visibility import visible_to

RISING_WINDOW = timedelta(days=7)
FRIENDS_OF_FRIENDS_MIN = 1
SIMILAR_AT = 0.5  # similarity value from which an author counts as "close to your taste"
IDEA_WORDS = 3


class Reason(StrEnum):
    FRIENDS = "friends"  # followed by `count` people you follow
    TASTE = "taste"  # posts close to what you like
    RISING = "rising"  # a new creator whose posts take off


@dataclass(frozen=True, slots=True)
class PersonSuggestion:
    account: Account
    reason: Reason
    count: int = 0


@dataclass(frozen=True, slots=True)
class PromptIdea:
    prompt: str
    source_post: int | None = None  # a trending post it comes from, if any


class Suggestions:
    def __init__(self, feed: PersonalizedFeed, clock: Clock) -> None:
        self._feed = feed
        self._clock = clock

    async def people(self, viewer: Account, *, limit: int) -> list[PersonSuggestion]:
        excluded = await self._not_suggestable(viewer.id)
        picks: dict[int, tuple[Reason, int]] = {}
        my_followees = Subquery(Follow.filter(follower_id=viewer.id).values("followee_id"))
        friends = (
            await Follow.filter(follower_id__in=my_followees)
            .exclude(followee_id__in=list(excluded))
            .annotate(count=Count("id"))
            .group_by("followee_id")
            .order_by("-count", "followee_id")
            .limit(limit)
            .values_list("followee_id", "count")
        )
        for account_id, count in friends:
            if count >= FRIENDS_OF_FRIENDS_MIN:
                picks.setdefault(account_id, (Reason.FRIENDS, count))
        ranked = await self._feed.rank(viewer)
        closeness: dict[int, float] = {}
        for item in ranked:
            similarity = item.breakdown.values["similarity"]
            if similarity >= SIMILAR_AT:
                closeness[item.author_id] = closeness.get(item.author_id, 0.0) + similarity
        for account_id in sorted(closeness, key=closeness.__getitem__, reverse=True):
            if account_id not in excluded:
                picks.setdefault(account_id, (Reason.TASTE, 0))
        rising = await column(
            Post.filter(
                audience=Audience.PUBLIC,
                newcomer=True,
                deleted_at=None,
                hot__isnull=False,
                created_at__gte=self._clock.now() - RISING_WINDOW,
            )
            .exclude(author_id__in=list(excluded))
            .order_by("-hot")
            .limit(limit * 3),
            "author_id",
        )
        for account_id in rising:
            picks.setdefault(account_id, (Reason.RISING, 0))
        chosen = _spread(picks, limit)
        accounts = {a.id: a for a in await Account.filter(id__in=[i for i, _ in chosen])}
        return [
            PersonSuggestion(accounts[i], reason, count)
            for i, (reason, count) in chosen
            if i in accounts
        ]

    async def _not_suggestable(self, viewer_id: int) -> set[int]:
        followees = await column(Follow.filter(follower_id=viewer_id), "followee_id")
        blocks = await Block.filter(Q(blocker_id=viewer_id) | Q(blocked_id=viewer_id)).values_list(
            "blocker_id", "blocked_id"
        )
        return {viewer_id, *followees, *(i for pair in blocks for i in pair)}

    async def prompts(self, viewer: Account, *, limit: int) -> list[PromptIdea]:
        profile = await TasteProfile.get_or_none(account_id=viewer.id)
        favourites = _top_words(profile.terms if profile else {}, IDEA_WORDS * 2)
        trending = (
            await Post.filter(
                visible_to(viewer.id),
                audience=Audience.PUBLIC,
                hot__isnull=False,
                prompt__isnull=False,
                created_at__gte=self._clock.now() - RISING_WINDOW,
            )
            .order_by("-hot")
            .limit(30)
            .values("id", "prompt")
        )
        trending_words = Counter(
            word for row in trending for word in dict.fromkeys(words(row["prompt"]))
        )
        fresh_words = [w for w, _ in trending_words.most_common() if w not in favourites]
        ideas: list[PromptIdea] = []
        for index in range(0, min(len(favourites), limit * 2), 2):
            twist = fresh_words[len(ideas) % len(fresh_words)] if fresh_words else None
            parts = [*favourites[index : index + 2], *([twist] if twist else [])]
            ideas.append(PromptIdea(", ".join(parts)))
        liked = set(favourites)
        by_overlap = sorted(
            trending, key=lambda row: -len(liked & set(words(row["prompt"]))) if liked else 0
        )
        for row in by_overlap:
            if len(ideas) >= limit:
                break
            ideas.append(PromptIdea(row["prompt"], source_post=row["id"]))
        return ideas[:limit]

    async def posts(self, viewer: Account, *, limit: int, safe: bool = False) -> list[Post]:
        """Posts worth a comment; `safe`: no sensitive ones (a place with NSFW off)."""
        ranked = await self._feed.rank(viewer, safe=safe)
        worth = [item for item in ranked if _worth_a_comment(item, viewer.id)]
        worth.sort(key=_conversation_score, reverse=True)
        ids = [item.post_id for item in worth[:limit]]
        rows = await Post.filter(id__in=ids).select_related("author", "remix_of__author")
        by_id = {post.id: post for post in rows}
        shown = [item for item in worth[:limit] if item.post_id in by_id]
        impressions = [
            Shown(
                item.post_id,
                place,
                source_bits(item.sources),
                pack([item.breakdown.value(name) for name in PARTS]),
            )
            for place, item in enumerate(shown, start=1)
        ]
        await self._feed.impressions.record(
            Surface.SUGGEST, impressions, viewer_id=viewer.id, model=self._feed.model_version
        )
        return [by_id[item.post_id] for item in shown]


def _worth_a_comment(item: RankedPost, viewer_id: int) -> bool:
    return item.author_id != viewer_id and item.breakdown.values["engaged"] == 0


def _conversation_score(item: RankedPost) -> float:
    """Close to your taste and liked by others, but with few comments yet."""
    values = item.breakdown.values
    interest = 0.5 + values["similarity"] + values["engagement"] + 0.5 * values["affinity"]
    return interest / (1.0 + item.features.comments)


def _top_words(weights: dict[str, float], count: int) -> list[str]:
    ordered = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ordered if word not in STOP_WORDS][:count]


def _spread(
    picks: dict[int, tuple[Reason, int]], limit: int
) -> list[tuple[int, tuple[Reason, int]]]:
    """Take the suggestions in turns by reason, so that every kind shows up."""
    by_reason: dict[Reason, list[tuple[int, tuple[Reason, int]]]] = {r: [] for r in Reason}
    for account_id, pick in picks.items():
        by_reason[pick[0]].append((account_id, pick))
    chosen: list[tuple[int, tuple[Reason, int]]] = []
    while len(chosen) < limit and any(by_reason.values()):
        for reason in Reason:
            if by_reason[reason] and len(chosen) < limit:
                chosen.append(by_reason[reason].pop(0))
    return chosen
