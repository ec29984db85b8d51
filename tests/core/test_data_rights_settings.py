"""The export holds the person's settings too (tuning, digests, notification switches), and
/deleteme also stops what still waits to be sent for them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zipfile

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import OutboxState
from core.persistence.models import Account, OutboxMessage, TasteProfile
from tests.digests.helpers import account, dm_user, group_admin, pictures


async def test_the_export_holds_tuning_digests_and_notification_settings(app: App) -> None:
    ann = dm_user(app, "ann")
    await ann.say("/settings language de")
    await ann.say("/settings handles show")
    await ann.say("/feed tune more watercolor, less anime")
    await ann.say("/digest subscribe daily 08:30 Europe/Berlin 5 cats")
    await ann.say("/settings notifications like off")
    me = await account(app, "ann")
    data = await _exported(app, me)
    assert data["settings"] == {
        "language": "de",
        "show_linked_handles": True,
        "sensitive_posts": False,
        "sensitive_confirmed_at": None,
        "feed_tuning": "more watercolor, less anime",
    }
    (digest,) = data["digests"]
    assert (digest["schedule"], digest["size"], digest["topics"]) == (
        "daily 08:30 Europe/Berlin",
        5,
        "cats",
    )
    assert data["notifications_off"] == ["like"]


async def _exported(app: App, who: Account) -> dict:
    path = await app.services.account_data.export(who)
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("mosaic.json"))


async def test_deleteme_drops_waiting_digests_notifications_and_cross_posts(
    app: App, clock: FakeClock
) -> None:
    bob = await account(app, "bob")
    await pictures(app, bob, 4)
    ann = dm_user(app, "ann")
    await ann.say("/follow bob")
    await ann.say("/feed tune more lighthouses")
    assert "is set up" in await ann.text("/digest subscribe daily 08:30 Europe/Berlin 4")
    carl = dm_user(app, "carl")  # someone else with a digest: his stays queued
    await carl.say("/follow bob")
    assert "is set up" in await carl.text("/digest subscribe daily 08:30 Europe/Berlin 4")
    me = await account(app, "ann")
    (anns_post,) = await pictures(app, me, 1, prompt="a red kite")
    await app.services.engagement.like(bob, anns_post.id)  # a notification for ann
    group = group_admin(app, "gus", "g9")
    await group.say("/server crosspost on topic kite")
    (kite,) = await pictures(app, me, 1, prompt="another kite")

    clock.advance(hours=20)
    await app.scheduler.tick()  # queues both digests and ann's notification batch
    waiting = await OutboxMessage.filter(state=OutboxState.PENDING).values_list(
        "target", "dedupe_key"
    )
    keys = [key for _, key in waiting]
    assert {"user": "carl"} in [target for target, _ in waiting]
    assert len([key for key in keys if key.startswith("digest:")]) == 2  # ann's and carl's
    assert any(key.startswith("notify:") for key in keys)
    assert await OutboxMessage.exists(post_id=kite.id)
    assert await TasteProfile.exists(account_id=me.id)

    await app.services.account_data.delete(me)
    left = await OutboxMessage.filter(state=OutboxState.PENDING).values_list("target", flat=True)
    assert left == [{"user": "carl"}]  # only carl's digest still waits
    assert not await TasteProfile.exists(account_id=me.id)
    assert not await Account.exists(handle="ann")
