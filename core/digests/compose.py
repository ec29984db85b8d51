"""Composing one digest: rank the items, draw the collage, store it with the images."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.digests.ranking import DigestRanker
from core.domain import ChatKind
from core.i18n import translate
from core.images import ImageFile, ImageStore
from core.persistence.models import Account, Destination, DigestSubscription, Post
from core.safety.policy import shows_sensitive


@dataclass(frozen=True, slots=True)
class ComposedDigest:
    items: list[Post]
    collage: ImageFile
    language: str
    title: str
    date: str


def digest_language(destination: Destination, owner: Account, default: str) -> str:
    """The destination's language; in a DM the person's own choice comes first."""
    if destination.kind is ChatKind.PRIVATE and owner.language:
        return owner.language
    return destination.language or owner.language or default


def local_date(language: str, moment: datetime) -> str:
    return translate(
        language,
        "digest.date",
        day=f"{moment.day:02d}",
        month=f"{moment.month:02d}",
        year=f"{moment.year}",
    )


async def thumbnail_of(images: ImageStore, post: Post) -> Path | None:
    """A post's tile for a collage: its thumbnail, None (a blank tile) when it has none."""
    if post.image_id is None:
        return None
    try:
        return await images.thumbnail(post.image_id)
    except FileNotFoundError:  # the file went away (deleted meanwhile): a blank tile
        return None


class DigestComposer:
    def __init__(self, ranker: DigestRanker, images: ImageStore, default_language: str) -> None:
        self._ranker = ranker
        self._images = images
        self._default_language = default_language

    async def compose(
        self,
        subscription: DigestSubscription,
        destination: Destination,
        owner: Account,
        *,
        at: datetime,
        exclude: set[int],
    ) -> ComposedDigest | None:
        """The digest for `subscription` as of `at` (a local time), or None: nothing new."""
        # Sensitive posts only if the subscriber opted in and, in a group or channel, its
        # policy allows NSFW.
        shared = destination.kind is not ChatKind.PRIVATE
        safe = not shows_sensitive(owner, destination, shared=shared)
        if subscription.personal:
            items = await self._ranker.for_person(
                owner, subscription.topics, subscription.size, exclude, safe=safe
            )
        else:
            items = await self._ranker.for_place(
                destination, subscription.topics, subscription.size, exclude, safe=safe
            )
        if not items:
            return None
        language = digest_language(destination, owner, self._default_language)
        if destination.kind is ChatKind.PRIVATE or not destination.title:
            title = translate(language, "digest.title.personal", name=owner.display_name)
        else:
            title = translate(language, "digest.title.place", name=destination.title)
        date = local_date(language, at)
        thumbnails = await asyncio.gather(*(thumbnail_of(self._images, post) for post in items))
        from core.digests.collage import CollageText, render_collage  # Pillow: on first use

        picture = await asyncio.to_thread(
            render_collage,
            list(thumbnails),
            CollageText(title, date, translate(language, "digest.ai_label")),
        )
        collage = await self._images.put(picture, trusted=True)
        return ComposedDigest(items, collage, language, title, date)
