"""Mosaic channels: chats whose admins asked for new public posts, cross-posted there.

`MosaicChannels` connects and disconnects a chat; `CrossPosts` decides, when a post is
published, which channels get it and queues one outbox message per (channel, post), and
checks again just before each send that the post may still be shown there.
"""

from core.crossposts.channels import MosaicChannels, topic_terms
from core.crossposts.posting import CrossPostRenderer, CrossPosts, crosspost_key

__all__ = [
    "CrossPostRenderer",
    "CrossPosts",
    "MosaicChannels",
    "crosspost_key",
    "topic_terms",
]
