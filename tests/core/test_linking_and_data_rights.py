"""One person across platforms, and the right to export and delete, on both databases."""

from __future__ import annotations

import json
import zipfile

import pytest
from tortoise import Tortoise
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Platform
from core.errors import Conflict, InvalidInput, LimitExceeded
from core.persistence.models import (
    Account,
    Comment,
    Follow,
    Identity,
    Post,
    Reaction,
)
from core.social import Origin
from core.social.linking import MERGED_ACCOUNT_REFERENCES
from tests.support.images import png_bytes


async def person(app: App, platform: Platform, user_id: str, name: str) -> Account:
    return await app.services.accounts.resolve(platform, user_id, name, handle_hint=name)


async def link(app: App, issuer: tuple[Platform, str], redeemer: tuple[Platform, str]) -> Account:
    code = await app.services.linking.issue_code(*issuer)
    return await app.services.linking.redeem(*redeemer, code.code)


def account_foreign_keys() -> set[tuple[str, str]]:
    found = set()
    for model in Tortoise.apps["models"].values():
        for name in model._meta.fk_fields | model._meta.o2o_fields:
            field = model._meta.fields_map[name]
            if isinstance(field, ForeignKeyFieldInstance | OneToOneFieldInstance) and (
                field.related_model is Account
            ):
                found.add((model._meta.db_table, field.source_field))
    return found


async def test_every_reference_to_an_account_is_merged(app: App) -> None:
    assert account_foreign_keys() == MERGED_ACCOUNT_REFERENCES


async def test_link_merges_without_duplicates(app: App) -> None:
    tg = await person(app, Platform.TELEGRAM, "100", "bob_tg")
    dc = await person(app, Platform.DISCORD, "200", "bob_dc")
    carol = await person(app, Platform.CONSOLE, "carol", "carol")
    posts = app.services.posts
    carols = await posts.create(carol, png_bytes((1, 1, 1)), origin=Origin(Platform.CONSOLE))
    tg_post = await posts.create(tg, png_bytes((2, 2, 2)), origin=Origin(Platform.TELEGRAM))
    for account in (tg, dc):  # both follow carol and both like her post
        await app.services.graph.follow(account, carol)
        await app.services.engagement.like(account, carols.id)
    await app.services.graph.follow(dc, tg)  # following each other collapses away
    await app.services.engagement.comment(dc, carols.id, "from discord")
    assert (await Post.get(id=carols.id)).like_count == 2

    merged = await link(app, (Platform.TELEGRAM, "100"), (Platform.DISCORD, "200"))
    assert merged.id == tg.id
    assert not await Account.exists(id=dc.id)
    assert await Identity.filter(account_id=tg.id).count() == 2
    assert await Follow.filter(follower_id=tg.id, followee_id=carol.id).count() == 1
    assert not await Follow.filter(followee_id=tg.id, follower_id=tg.id).exists()
    assert await Reaction.filter(account_id=tg.id, post_id=carols.id).count() == 1
    assert (await Post.get(id=carols.id)).like_count == 1
    assert (await Post.get(id=tg_post.id)).author_id == tg.id  # posts keep their ids
    assert (await Comment.get(text="from discord")).author_id == tg.id
    # a follow of the person works from either platform now
    assert (await app.services.accounts.resolve(Platform.DISCORD, "200", "x")).id == tg.id


async def test_codes_are_single_use_expire_and_need_another_platform(
    app: App, clock: FakeClock
) -> None:
    await person(app, Platform.TELEGRAM, "1", "ann")
    await person(app, Platform.DISCORD, "2", "ann_dc")
    await person(app, Platform.TELEGRAM, "3", "other_tg")
    linking = app.services.linking
    code = await linking.issue_code(Platform.TELEGRAM, "1")
    with pytest.raises(InvalidInput) as same:
        await linking.redeem(Platform.TELEGRAM, "3", code.code)
    assert same.value.key == "error.link_same_platform"
    clock.advance(minutes=11)
    with pytest.raises(InvalidInput) as expired:
        await linking.redeem(Platform.DISCORD, "2", code.code)
    assert expired.value.key == "error.link_code_invalid"
    fresh = await linking.issue_code(Platform.TELEGRAM, "1")
    await linking.redeem(Platform.DISCORD, "2", fresh.code.lower())  # case does not matter
    with pytest.raises(InvalidInput):
        await linking.redeem(Platform.DISCORD, "2", fresh.code)  # used
    with pytest.raises(Conflict):
        await linking.redeem(
            Platform.DISCORD, "2", (await linking.issue_code(Platform.TELEGRAM, "1")).code
        )


