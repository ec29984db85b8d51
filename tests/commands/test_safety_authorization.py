"""The authorization matrix: who may do what, through the command layer, on both databases.

Six people (the post's owner, another user, an admin of the post's server, an admin of
another server, a global moderator, a banned user) × every mutating trust-and-safety action.
Each cell checks the effect, or that nothing changed.

Each cell starts from an empty database with people and servers the app has never seen: one
app serves a role's cells, and before each cell every row is deleted
(`tests.support.emptied`: ids are not restarted) and the cell's people, witness and servers
get ids of their own (their handles stay: the database is empty). So no row, and no copy the
process keeps of an account or a chat (by platform id or row id, both new), of an earlier
cell answers for this one; what the recording messenger got is cleared per cell. Every cell
runs even after one fails, and the test fails naming each failed cell.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.bootstrap import App
from core.domain import ModerationState, Platform, ReportState, SanctionKind
from core.persistence.models import Account, ModerationAction, Post, Report, Sanction
from core.settings import Settings
from core.social import Origin
from tests.support.chat import ChatUser
from tests.support.emptied import delete_every_row
from tests.support.images import png_bytes
from tests.support.safety import RecordingMessenger, in_server, recording_messenger

SERVER, OTHER_SERVER = "guild-a", "guild-b"
ROLES = ("owner", "other", "admin_here", "admin_elsewhere", "global_mod", "banned")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_GLOBAL_MODERATORS="gmod",
        MOSAIC_REPORT_HIDE_THRESHOLD=3,
        _env_file=None,
    )


@dataclass
class World:
    app: App
    people: dict[str, ChatUser]
    owner: Account
    post: Post
    messenger: RecordingMessenger


def person(app: App, name: str, cell: int) -> ChatUser:
    """`name` (their handle), with a platform id of cell `cell`'s own (0: the name itself)."""
    user = ChatUser(app, name, Platform.DISCORD)
    if cell:
        user.actor = replace(user.actor, user_id=f"{name}-{cell}")
    return user


async def world(app: App, cell: int = 0, messenger: RecordingMessenger | None = None) -> World:
    """The people, post, ban and report; in cell `cell` (0: the only one), with ids of its own."""
    messenger = messenger or recording_messenger(app)
    here, elsewhere = (SERVER, OTHER_SERVER) if not cell else (f"a{cell}", f"b{cell}")
    people = {
        "owner": in_server(person(app, "owner", cell), here),
        "other": in_server(person(app, "other", cell), here),
        "admin_here": in_server(person(app, "ada", cell), here, admin=True),
        "admin_elsewhere": in_server(person(app, "eve", cell), elsewhere, admin=True),
        "global_mod": person(app, "gmod", cell),  # in a DM: rights come from config
        "banned": in_server(person(app, "bandit", cell), here),
    }
    accounts = {role: await app.dispatcher.account_for(p.actor) for role, p in people.items()}
    owner = accounts["owner"]
    post = await app.services.posts.create(
        owner, png_bytes((9, 9, 9)), origin=Origin(Platform.DISCORD, "c", here)
    )
    await app.services.safety.sanctions.impose(
        accounts["banned"], SanctionKind.BAN, platform=None, server_id=None, until=None,
        reason="spam", by=accounts["global_mod"],
    )  # fmt: skip
    # one open report (by someone outside the matrix), so dismiss has something to close
    witness = await app.services.accounts.resolve(
        Platform.DISCORD, person(app, "witness", cell).actor.user_id, "witness"
    )
    await Report.create(
        reporter=witness, target_kind="post", target_key=f"post:{post.id}", post=post,
        subject=owner, reason="meh", platform=Platform.DISCORD, server_id=here,
    )  # fmt: skip
    return World(app, people, owner, post, messenger)


async def audit_entries() -> int:
    return await ModerationAction.all().count()


# action name → (command line, who may do it)
MODERATORS = {"admin_here", "global_mod"}
SANCTIONERS = {"admin_here", "admin_elsewhere", "global_mod"}  # each in their own server
ACTIONS: dict[str, tuple[str, set[str]]] = {
    "report": ("/report post {post} looks like spam", {"other", "admin_here", "admin_elsewhere",
                                                      "global_mod"}),
    "dismiss": ("/mod dismiss {post} fine by me", MODERATORS),
    "hide": ("/mod hide {post} not here", MODERATORS),
    "delete": ("/mod delete {post} illegal", MODERATORS),
    "warn": ("/mod warn owner be nice", SANCTIONERS),
    "mute": ("/mod mute owner 5 cool down", SANCTIONERS),
    "ban": ("/mod ban owner server enough", {"admin_here", "admin_elsewhere"}),
    "ban_global": ("/mod ban owner global enough", {"global_mod"}),
}  # fmt: skip


async def effect(w: World, action: str, role: str) -> bool:
    """Whether `action` took effect (checked in the database, not in the reply)."""
    post = await Post.get(id=w.post.id)
    match action:
        case "report":
            return await Report.filter(post_id=post.id).count() == 2
        case "dismiss":
            return not await Report.exists(post_id=post.id, state=ReportState.OPEN)
        case "hide":
            return post.moderation is ModerationState.HIDDEN
        case "delete":
            return post.deleted_at is not None and post.moderation is ModerationState.REMOVED
        case "warn":
            return await audit_entries() == 1
        case "mute" | "ban" | "ban_global":
            kind = SanctionKind.MUTE if action == "mute" else SanctionKind.BAN
            return await Sanction.exists(account=w.owner, kind=kind)
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
async def test_authorization_matrix(app: App, database_url: str, role: str) -> None:
    """Every action by `role`, each in a cell of its own (see the module's docstring)."""
    messenger = recording_messenger(app)
    failed: dict[str, str] = {}
    for cell, action in enumerate(sorted(ACTIONS), start=1):
        await delete_every_row(database_url)
        messenger.sent.clear()
        messenger.deleted.clear()
        try:
            await check_cell(await world(app, cell, messenger), action, role)
        except AssertionError as failure:
            failed[action] = str(failure)
    assert not failed, "\n".join(f"{role} × {action}: {why}" for action, why in failed.items())


