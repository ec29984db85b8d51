"""The authorization matrix on Telegram, through python-telegram-bot and the fake Bot API.

Six people (the post's owner, another member, an admin of the post's group, an admin of
another group, a global moderator, a banned member) × every mutating action. Group-admin
status comes from the platform only: the adapter asks `getChatMember` (the fake answers
from its own member list), nothing the client sends can claim it. Each cell checks the
effect in the database, or that nothing changed.

Each cell starts from an empty database and people and chats the bot has never seen: one
bot and one fake serve a role's fourteen cells (a bot per cell cost ~0.3 CPU-s, 168 of them),
and before each cell every row is deleted (`tests.support.emptied`: the migrations' record
stays, ids are not restarted) and the cell's people and groups get platform ids of their own.
So nothing of an earlier cell can answer for this one: not a row (gone), not a per-process
copy of an account or chat (kept by platform id or row id, both new), not the fake's rate
windows or member lists (new chats); the fake's rejections are cleared and checked per cell.
Every cell runs even after one fails, and the test fails naming each failed cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from core.domain import GenerationAccess, ModerationState, Platform, ReportState, SanctionKind
from core.persistence.models import (
    Account,
    Destination,
    DigestSubscription,
    ModerationAction,
    Post,
    Report,
    Sanction,
)
from core.safety import Standing
from core.settings import Settings
from core.social import Origin
from tests.adapters.telegram.conftest import Telegram, telegram_settings
from tests.support.emptied import delete_every_row
from tests.support.images import png_bytes
from tests.support.telegram import FakeBotApi
from tests.support.telegram.server import FakeChat, FakeUser

GROUP, OTHER_GROUP = -100111, -100222
ROLES = ("owner", "other", "admin_here", "admin_elsewhere", "global_mod", "banned")


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(
        tmp_path,
        database_url,
        fake_api,
        MOSAIC_GLOBAL_MODERATORS="gmod",
    )


@dataclass
class World:
    telegram: Telegram
    people: dict[str, FakeUser]
    where: dict[str, FakeChat | None]  # the chat each person acts in (None: private)
    owner: Account
    post: Post
    group: int  # the post's group


async def world(telegram: Telegram, cell: int) -> World:
    """The people, groups, post, ban and report of one cell; platform ids of cell `cell`'s own
    (the handles are the same in every cell: the database is empty when it starts)."""
    app, fake = telegram.app, telegram.fake
    user_id, group_id = 100 * cell, 1000 * cell  # user ids 1-6 and 99, groups GROUP, OTHER_GROUP
    people = {
        "owner": fake.user(user_id + 1, "Owner", "owner"),
        "other": fake.user(user_id + 2, "Other", "other"),
        "admin_here": fake.user(user_id + 3, "Ada", "ada"),
        "admin_elsewhere": fake.user(user_id + 4, "Eve", "eve"),
        "global_mod": fake.user(user_id + 5, "Gina", "gmod"),
        "banned": fake.user(user_id + 6, "Bandit", "bandit"),
    }
    here = fake.group(
        GROUP - group_id,
        "Painters",
        members=[people["owner"], people["other"], people["banned"]],
        admins=[people["admin_here"]],
    )
    elsewhere = fake.group(
        OTHER_GROUP - group_id,
        "Sculptors",
        members=[people["owner"]],
        admins=[people["admin_elsewhere"]],
    )
    where: dict[str, FakeChat | None] = {
        "owner": here,
        "other": here,
        "admin_here": here,
        "admin_elsewhere": elsewhere,
        "global_mod": None,  # in a private chat: rights come from the configuration
        "banned": here,
    }
    accounts = {
        role: await app.services.accounts.resolve(
            Platform.TELEGRAM, str(user.id), user.first_name, handle_hint=user.username or ""
        )
        for role, user in people.items()
    }
    owner = accounts["owner"]
    post = await app.services.posts.create(
        owner,
        png_bytes((9, 9, 9)),
        caption="a post",
        origin=Origin(Platform.TELEGRAM, str(here.id), str(here.id)),
    )
    await app.services.safety.moderation.ban(
        Standing(accounts["global_mod"], Platform.TELEGRAM),
        accounts["banned"],
        everywhere=True,
        reason="spam",
    )
    # one open report (by someone outside the matrix), so dismiss has something to close
    witness = await app.services.accounts.resolve(Platform.TELEGRAM, str(user_id + 99), "Witness")
    await Report.create(
        reporter=witness, target_kind="post", target_key=f"post:{post.id}", post=post,
        subject=owner, reason="meh", platform=Platform.TELEGRAM, server_id=str(here.id),
    )  # fmt: skip
    return World(telegram, people, where, owner, post, here.id)


MODERATORS = {"admin_here", "global_mod"}
SANCTIONERS = {"admin_here", "admin_elsewhere", "global_mod"}  # each in their own group
# action → (command line, who may do it to the post's group or its owner)
ACTIONS: dict[str, tuple[str, set[str]]] = {
    "delete_own": ("/delete {post}", {"owner"}),
    "report": ("/report post {post} looks like spam", {"other", "admin_here", "admin_elsewhere",
                                                      "global_mod"}),
    "dismiss": ("/mod dismiss {post} fine by me", MODERATORS),
    "hide": ("/mod hide {post} not here", MODERATORS),
    "mod_delete": ("/mod delete {post} illegal", MODERATORS),
    "warn": ("/mod warn owner be nice", SANCTIONERS),
    "mute": ("/mod mute owner 5 cool down", SANCTIONERS),
    "ban": ("/mod ban owner server enough", {"admin_here", "admin_elsewhere"}),
    "ban_global": ("/mod ban owner global enough", {"global_mod"}),
    # the group's own settings: only its admins change them (others' tries change nothing
    # here; an admin of another group changes only that group)
    "policy_nsfw": ("/server nsfw on", {"admin_here"}),
    "policy_words": ("/server words add dragons", {"admin_here"}),
    "policy_access": ("/server access nobody", {"admin_here"}),
    "policy_cap": ("/server cap 3", {"admin_here"}),
    "digest_subscribe": ("/digest subscribe daily 08:30 UTC", {"admin_here"}),
}  # fmt: skip
ADMIN_CHECKED = {"policy_nsfw", "policy_words", "policy_access", "policy_cap", "digest_subscribe"}


async def effect(w: World, action: str) -> bool:
    """Whether `action` took effect on the post's group or its owner (checked in the DB)."""
    post = await Post.get(id=w.post.id)
    group = await Destination.get_or_none(platform=Platform.TELEGRAM, chat_id=str(w.group))
    match action:
        case "delete_own":
            return post.deleted_at is not None and post.moderation is ModerationState.VISIBLE
        case "report":
            return await Report.filter(post_id=post.id).count() == 2
        case "dismiss":
            return not await Report.exists(post_id=post.id, state=ReportState.OPEN)
        case "hide":
            return post.moderation is ModerationState.HIDDEN
        case "mod_delete":
            return post.deleted_at is not None and post.moderation is ModerationState.REMOVED
        case "warn":
            return await ModerationAction.filter(action="warn").exists()
        case "mute" | "ban" | "ban_global":
            kind = SanctionKind.MUTE if action == "mute" else SanctionKind.BAN
            return await Sanction.exists(account=w.owner, kind=kind)
        case "policy_nsfw":
            return group is not None and group.nsfw_allowed
        case "policy_words":
            return group is not None and "dragons" in group.blocked_words
        case "policy_access":
            return group is not None and group.generation_access is GenerationAccess.NOBODY
        case "policy_cap":
            return group is not None and group.member_daily_cap == 3
        case "digest_subscribe":
            return group is not None and await DigestSubscription.exists(destination=group)
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
async def test_authorization_matrix_on_telegram(
    telegram: Telegram, database_url: str, role: str
) -> None:
    """Every action by `role`, each in a cell of its own (see the module's docstring)."""
    failed: dict[str, str] = {}
    for cell, action in enumerate(sorted(ACTIONS), start=1):
        await delete_every_row(database_url)
        telegram.fake.rejections.clear()
        try:
            await check_cell(telegram, await world(telegram, cell), action, role)
        except AssertionError as failure:
            failed[action] = str(failure)
    assert not failed, "\n".join(f"{role} × {action}: {why}" for action, why in failed.items())


async def check_cell(telegram: Telegram, w: World, action: str, role: str) -> None:
    line, allowed = ACTIONS[action]
    user, chat = w.people[role], w.where[role]
    calls = await telegram.say(user, line.format(post=w.post.id), chat=chat)
    answers = [c for c in calls if c.ok and c.method == "sendMessage"]
    assert answers, f"{role} got no answer to {line}"

    assert await effect(w, action) is (role in allowed), answers[-1].params.get("text")
    if action in ADMIN_CHECKED and chat is not None:
        # admin rights were asked of the platform, for this user in this chat
        asked = [c for c in calls if c.method == "getChatMember"]
        assert [(c.chat_id, int(c.params["user_id"])) for c in asked] == [(chat.id, user.id)]
    if role not in allowed and not (chat is not w.where["owner"] and action in ADMIN_CHECKED):
        # refused (an admin of another group, or someone in a private chat, changes only
        # their own place: that is not a refusal, and the post's group stays as it was)
        assert answers[-1].params["text"].startswith("⚠️"), answers[-1].params["text"]
    if role not in allowed and action not in ADMIN_CHECKED:
        assert await ModerationAction.all().count() == 1  # the setup's ban only
    assert telegram.fake.rejections == []
