"""What a handler gets besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.invocation import Actor
from bot.replies import Conversation
from core.i18n import translate
from core.persistence.models import Account
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
