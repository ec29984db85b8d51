"""The rate-limiter port sees every Bot API call the adapter makes: a live reply's and an
outbox message's alike (`core.delivery.ratelimit`)."""

from __future__ import annotations

import asyncio

from bot.bootstrap import App, build_telegram
from core.clock import MonotonicTimer
from core.delivery import OutboxItem
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.domain import Platform
from tests.adapters.recording_limiter import RecordingLimiter
from tests.adapters.telegram.conftest import TIME_SCALE, Handled, Telegram
from tests.digests.helpers import FAST
from tests.support.telegram import FakeBotApi


def api_name(method: str) -> str:
    """python-telegram-bot's `send_message` is the Bot API's `sendMessage`."""
    head, *rest = method.split("_")
    return head + "".join(word.capitalize() for word in rest)


async def test_live_replies_and_outbox_sends_pass_the_rate_limiter(
    app: App, fake_api: FakeBotApi
) -> None:
    limiter = RecordingLimiter()
    handled = Handled()
    adapter = build_telegram(
        app, limiter=limiter, timer=MonotonicTimer(TIME_SCALE), on_handled=handled
    )
    await adapter.start()
    try:
        telegram = Telegram(app, fake_api, adapter, handled)
        ana = fake_api.user(202, "Ana", "ana")

        seen = len(limiter.calls)
        live = await telegram.say(ana, "/help")
        assert [c.method for c in live] == ["sendMessage"]
        assert [(api_name(c.method), c.chat) for c in limiter.calls[seen:]] == [
            ("sendMessage", str(ana.id))
        ]

        sender = app.add_messenger(Platform.TELEGRAM, adapter.messenger, limits=FAST)
        target = {"chat_id": str(ana.id), "kind": "private"}
        item = OutboxItem(
            platform=Platform.TELEGRAM,
            chat_key=target["chat_id"],
            target=target,
            reply=encode_reply(Reply(text="your digest")),
            dedupe_key="limited",
        )
        await app.outbox.add([item])
        before, seen = len(fake_api.calls), len(limiter.calls)
        await app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 10)
        sent = telegram.calls_since(before)
        assert [c.method for c in sent] == ["sendMessage"]
        assert [(api_name(c.method), c.chat) for c in limiter.calls[seen:]] == [
            ("sendMessage", str(ana.id))
        ]
        assert fake_api.last_bot_message(ana.id)["text"] == "your digest"
    finally:
        await adapter.stop()
