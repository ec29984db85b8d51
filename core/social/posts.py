"""Creating, reading and deleting posts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from tortoise.expressions import F

from core.clock import Clock
from core.errors import Forbidden, NotFound
from core.generation.prompt_screening import is_sensitive
from core.images import ImageStore
from core.notifications import SocialEvents
from core.persistence.models import (
    Account,
    Audience,
    ModerationState,
    Platform,
    Post,
    StoredImage,
)
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.safety.policy import check_opted_in
from core.social.counters import posts_changed
from core.social.taste_updates import NoTasteUpdates, TasteUpdater
from core.social.visibility import can_view
from core.user_text import CAPTION_MAX, PROMPT_MAX, clean_text

log = logging.getLogger(__name__)


class PublishedPosts(Protocol):
    """Told of every new post once it is saved (cross-posting to Mosaic channels)."""

    async def post_published(self, post: Post) -> int: ...


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was made: platform, chat (None for a DM or the console) and server
    (Discord guild, Telegram group; its admins moderate what was made there)."""

    platform: Platform
    chat_id: str | None = None
    server_id: str | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    """How an image was made; None fields for an uploaded image."""

    provider: str | None = None
    model: str | None = None
    prompt: str | None = None


class Posts:
    def __init__(
        self,
        images: ImageStore,
        clock: Clock,
        taste: TasteUpdater | None = None,
        events: SocialEvents | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._images = images
        self._units = units
        self._clock = clock
        self._taste = taste or NoTasteUpdates()
        self._events = events
        self._published: list[PublishedPosts] = []

    def on_published(self, listener: PublishedPosts) -> None:
        self._published.append(listener)

    async def create(
        self,
        author: Account,
        image: bytes | str,
        *,
        caption: str = "",
        audience: Audience = Audience.PUBLIC,
        origin: Origin,
        provenance: Provenance | None = None,
        remix_of: Post | None = None,
    ) -> Post:
        caption = clean_text(caption, limit=CAPTION_MAX, field="caption")
        provenance = provenance or Provenance()
        prompt = (
            clean_text(provenance.prompt, limit=PROMPT_MAX, field="prompt")
            if provenance.prompt
            else None
        )
        text = f"{prompt or ''}\n{caption}"
        # A sensitive post (its words, or a remix of a sensitive post) needs its author's
        # opt-in.
        sensitive = is_sensitive(text) or bool(remix_of is not None and remix_of.sensitive)
        if sensitive:
            check_opted_in(author, text, sensitive=True)
        # bytes: a new upload; str: the sha256 of an image already in the store (a preview)
        if isinstance(image, bytes):
            stored = await self._images.put(image)
        else:
            stored = await self._images.describe(image)
        await self._images.thumbnail(stored.sha256)  # feeds and digests show thumbnails
        async with self._units() as unit:
            row, _ = await StoredImage.get_or_create(
                sha256=stored.sha256,
                defaults={
                    "format": stored.format,
                    "width": stored.width,
                    "height": stored.height,
                    "size_bytes": stored.size_bytes,
                },
            )
            post = await Post.create(
                author=author,
                image=row,
                caption=caption,
                prompt=prompt,
                audience=audience,
                origin_platform=origin.platform,
                origin_chat_id=origin.chat_id,
                origin_server_id=origin.server_id,
                provider=provenance.provider,
                model=provenance.model,
                remix_of=remix_of,
                created_at=self._clock.now(),
                sensitive=sensitive,
            )
            await posts_changed(author.id, 1)
            if remix_of is not None:
                await Post.filter(id=remix_of.id).update(remix_count=F("remix_count") + 1)
            # In the post's unit of work, so a crash leaves both the post and its queued
            # cross-posts or neither; each listener in a unit of its own (a savepoint), so
            # the post stands whatever happens to its cross-posts.
            for listener in self._published:
                try:
                    async with self._units():
                        await listener.post_published(post)
                except Exception:
                    log.exception("post %s was saved but could not be cross-posted", post.id)
            if remix_of is not None and self._events is not None:
                await self._events.happened("remix", remix_of.author_id, author.id, remix_of.id)
            # once the post is committed: it may call an embeddings API
            unit.after_commit(lambda: self._taste.post_created(post))
        return post

    async def _load(self, post_id: int, *, related: bool = True) -> Post:
        query = Post.get_or_none(id=post_id)
        if related:  # what showing the post needs (its author, its remix's author)
            query = query.select_related("author", "remix_of__author")
        post = await query
        if post is None:
            raise NotFound("error.unknown_post", post=post_id)
        return post

    async def load_live(self, post_id: int) -> Post:
        """The post whatever moderation says of it, unless it is deleted (for moderators)."""
        post = await self._load(post_id)
        if post.deleted_at is not None:
            raise NotFound("error.post_deleted", post=post_id)
        return post

    async def get_visible(self, viewer: Account, post_id: int, *, related: bool = True) -> Post:
        """The post, if `viewer` may see it. Deleted and hidden posts answer differently.
        `related=False`: the post's own row only, for a caller that shows neither its author
        nor what it remixes (a like: composing the three-table join cost more CPU than the
        rest of loading it)."""
        post = await self._load(post_id, related=related)
        if post.deleted_at is not None:
            raise NotFound("error.post_deleted", post=post_id)
        if post.author_id == viewer.id and post.moderation is not ModerationState.VISIBLE:
            raise NotFound("error.post_hidden", post=post_id)
        if not await can_view(viewer, post):
            raise NotFound("error.unknown_post", post=post_id)
        return post

    async def delete(self, actor: Account, post_id: int) -> Post:
        post = await self._load(post_id)
        if post.author_id != actor.id or post.deleted_at is not None:
            # Authors may delete their own posts even while moderation hides them.
            post = await self.get_visible(actor, post_id)
            if post.author_id != actor.id:
                raise Forbidden("error.not_author", post=post_id)
        return await self.remove(post)

    async def allow_remixes(self, actor: Account, post_id: int, allowed: bool) -> Post:
        """The author's say over remixes of their post."""
        post = await self.get_visible(actor, post_id)
        if post.author_id != actor.id:
            raise Forbidden("error.not_author", post=post_id)
        post.allow_remix = allowed
        await post.save(update_fields=["allow_remix"])
        return post

    async def remove(self, post: Post, *, moderation: ModerationState | None = None) -> Post:
        """Delete a post (its author, or a moderator with `moderation=REMOVED`)."""
        sha = post.image_id
        post.deleted_at = self._clock.now()
        post.image_id = None
        fields = ["deleted_at", "image_id"]
        if moderation is not None:
            post.moderation = moderation
            fields.append("moderation")
        async with self._units():
            # counted once, whoever deletes it first (the author and a moderator at once)
            if await Post.filter(id=post.id, deleted_at=None).update(deleted_at=post.deleted_at):
                await posts_changed(post.author_id, -1)
            await post.save(update_fields=fields)
            if sha is not None:
                await self.release_image(sha)
        return post

    async def release_image(self, sha256: str) -> None:
        """Remove an image's row once no post references it, and its files once that is
        committed (a rolled-back removal leaves the files its post still shows)."""
        async with self._units() as unit:
            if await Post.exists(image_id=sha256):
                return
            await StoredImage.filter(sha256=sha256).delete()
            unit.after_commit(lambda: self._images.remove(sha256))
