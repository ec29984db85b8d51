"""The "done when" of digests on Telegram, end to end through python-telegram-bot and the
fake Bot API: an admin subscribes a group with `/digest subscribe`; nothing comes before the
time; at the time the group gets one collage photo with a button per item, exactly once
however often the scheduler ticks; its buttons work for the members."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from core.clock import FakeClock
from core.digests.collage import GAP, HEADER, TILE
from core.domain import Platform
from core.persistence.models import Reaction
from tests.adapters.telegram.conftest import Telegram, texts
from tests.digests.helpers import account, pictures


async def test_a_group_digest_arrives_on_schedule_as_a_collage_with_buttons_once(
    telegram: Telegram, clock: FakeClock
) -> None:
    fake, app = telegram.fake, telegram.app
    boss = fake.user(11, "Boss", "boss")
    mia = fake.user(12, "Mia", "mia")
    group = fake.group(-1007001, "Painters", admins=[boss], members=[mia])
    await pictures(app, await account(app, "bob"), 6)

    refused = await telegram.say(mia, "/digest subscribe daily 08:30 Europe/Berlin 4", chat=group)
    assert "Only the admins" in texts(refused)[0]
    answer = await telegram.say(boss, "/digest subscribe daily 08:30 Europe/Berlin 4", chat=group)
    assert "Digest #1 is set up" in texts(answer)[0]

    sender = app.scheduler.senders[Platform.TELEGRAM]

    async def tick() -> None:
        await app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 20)

    await tick()
    clock.advance(hours=19, minutes=29)  # Tuesday 07:29 UTC = 08:29 in Berlin
    await tick()
    assert fake.sent(group, "sendPhoto") == []  # not yet
    clock.advance(minutes=2)
    await tick()
    await tick()  # the same period again: nothing more
    clock.advance(hours=3)
    await tick()

    (digest,) = fake.sent(group, "sendPhoto")
    message = digest.result
    caption = message["caption"]
    assert caption.startswith("📰 Digest of Painters") and "2026-01-06" in caption
    assert caption.count(" by @bob") == 4 and "AI-generated" in caption
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [
        [f"🔎 {n}", f"❤ {n}", f"🎨 {n}"] for n in range(1, 5)
    ]
    with Image.open(io.BytesIO(fake.files[message["photo"][0]["file_id"]])) as collage:
        assert collage.size == (2 * TILE + 3 * GAP, HEADER + 2 * TILE + 3 * GAP)  # 2 × 2 tiles

    pressed = await telegram.press(mia, message, "❤ 1")
    assert "like" in (telegram.answer(pressed)["text"] + " ".join(texts(pressed))).lower()
    assert await Reaction.all().count() == 1
    assert [r for r in fake.rejections] == []
