"""Connecting a chat as a Mosaic channel, and what it asks for (its members' posts, or a
topic matched the way the feed's search matches words and #tags)."""

from __future__ import annotations

from core.destinations import destination_changed
from core.errors import InvalidInput
from core.feed.terms import post_terms, tags, words
from core.persistence.local_copies import ChangeNotices
from core.persistence.models import Destination, MosaicChannel, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

TOPICS_MAX = 200


def topic_terms(text: str) -> set[str]:
    """The words and #tags of a topic, normalized like a post's terms."""
    return set(words(text)) | set(tags(text))


def matches_topic(post: Post, terms: set[str]) -> bool:
    return bool(terms & set(post_terms(post.prompt, post.caption)))


class MosaicChannels:
    def __init__(
        self, units: UnitOfWorkFactory = TortoiseUnitOfWork, notices: ChangeNotices | None = None
    ) -> None:
        self._units = units
        self._notices = notices or ChangeNotices()

    async def connect(
        self,
        destination: Destination,
        target: dict[str, str],
        *,
        server_id: str | None,
        topics: str = "",
    ) -> MosaicChannel:
        """Connect (or reconfigure) the chat; connecting again also lifts a pause."""
        topics = " ".join(topics.split())
        if len(topics) > TOPICS_MAX:
            raise InvalidInput(
                "error.too_long", field="topic", limit=TOPICS_MAX, length=len(topics)
            )
        if topics and not topic_terms(topics):
            raise InvalidInput("error.crosspost_topic_empty")
        async with self._units():
            channel, created = await MosaicChannel.get_or_create(
                destination=destination,
                defaults={"target": target, "server_id": server_id, "topics": topics},
            )
            if not created:
                channel.target, channel.server_id, channel.topics = target, server_id, topics
                await channel.save(update_fields=["target", "server_id", "topics"])
            if destination.paused_reason is not None:
                destination.paused_reason = None
                await destination.save(update_fields=["paused_reason"])
                await self._notices.changed(destination_changed(destination.id))
        return channel

    async def disconnect(self, destination: Destination) -> bool:
        """No more cross-posts there; messages still waiting for it are dropped with it."""
        return await MosaicChannel.filter(destination_id=destination.id).delete() > 0

    async def of(self, destination: Destination) -> MosaicChannel | None:
        return await MosaicChannel.get_or_none(destination_id=destination.id)
