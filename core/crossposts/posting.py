"""Cross-posting: a published post becomes one outbox message per Mosaic channel that wants it.

- Who wants it: channels connected for their members, when the author is a member of the
  place (the digests' rule: posted there, or subscribed it to a digest); channels with a
  topic, when the post's words or #tags match it.
- Never: posts that are not shown to everyone (`shown_to_everyone`, the one visibility rule),
  sensitive posts where the server's policy has NSFW off,
  posts whose author is muted or banned where the channel is, paused channels (the platform
  refused messages there), and the chat the post was made in (it is there already).
- Queued in the post's own transaction (a crash keeps both or neither), one row per
  (channel, post) under a unique key, rendered with the post's buttons; the paced sender
  asks `refusal` again just before sending, so a post hidden or deleted meanwhile, or an
  author sanctioned meanwhile, is not sent.
"""

from __future__ import annotations

from typing import Any, Protocol

from tortoise.expressions import Q

from core.crossposts.channels import matches_topic, topic_terms
from core.delivery import Outbox
from core.delivery.outbox import to_place
from core.digests.ranking import member_of
from core.domain import Platform
from core.feed.impressions import ImpressionLog, Surface
from core.persistence.columns import column
from core.persistence.models import Destination, MosaicChannel, OutboxMessage, Post, Sanction
from core.safety.policy import nsfw_allowed
from core.safety.sanctions import Sanctions, applies
from core.social.visibility import shown_to_everyone

WITHHELD_HIDDEN = "withheld: the post is no longer public"
WITHHELD_SANCTIONED = "withheld: its author is muted or banned there"


def _sanctioned_there(
    channel: MosaicChannel, destination: Destination, sanctions: list[Sanction]
) -> bool:
    platform = Platform(destination.platform)
    return any(applies(sanction, platform, channel.server_id) for sanction in sanctions)


async def _languages(channels: list[MosaicChannel]) -> dict[int, str | None]:
    """Each channel's language: its own, else its server's (`/server language` on Discord
    is set for the guild), else None."""
    servers = {
        (channel.destination.platform, channel.server_id)
        for channel in channels
        if channel.destination.language is None and channel.server_id is not None
    }
    known: dict[tuple[str, str], str | None] = {}
    for platform in {platform for platform, _ in servers}:
        ids = [server for p, server in servers if p == platform]
        for chat_id, language in await Destination.filter(
            platform=platform, chat_id__in=ids
        ).values_list("chat_id", "language"):
            known[(platform, chat_id)] = language
    return {
        channel.id: channel.destination.language
        or known.get((channel.destination.platform, channel.server_id or ""))
        for channel in channels
    }


async def _nsfw_allowed(channel: MosaicChannel) -> bool:
    """The channel's own policy, else its server's (Discord sets NSFW per guild)."""
    if channel.destination.nsfw_allowed:
        return True
    if channel.server_id is None:
        return False
    server = await Destination.get_or_none(
        platform=channel.destination.platform, chat_id=channel.server_id
    )
    return nsfw_allowed(server)


def crosspost_key(channel_id: int, post_id: int) -> str:
    return f"crosspost:{channel_id}:{post_id}"


class CrossPostRenderer(Protocol):
    """Turns a post into the serialized reply a channel shows (buttons already tokenized),
    in `language` (None: the default language)."""

    async def render(self, language: str | None, post: Post) -> dict[str, Any]: ...


class CrossPosts:
    def __init__(
        self,
        outbox: Outbox,
        renderer: CrossPostRenderer,
        sanctions: Sanctions,
        impressions: ImpressionLog,
    ) -> None:
        self._outbox = outbox
        self._renderer = renderer
        self._sanctions = sanctions
        self._impressions = impressions

    async def post_published(self, published: Post) -> int:
        """Queue the post for every channel that wants it; returns how many were queued."""
        query = Post.filter(shown_to_everyone(), id=published.id).select_related("author")
        post = await query.first()
        if post is None:  # not shown to everyone
            return 0
        sanctions = await self._sanctions.in_force(post.author_id)
        channels = [
            channel
            for channel in await self._wanting(post)
            if self._may_show(channel, channel.destination, post, sanctions)
        ]
        if post.sensitive:  # adult or graphic: only where the server's policy allows NSFW
            channels = [channel for channel in channels if await _nsfw_allowed(channel)]
        languages = await _languages(channels)
        rendered: dict[str | None, dict[str, Any]] = {}  # one rendering per language
        items = []
        for channel in channels:
            destination, language = channel.destination, languages[channel.id]
            if language not in rendered:
                rendered[language] = await self._renderer.render(language, post)
            items.append(
                to_place(
                    destination,
                    channel.target,
                    rendered[language],
                    crosspost_key(channel.id, post.id),
                    channel_id=channel.id,
                    post_id=post.id,
                )
            )
        await self._outbox.add(items)
        places = [channel.destination_id for channel in channels]
        await self._impressions.to_places(Surface.CROSSPOST, post.id, places)
        return len(items)

    async def _wanting(self, post: Post) -> list[MosaicChannel]:
        places = await column(Destination.filter(await member_of(post.author_id)), "id")
        about = [
            channel_id
            for channel_id, topics in await MosaicChannel.exclude(topics="").values_list(
                "id", "topics"
            )
            if matches_topic(post, topic_terms(topics))
        ]
        wanted = Q(topics="", destination_id__in=list(places)) | Q(id__in=about)
        return await MosaicChannel.filter(wanted).select_related("destination").order_by("id")

    @staticmethod
    def _may_show(
        channel: MosaicChannel, destination: Destination, post: Post, sanctions: list[Sanction]
    ) -> bool:
        if destination.paused_reason is not None:
            return False
        if (
            post.origin_platform == destination.platform
            and post.origin_chat_id == destination.chat_id
        ):
            return False
        return not _sanctioned_there(channel, destination, sanctions)

    async def refusal(self, message: OutboxMessage) -> str | None:
        """Why a queued cross-post must not be sent now (None: send it)."""
        if message.channel_id is None or message.post_id is None:
            return None
        post = await Post.filter(shown_to_everyone(), id=message.post_id).first()
        if post is None:
            return WITHHELD_HIDDEN
        channel = await MosaicChannel.get_or_none(id=message.channel_id).select_related(
            "destination"
        )
        if channel is None:  # switched off while this was being claimed
            return "withheld: the channel was disconnected"
        sanctions = await self._sanctions.in_force(post.author_id)
        if _sanctioned_there(channel, channel.destination, sanctions):
            return WITHHELD_SANCTIONED
        return None
