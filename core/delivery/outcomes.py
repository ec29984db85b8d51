"""What an outbox delivery's outcome changes (the sender's `DeliveryOutcomes`): runs,
destinations, subscriptions, the subscriber.

- sent: the digest run is delivered.
- failed (gave up after retries): the run failed, with the last error.
- blocked (403, kicked, unknown chat): the destination and its digests are paused with the
  reason, messages still waiting for it are dropped, and each subscriber who can be reached
  elsewhere (their private chat) is told why and how to resume.
- moved (a Telegram group became a supergroup): the destination, its subscriptions, its
  Mosaic channel and waiting messages follow the new chat id, and the message is sent there.
"""

from __future__ import annotations

import logging

from core.delivery.outbox import Outbox, OutboxItem, chat_key_for
from core.delivery.ports import OutboxRenderer
from core.destinations import Destinations
from core.digests import DigestRuns, DigestSubscriptions
from core.domain import ChatKind, OutboxState, Platform, RunState
from core.i18n import translate
from core.notifications import Notifications
from core.persistence.columns import column
from core.persistence.models import (
    Destination,
    DigestSubscription,
    MosaicChannel,
    OutboxMessage,
)

log = logging.getLogger(__name__)


class Outcomes:
    def __init__(
        self,
        outbox: Outbox,
        renderer: OutboxRenderer,
        runs: DigestRuns,
        subscriptions: DigestSubscriptions,
        destinations: Destinations,
        notifications: Notifications,
        default_language: str,
    ) -> None:
        self._outbox = outbox
        self._renderer = renderer
        self._runs = runs
        self._subscriptions = subscriptions
        self._destinations = destinations
        self._notifications = notifications
        self._default_language = default_language

    async def sent(self, message: OutboxMessage) -> None:
        if message.run_id is not None:
            await self._runs.finish(message.run_id, RunState.DELIVERED)

    async def failed(self, message: OutboxMessage, reason: str) -> None:
        if message.run_id is not None:
            await self._runs.not_delivered(message.run_id, reason)

    async def blocked(self, message: OutboxMessage, reason: str) -> None:
        platform = Platform(message.platform)
        log.warning(
            "%s chat %s refuses messages (%s): pausing it", platform, message.chat_key, reason
        )
        await self._outbox.failed(message.id, reason)
        await self._outbox.fail_waiting(platform, message.chat_key, reason)
        failed_runs = await column(
            OutboxMessage.filter(
                platform=platform, chat_key=message.chat_key, state=OutboxState.FAILED
            ),
            "run_id",
        )
        for run_id in {r for r in failed_runs if r is not None}:
            await self._runs.not_delivered(run_id, reason)
        destination = await self._destinations.get(
            platform,
            message.chat_key,
            kind=ChatKind.GROUP if message.group_chat else ChatKind.PRIVATE,
        )
        paused = await self._subscriptions.pause_destination(destination.id, reason)
        for subscription in paused:
            await self._tell_owner(subscription, destination, reason)

    async def _tell_owner(
        self, subscription: DigestSubscription, destination: Destination, reason: str
    ) -> None:
        chat = await self._notifications.direct_chat(subscription.owner_id)
        if chat is None:
            return
        if (
            Platform(chat.platform) is Platform(destination.platform)
            and destination.kind is ChatKind.PRIVATE
        ):
            return  # their private chat is the one refusing: nowhere else to tell them
        owner = await subscription.owner
        language = owner.language or destination.language or self._default_language
        if destination.kind is ChatKind.PRIVATE:
            place = translate(language, "digest.place.private")
        else:
            place = destination.title or translate(
                language, "digest.place.group", chat=destination.chat_id
            )
        reply = self._renderer.paused_notice(language, subscription.id, place, reason)
        await self._outbox.add(
            [
                OutboxItem(
                    platform=Platform(chat.platform),
                    chat_key=chat_key_for(chat.target),
                    target=dict(chat.target),
                    reply=reply,
                    dedupe_key=f"paused:{subscription.id}:{destination.id}:{reason[:40]}",
                )
            ]
        )

    async def moved(self, message: OutboxMessage, new_chat: str) -> OutboxMessage:
        platform, old_chat = Platform(message.platform), message.chat_key
        log.info("%s chat %s moved to %s", platform, old_chat, new_chat)
        await self._destinations.move(platform, old_chat, new_chat)
        for subscription in await DigestSubscription.filter(
            destination__platform=platform, destination__chat_id=new_chat
        ):
            subscription.target = _retarget(subscription.target, old_chat, new_chat)
            await subscription.save(update_fields=["target"])
        for channel in await MosaicChannel.filter(
            destination__platform=platform, destination__chat_id=new_chat
        ):
            channel.target = _retarget(channel.target, old_chat, new_chat)
            if channel.server_id == old_chat:  # a Telegram group is its own server
                channel.server_id = new_chat
            await channel.save(update_fields=["target", "server_id"])
        await self._outbox.move_waiting(platform, old_chat, new_chat)
        message.chat_key = new_chat
        message.target = _retarget(message.target, old_chat, new_chat)
        await OutboxMessage.filter(id=message.id).update(chat_key=new_chat, target=message.target)
        return message


def _retarget(target: dict[str, str], old: str, new: str) -> dict[str, str]:
    return {key: (new if value == old else value) for key, value in target.items()}