async def check_cell(w: World, action: str, role: str) -> None:
    owner = w.people["owner"].actor.user_id
    line, allowed = ACTIONS[action]
    replies = await w.people[role].say(line.format(post=w.post.id))

    if role in allowed:
        assert not replies[0].is_error, replies[0].text
        assert await effect(w, action, role)
        if action != "report":
            assert await audit_entries() == 1
        if action not in ("report", "dismiss"):
            # the author hears about what happened to them, with the reason
            (notice,) = w.messenger.texts_to(owner)
            assert line.split()[-1] in notice
    else:
        assert replies[0].is_error
        assert not await effect(w, action, role)
        assert await audit_entries() == 0
        assert w.messenger.texts_to(owner) == []
        expected = "You are banned from Mosaic" if role == "banned" and action == "report" else ""
        assert expected in replies[0].text


async def test_a_server_sanction_stays_in_its_server(app: App) -> None:
    w = await world(app)
    await w.people["admin_elsewhere"].say("/mod ban owner server enough")
    owner = w.people["owner"]
    assert not (await owner.say(f"/like {w.post.id}"))[0].is_error  # in guild-a: fine
    in_server(owner, OTHER_SERVER)
    refused = await owner.say(f"/like {w.post.id}")
    assert refused[0].is_error and "banned from Mosaic in this server" in refused[0].text


async def test_muted_people_are_refused_everything_that_creates(app: App, clock) -> None:
    w = await world(app)
    await w.people["admin_here"].say("/mod mute other 2 flooding")
    other = w.people["other"]
    for line in (f"/like {w.post.id}", f"/comment {w.post.id} hi", "/imagine a cat",
                 f"/report post {w.post.id} again", f"/remix {w.post.id} blue"):  # fmt: skip
        reply = (await other.say(line))[0]
        assert reply.is_error and "muted until" in reply.text, (line, reply.text)
    assert not (await other.say(f"/show {w.post.id}"))[0].is_error  # reading is fine
    clock.advance(seconds=2 * 3600 + 1)
    assert not (await other.say(f"/like {w.post.id}"))[0].is_error


async def test_a_mute_applies_from_the_next_command_after_allowed_ones(app: App, clock) -> None:
    """Each process keeps the sanctions it looked up (`Sanctions.active`): one imposed
    after a person's allowed commands refuses the next, and its end allows them again."""
    w = await world(app)
    other = w.people["other"]
    assert not (await other.say(f"/like {w.post.id}"))[0].is_error  # none kept for them
    assert not (await other.say(f"/unlike {w.post.id}"))[0].is_error
    await w.people["admin_here"].say("/mod mute other 2 flooding")
    reply = (await other.say(f"/like {w.post.id}"))[0]
    assert reply.is_error and "muted until" in reply.text, reply.text
    clock.advance(seconds=2 * 3600 + 1)  # the kept mute has run out
    assert not (await other.say(f"/like {w.post.id}"))[0].is_error


async def test_the_audit_log_shows_each_server_its_own(app: App) -> None:
    w = await world(app)
    await w.people["admin_here"].say("/mod warn owner first")
    await w.people["admin_elsewhere"].say("/mod warn owner second")
    here = await w.people["admin_here"].text("/mod log")
    assert "first" in here and "second" not in here
    everything = await w.people["global_mod"].text("/mod log")
    assert "first" in everything and "second" in everything
    refused = (await w.people["other"].say("/mod log"))[0]
    assert refused.is_error


async def test_admins_of_a_server_the_post_was_delivered_in_may_take_it_down(app: App) -> None:
    """Moderators moderate what was posted *or delivered* in their server (a digest there)."""
    w = await world(app)
    eve = w.people["admin_elsewhere"]
    hide = f"/mod hide {w.post.id} not in our server"
    refused = await eve.say(hide)
    assert refused[0].is_error and not await effect(w, "hide", "admin_elsewhere")
    # a digest delivered the post into the other server (recorded when the bot sent it)
    await app.services.sent_messages.record(
        Platform.DISCORD, "b-digests", "m9", None, server_id=OTHER_SERVER, shows=[w.post.id]
    )
    # a member there reports it: the report goes to that server's queue
    member = in_server(ChatUser(app, "mia", Platform.DISCORD), OTHER_SERVER)
    assert not (await member.say(f"/report post {w.post.id} offensive"))[0].is_error
    assert "offensive" in await eve.text("/mod queue")
    assert "offensive" not in await w.people["admin_here"].text("/mod queue")
    # ...and its admin may act on the post
    done = await eve.say(hide)
    assert not done[0].is_error, done[0].text
    assert await effect(w, "hide", "admin_elsewhere")
    assert "not in our server" in w.messenger.texts_to("owner")[0]
    # an admin of a third server, where it never went, still may not
    third = in_server(ChatUser(app, "tom", Platform.DISCORD), "guild-c", admin=True)
    assert (await third.say(f"/mod delete {w.post.id} nope"))[0].is_error
    assert (await Post.get(id=w.post.id)).deleted_at is None
