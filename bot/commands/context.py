"""What a handler gets besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.invocation import Actor
from bot.replies import Conversation
from core.domain import ChatKind
from core.i18n import translate
from core.persistence.models import Account
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
