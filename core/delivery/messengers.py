"""The platform `Messenger`s, and what reaches people and chats out of band through them.

One registry per app: the adapters add their messenger at start-up (`build_discord`, ...),
and everything that speaks outside a live conversation finds it here — job notices and a
moderator's decision sent to an author (`AccountNotifier`). The outbox senders delete the
copies of taken-down posts through a `RetractingMessenger`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from core.button_tokens import Unstored
from core.delivery import Outbox, OutboxItem, chat_key_for
from core.delivery.outbox import EDITS
from core.delivery.ports import DirectMessenger, Messenger
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.domain import Platform
from core.i18n import translate
from core.persistence.models import Account, Identity

log = logging.getLogger(__name__)


class Messengers:
    def __init__(self) -> None:
        self._by_platform: dict[Platform, Messenger] = {}

    def add(self, platform: Platform, messenger: Messenger) -> None:
        self._by_platform[platform] = messenger

    def get(self, platform: Platform) -> Messenger | None:
        return self._by_platform.get(platform)


class QueuedMessenger:
    """Reaches a platform only through the outbox. The console's out-of-band messenger: a
    job that finished in another process, or anything else meant for a console person, waits
    there until the process attached to that person's terminal prints it (`OutboxSender`
    with `chats`), never in whichever terminal happened to finish the work. Telegram's and
    Discord's in a process without that platform's adapter (a workers process): sends and
    edits wait for the process that sends the platform."""

    def __init__(
        self, platform: Platform, outbox: Outbox, wake: Callable[[Platform], None]
    ) -> None:
        self._platform = platform
        self._outbox = outbox
        self._wake = wake

    async def send_to(self, target: dict[str, str], reply: Reply) -> None:
        await self.queue_all([(target, reply, None)])

    async def edit_to(self, target: dict[str, str], ref: str, reply: Reply) -> None:
        """The process that sends this platform edits the message (`OutboxSender`)."""
        await self.queue_all([(target, reply, ref)])

    async def queue_all(
        self,
        messages: list[tuple[dict[str, str], Reply, str | None]],
        *,
        tokens: Unstored | None = None,
    ) -> None:
        """Several messages, in this order, each (target, reply, the message it edits or
        None): one outbox insert, one wake-up, so the sender claims them together (a job's
        status edit and its preview); `tokens`, their buttons' new tokens, stored with them."""
        items = [
            OutboxItem(
                platform=self._platform,
                chat_key=chat_key_for(target),
                target=target if ref is None else {**target, EDITS: ref},
                reply=encode_reply(reply),
                dedupe_key=f"queued:{secrets.token_hex(12)}",
            )
            for target, reply, ref in messages
        ]
        await self._outbox.add(items, tokens=tokens)
        self._wake(self._platform)


class AccountNotifier:
    """Core's `Notifier`: a private message to a person, on the first platform that can."""

    def __init__(self, messengers: Messengers, default_language: str) -> None:
        self._messengers = messengers
        self._default_language = default_language

    async def notify(self, account_id: int, key: str, /, **params: Any) -> None:
        account = await Account.get_or_none(id=account_id)
        if account is None:
            return
        reply = Reply(
            text=translate(account.language or self._default_language, key, **params),
            private=True,
        )
        for identity in await Identity.filter(account_id=account_id).order_by("id"):
            messenger = self._messengers.get(identity.platform)
            if not isinstance(messenger, DirectMessenger):
                continue
            try:
                await messenger.send_to(messenger.direct_target(identity.platform_user_id), reply)
                return
            except Exception:
                log.exception("could not notify account %s on %s", account_id, identity.platform)
        log.warning("nobody could tell account %s about %s", account_id, key)