async def test_brute_force_is_limited_per_identity(app: App, clock: FakeClock) -> None:
    await person(app, Platform.TELEGRAM, "1", "ann")
    await person(app, Platform.DISCORD, "2", "mallory")
    real = await app.services.linking.issue_code(Platform.TELEGRAM, "1")
    for guess in range(5):
        with pytest.raises(InvalidInput):
            await app.services.linking.redeem(Platform.DISCORD, "2", f"WRONG{guess:03d}")
    with pytest.raises(LimitExceeded):
        await app.services.linking.redeem(Platform.DISCORD, "2", real.code)  # even the right one
    clock.advance(minutes=61)
    fresh = await app.services.linking.issue_code(Platform.TELEGRAM, "1")
    await app.services.linking.redeem(Platform.DISCORD, "2", fresh.code)


async def test_unlink_and_relink(app: App) -> None:
    tg = await person(app, Platform.TELEGRAM, "1", "ann")
    await person(app, Platform.DISCORD, "2", "ann_dc")
    merged = await link(app, (Platform.TELEGRAM, "1"), (Platform.DISCORD, "2"))
    post = await app.services.posts.create(merged, png_bytes(), origin=Origin(Platform.DISCORD))
    fresh = await app.services.linking.unlink(merged, Platform.DISCORD)
    assert (await Identity.get(platform=Platform.DISCORD, platform_user_id="2")).account_id == (
        fresh.id
    )
    assert (await Post.get(id=post.id)).author_id == tg.id  # everything stays
    with pytest.raises(InvalidInput):
        await app.services.linking.unlink(await Account.get(id=tg.id), Platform.TELEGRAM)
    again = await link(app, (Platform.TELEGRAM, "1"), (Platform.DISCORD, "2"))
    assert again.id == tg.id and not await Account.exists(id=fresh.id)


async def test_export_holds_what_the_person_made(app: App) -> None:
    ann = await person(app, Platform.CONSOLE, "ann", "ann")
    bob = await person(app, Platform.CONSOLE, "bob", "bob")
    mine = await app.services.posts.create(
        ann, png_bytes((5, 5, 5)), caption="mine #sun", origin=Origin(Platform.CONSOLE)
    )
    theirs = await app.services.posts.create(
        bob, png_bytes((6, 6, 6)), origin=Origin(Platform.CONSOLE)
    )
    await app.services.engagement.like(ann, theirs.id)
    await app.services.engagement.comment(ann, theirs.id, "nice one")
    await app.services.graph.follow(ann, bob)
    path = await app.services.account_data.export(ann)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("mosaic.json"))
        stored = app.services.images.path(mine.image_id)
        assert stored.suffix in {".png", ".webp"}
        assert archive.read(f"images/{mine.image_id}{stored.suffix}") == stored.read_bytes()
    assert [p["caption"] for p in data["posts"]] == ["mine #sun"]
    assert data["posts"][0]["image"] == f"images/{mine.image_id}{stored.suffix}"
    assert data["likes"] == [{"post": theirs.id, "created_at": data["likes"][0]["created_at"]}]
    assert [c["text"] for c in data["comments"]] == ["nice one"]
    assert data["following"] == ["bob"]


async def test_deleteme_removes_the_account_and_keeps_others(app: App) -> None:
    ann = await person(app, Platform.CONSOLE, "ann", "ann")
    bob = await person(app, Platform.CONSOLE, "bob", "bob")
    anns = await app.services.posts.create(
        ann, png_bytes((7, 7, 7)), origin=Origin(Platform.CONSOLE)
    )
    bobs = await app.services.posts.create(
        bob, png_bytes((8, 8, 8)), origin=Origin(Platform.CONSOLE)
    )
    remix = await app.services.posts.create(
        bob, png_bytes((9, 9, 9)), origin=Origin(Platform.CONSOLE), remix_of=anns
    )
    await app.services.engagement.like(ann, bobs.id)
    await app.services.engagement.comment(ann, bobs.id, "hi")
    await app.services.graph.follow(ann, bob)
    await app.services.graph.follow(bob, ann)
    image = app.services.images.path(anns.image_id)
    bob_before = await Post.filter(author=bob).order_by("id").values_list("id", "caption")

    await app.services.account_data.delete(ann)
    for table, column in account_foreign_keys():
        rows = await Tortoise.get_connection(app.database.dialect).execute_query_dict(
            f'SELECT COUNT(*) AS n FROM "{table}" WHERE "{column}" = {int(ann.id)}'
        )
        assert rows[0]["n"] == 0, (table, column)
    assert not image.exists()
    assert await Post.filter(author=bob).order_by("id").values_list("id", "caption") == (bob_before)
    left = await Post.get(id=remix.id)
    assert left.remix_of_id is None and left.remix_parent_gone
    assert not await Follow.filter(followee=bob).exists()
    counters = await Post.get(id=bobs.id)
    assert (counters.like_count, counters.comment_count) == (0, 0)
