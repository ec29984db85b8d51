"""Likes from fans count for less: an account that likes almost every post of one author
likes the author, not each post, so its likes say little about how good a post is.

A like is a fan's when, over the last `FAN_WINDOW`, the liker liked at least `FAN_SHARE` of
the author's posts, of which there were at least `FAN_MIN_POSTS`. Each post counts its fans'
likes (`Post.fan_likes`, kept on like and unlike); the ranker reads a post's likes as
`like_count − (1 − FAN_WEIGHT) × fan_likes` (`effective_likes`). The counter shown to people
stays the plain count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from core.persistence.models import Post, Reaction

# Four weeks: a habit shows over many posts, and a share over a month is not one binge.
FAN_WINDOW = timedelta(days=28)
# Liking four in five of someone's posts is liking them: people who like posts for what they
# show skip most of any one author's (a follower's like rate is far below this).
FAN_SHARE = 0.8
FAN_MIN_POSTS = 5  # fewer posts say nothing about a habit (liking 2 of 2 is ordinary)
# A fan's like still says something (they saw it and did not skip it): a fifth of a like.
FAN_WEIGHT = 0.2


def is_fan(liked_of_author: int, author_posts: int) -> bool:
    return author_posts >= FAN_MIN_POSTS and liked_of_author >= FAN_SHARE * author_posts


def effective_likes(likes: np.ndarray, fan_likes: np.ndarray) -> np.ndarray:
    return np.maximum(likes - (1.0 - FAN_WEIGHT) * fan_likes, 0.0)


async def fan_of(account_id: int, author_id: int, now: datetime, *, extra: int = 0) -> bool:
    """Whether `account_id` likes almost everything `author_id` posted lately (counting the
    likes stored, and `extra` more)."""
    since = now - FAN_WINDOW
    posts = await Post.filter(author_id=author_id, created_at__gte=since, deleted_at=None).count()
    if posts < FAN_MIN_POSTS:
        return False
    liked = await Reaction.filter(
        account_id=account_id, post__author_id=author_id, post__created_at__gte=since
    ).count()
    return is_fan(liked + extra, posts)
