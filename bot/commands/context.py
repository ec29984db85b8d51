"""What a handler gets besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.invocation import Actor
from core.delivery.ports import Conversation
from core.domain import ChatKind
from core.errors import Forbidden
from core.i18n import translate
from core.persistence.models import Account, Post
from core.safety.policy import shows_sensitive
from core.services import Services

if TYPE_CHECKING:
    from bot.commands.job_notices import JobNotices
    from bot.commands.registry import CommandRegistry


@dataclass(slots=True)
class Context:
    actor: Actor
    account: Account
    language: str
    services: Services
    conversation: Conversation
    registry: CommandRegistry
    notices: JobNotices

    def t(self, key: str, /, **params: Any) -> str:
        return translate(self.language, key, **params)


async def hides_sensitive(ctx: Context) -> bool:
    """Whether sensitive posts stay hidden where this person is now (see `shows_sensitive`):
    in a private chat or the console the person's opt-in decides; in a server or group the
    place's NSFW policy must allow it too."""
    shared = ctx.actor.chat_kind is not ChatKind.PRIVATE
    place = None
    if shared and ctx.actor.server_id is not None:
        place = await ctx.services.safety.policies.find(ctx.actor.platform, ctx.actor.server_id)
    return not shows_sensitive(ctx.account, place, shared=shared)


async def post_to_show(ctx: Context, post_id: int) -> Post:
    """A post this person may see here, image included: visible to them (`get_visible`) and,
    when sensitive, allowed where they are (its author always sees it)."""
    post = await ctx.services.posts.get_visible(ctx.account, post_id)
    if post.sensitive and post.author_id != ctx.account.id and await hides_sensitive(ctx):
        raise Forbidden("error.sensitive_hidden", post=post_id)
    return post
