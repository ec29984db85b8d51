"""Challenges on SQLite and PostgreSQL, through the command layer (console users): start,
enter, vote and its abuse rules, moderation in the audit log, the weekly theme chosen once,
and results queued exactly once for every follower, also across a leader that died."""

from __future__ import annotations

import asyncio
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App
from core.challenges import NEW_ACCOUNT_DELAY, VOTES_PER_HOUR, results_key, weekly_key
from core.challenges.themes import FALLBACK_THEMES
from core.clock import FakeClock
from core.domain import Audience, ChallengeState, ModerationState, OutboxState, Platform
from core.persistence.models import (
    Account,
    Challenge,
    ChallengeEntry,
    ChallengeVote,
    Identity,
    ModerationAction,
    OutboxMessage,
    Post,
)
from core.settings import Settings
from core.social import Origin
from tests.digests.helpers import (
    RecordingMessenger,
    console_sender,
    deliver,
    dm_user,
    group_admin,
)
from tests.support.chat import ChatUser, find_button
from tests.support.images import png_bytes

MODERATOR = "mod"


@pytest.fixture
def clock() -> FakeClock:
    # Accounts are stamped with the real time when made: the challenge clock starts just
    # after, so people made in a test were there before its challenges began.
    return FakeClock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_GLOBAL_MODERATORS=MODERATOR,
        MOSAIC_WEEKLY_CHALLENGE=True,
        _env_file=None,
    )


async def public_post(app: App, user: ChatUser, prompt: str, shade: int = 0) -> Post:
    account = await app.services.accounts.resolve(
        user.actor.platform,
        user.actor.user_id,
        user.actor.display_name,
        handle_hint=user.actor.handle_hint,
    )
    post = await app.services.posts.create(
        account,
        png_bytes((40 + shade * 30 % 200, 90, 150), size=(96, 72)),
        caption=prompt,
        audience=Audience.PUBLIC,
        origin=Origin(Platform.CONSOLE),
    )
    return post


async def entry_of(post: Post) -> ChallengeEntry:
    return await ChallengeEntry.get(post_id=post.id)


async def test_a_global_challenge_from_start_to_results(app: App, clock: FakeClock) -> None:
    mod = dm_user(app, MODERATOR)
    ann, ben, cat = (dm_user(app, name) for name in ("ann", "ben", "cat"))
    for user in (ann, ben, cat):
        await user.say("/help")  # they use Mosaic before the challenge begins

    assert "No challenge is running" in await ann.text("/challenge")
    refused = await ann.text("/challenge start lighthouses 2d")
    assert "Only Mosaic's global moderators can start the global challenge" in refused
    started = await mod.text("/challenge start lighthouses at night 2d")
    assert "The global challenge “lighthouses at night” has begun" in started
    assert "in 2 days" in started
    assert "already running" in await mod.text("/challenge start other 1d")

    # A group follows challenges; its admin says so, a member may not.
    admin = group_admin(app, "gail", "g1")
    member = group_admin(app, "mo", "g1", admin=False)
    assert "admins" in (await member.text("/challenge follow"))
    assert "now gets challenge entries" in await admin.text("/challenge follow")

    anns = await public_post(app, ann, "a lighthouse in a storm", 1)
    bens = await public_post(app, ben, "lighthouse with fireflies", 2)
    assert "not yours" in await ann.text(f"/challenge enter {bens.id}")
    private = await app.services.posts.create(
        await Account.get(handle="ann"),
        png_bytes((5, 5, 5)),
        audience=Audience.PRIVATE,
        origin=Origin(Platform.CONSOLE),
    )
    assert "only posts everyone may see" in await ann.text(f"/challenge enter {private.id}")
    entered = await ann.text(f"/challenge enter {anns.id}")
    assert f"Post #{anns.id} is entry" in entered
    assert "already" in await ann.text(f"/challenge enter {anns.id}")
    await ben.say(f"/challenge enter {bens.id}")
    a_entry, b_entry = await entry_of(anns), await entry_of(bens)

    # The group got both entries through the outbox, each with a vote button.
    queued = await OutboxMessage.filter(dedupe_key__startswith="challenge-entry:").count()
    assert queued == 2

    # /challenge shows the theme, the time left and the entries with their vote buttons.
    shown = await cat.say("/challenge")
    assert shown[0].title == "🏆 Challenge: lighthouses at night"
    assert "2 entries so far." in shown[0].text
    assert [r.post_id for r in shown[1:]] == [anns.id, bens.id]
    vote = find_button(shown[1:2], "challenge vote")
    assert "counts" in (await cat.press(vote))[0].text
    assert "already" in (await cat.press(vote))[0].text  # one vote per person per entry
    assert "own entry" in await ann.text(f"/challenge vote {a_entry.id}")  # no self-vote
    assert "counts" in await ann.text(f"/challenge vote {b_entry.id}")
    assert "counts" in await ben.text(f"/challenge vote {a_entry.id}")

    # A moderator voids Ben's vote for Ann: it stops counting, and the audit log says so.
    voided = await mod.text(f"/challenge void {a_entry.id} @ben swapped votes")
    assert "is void" in voided
    log = await ModerationAction.get(action="challenge_void_vote")
    assert log.moderator_handle == MODERATOR and log.subject_handle == "ben"
    assert log.reason == "swapped votes"
    no_rights = await ann.text(f"/challenge void {a_entry.id} @cat")
    assert "Only Mosaic's global moderators can moderate the global challenge" in no_rights

    # Results: the group gets them once, with the collage and buttons, after the end.
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    assert messenger.to(chat_id="g1") and all(
        r.title and r.title.startswith("Entry ") for r in messenger.to(chat_id="g1")
    )
    clock.advance(days=2, seconds=1)
    await deliver(app, sender)
    await deliver(app, sender)  # a second tick queues nothing new
    results = [r for r in messenger.to(chat_id="g1") if r.title and "results" in r.title]
    assert len(results) == 1
    (result,) = results
    assert result.title == "🏆 Challenge results: lighthouses at night"
    # Ann and Ben each have one counted vote (Cat's, Ann's); ties go to the earlier entry.
    assert result.text.splitlines() == [
        "🥇 “a lighthouse in a storm” by @ann · 1 vote",
        "🥈 “lighthouse with fireflies” by @ben · 1 vote",
    ]
    assert len(result.images) == 1 and result.images[0].path.exists()
    labels = [[b.label for b in row] for row in result.buttons]
    assert labels == [["🔎 Open 1", "❤ Like 1"], ["🔎 Open 2", "❤ Like 2"], ["🏅 Leaderboard"]]
    assert set(result.shows) == {anns.id, bens.id}
    challenge = await Challenge.get(theme="lighthouses at night")
    assert challenge.state is ChallengeState.FINISHED
    assert "voting has closed" in await cat.text(f"/challenge vote {b_entry.id}")
    assert "results are final" in await mod.text(f"/challenge void {a_entry.id} @cat")
    board = await cat.text("/challenge leaderboard")
    assert board.splitlines()[0].startswith("1. @ann: 1 win, 1 podium place")


async def test_linked_accounts_vote_once_and_merges_drop_doubles(app: App) -> None:
    mod = dm_user(app, MODERATOR)
    ann = dm_user(app, "ann")
    tg = ChatUser(app, "200", Platform.TELEGRAM)
    dc = ChatUser(app, "300", Platform.DISCORD)
    for user in (ann, tg, dc):
        await user.say("/help")
    await mod.say("/challenge start boats 1d")
    anns = await public_post(app, ann, "a paper boat")
    await ann.say(f"/challenge enter {anns.id}")
    entry = await entry_of(anns)

    # Both of one person's accounts voted before they were linked: one vote stays.
    assert "counts" in await tg.text(f"/challenge vote {entry.id}")
    assert "counts" in await dc.text(f"/challenge vote {entry.id}")
    code = await app.services.linking.issue_code(Platform.TELEGRAM, "200")
    await app.services.linking.redeem(Platform.DISCORD, "300", code.code)
    assert await ChallengeVote.filter(entry_id=entry.id).count() == 1
    # Linked, the person's second vote is refused on either platform.
    assert "already" in await dc.text(f"/challenge vote {entry.id}")
    assert "already" in await tg.text(f"/challenge vote {entry.id}")

    # The person's data export holds the vote.
    person = await Account.get(identities__platform_user_id="200")
    with zipfile.ZipFile(await app.services.account_data.export(person)) as archive:
        data = json.loads(archive.read("mosaic.json"))
    (vote,) = data["challenge_votes"]
    assert (vote["entry"], vote["post"], vote["voided"]) == (entry.id, anns.id, False)


async def test_accounts_tied_by_their_owner_vote_once_though_not_linked(
    app: App, clock: FakeClock
) -> None:
    mod = dm_user(app, MODERATOR)
    ann = dm_user(app, "ann")
    tg = ChatUser(app, "200", Platform.TELEGRAM)
    dc = ChatUser(app, "300", Platform.DISCORD)
    tg2 = ChatUser(app, "201", Platform.TELEGRAM)  # the same person's second Telegram account
    stranger = ChatUser(app, "202", Platform.TELEGRAM)
    for user in (ann, tg, dc, tg2, stranger):
        await user.say("/help")
    await mod.say("/challenge start boats 1d")
    anns = await public_post(app, ann, "a paper boat")
    await ann.say(f"/challenge enter {anns.id}")
    entry = await entry_of(anns)
    challenge = await Challenge.get(theme="boats")
    linking = app.services.linking

    # Linked, voted, unlinked: the split-off account is still the same person.
    code = await linking.issue_code(Platform.TELEGRAM, "200")
    await linking.redeem(Platform.DISCORD, "300", code.code)
    assert "counts" in await tg.text(f"/challenge vote {entry.id}")
    assert "separate, empty account" in await dc.text("/unlink discord")
    refused = await dc.text(f"/challenge vote {entry.id}")
    assert "from another account of yours" in refused and "one person, one vote" in refused
    tgs = await public_post(app, tg, "a sail boat", 2)
    await tg.say(f"/challenge enter {tgs.id}")
    assert "own entry" in await dc.text(f"/challenge vote {(await entry_of(tgs)).id}")

    # Two Telegram accounts can never be linked; redeeming the other's live code is still
    # the person's own word. Their double vote, cast before, is voided (the first stays).
    assert "counts" in await tg2.text(f"/challenge vote {entry.id}")
    standings = await app.services.challenges.standings(challenge)
    assert [s.votes for s in standings if s.entry.id == entry.id] == [2]
    code = await linking.issue_code(Platform.TELEGRAM, "200")
    assert "two accounts of the same platform" in await tg2.text(f"/link {code.code}")
    votes = await ChallengeVote.filter(entry_id=entry.id).order_by("id")
    assert [v.voided_at is None for v in votes] == [True, False]
    standings = await app.services.challenges.standings(challenge)
    assert [s.votes for s in standings if s.entry.id == entry.id] == [1]
    assert "own entry" in await tg2.text(f"/challenge vote {(await entry_of(tgs)).id}")

    person = await Account.get(identities__platform_user_id="201")
    with zipfile.ZipFile(await app.services.account_data.export(person)) as archive:
        tied = json.loads(archive.read("mosaic.json"))["tied_accounts"]
    assert [t["reason"] for t in tied] == ["link_refused"], "the export says so"

    # A code that is no longer live proves nothing: no tie, the stranger's vote counts.
    old = await linking.issue_code(Platform.TELEGRAM, "200")
    clock.advance(minutes=11)
    assert "wrong, used or expired" in await stranger.text(f"/link {old.code}")
    assert "counts" in await stranger.text(f"/challenge vote {entry.id}")


async def test_tied_accounts_voting_at_the_same_moment_count_once(app: App) -> None:
    mod = dm_user(app, MODERATOR)
    tg = ChatUser(app, "200", Platform.TELEGRAM)
    dc = ChatUser(app, "300", Platform.DISCORD)
    authors = [dm_user(app, f"author{n}") for n in range(6)]
    for user in (tg, dc, *authors):
        await user.say("/help")
    await mod.say("/challenge start kites 1d")
    entries = []
    for n, author in enumerate(authors):
        made = await public_post(app, author, f"a kite {n}", n)
        await author.say(f"/challenge enter {made.id}")
        entries.append(await entry_of(made))
    code = await app.services.linking.issue_code(Platform.TELEGRAM, "200")
    await app.services.linking.redeem(Platform.DISCORD, "300", code.code)
    await dc.say("/unlink discord")  # two accounts now, tied
    one = await Account.get(identities__platform_user_id="200")
    other = await Account.get(identities__platform_user_id="300")
    assert one.id != other.id
    challenges = app.services.challenges
    for entry in entries:
        results = await asyncio.gather(
            challenges.vote(one, entry.id), challenges.vote(other, entry.id), return_exceptions=True
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert await ChallengeVote.filter(voter_id__in=[one.id, other.id]).count() == len(entries)


async def test_abuse_rules_probation_and_rate_limit(app: App, clock: FakeClock) -> None:
    mod = dm_user(app, MODERATOR)
    ann = dm_user(app, "ann")
    await ann.say("/help")
    await mod.say("/challenge start owls 3d")
    challenge = await Challenge.get(theme="owls")
    anns = await public_post(app, ann, "an owl")
    await ann.say(f"/challenge enter {anns.id}")
    entry = await entry_of(anns)

    # Someone first seen after the challenge began: recorded, counts a day after.
    newcomer = dm_user(app, "newbie")
    await newcomer.say("/help")
    first_seen = challenge.starts_at + timedelta(hours=1)
    await Identity.filter(account__handle="newbie").update(created_at=first_seen)
    clock.advance(hours=2)
    answer = await newcomer.text(f"/challenge vote {entry.id}")
    assert "count 24 hours after they were first seen" in answer
    services = app.services.challenges
    assert [s.votes for s in await services.standings(challenge)] == [0]
    clock.advance(hours=23, minutes=1)  # first seen + 24 h has passed
    assert [s.votes for s in await services.standings(challenge)] == [1]
    vote = await ChallengeVote.get(voter__handle="newbie")
    assert vote.counts_from == first_seen + NEW_ACCOUNT_DELAY

    # The rate limit: VOTES_PER_HOUR votes an hour per person, then refused.
    voter = dm_user(app, "busy")
    await voter.say("/help")
    entries = []
    for n in range(VOTES_PER_HOUR + 1):
        author = dm_user(app, f"artist{n}")
        post = await public_post(app, author, f"owl number {n}", n)
        await author.say(f"/challenge enter {post.id}")
        entries.append(await entry_of(post))
    for entry_n in entries[:VOTES_PER_HOUR]:
        assert "counts" in await voter.text(f"/challenge vote {entry_n.id}")
    assert "within an hour" in await voter.text(f"/challenge vote {entries[-1].id}")
    clock.advance(hours=1, seconds=1)
    assert "counts" in await voter.text(f"/challenge vote {entries[-1].id}")

    # Disqualified: out of the standings, no more votes, in the audit log.
    done = await mod.text(f"/challenge disqualify {entries[0].id} copied")
    assert "disqualified" in done
    assert entries[0].id not in [s.entry.id for s in await services.standings(challenge)]
    assert "disqualified" in await ann.text(f"/challenge vote {entries[0].id}")
    # A post hidden by a moderator leaves the standings too.
    await mod.say(f"/mod hide {entries[1].post_id} not an owl")
    standing_ids = [s.entry.id for s in await services.standings(challenge)]
    assert entries[1].id not in standing_ids and entries[2].id in standing_ids
    audit = await ModerationAction.get(action="challenge_disqualify")
    assert (
        audit.subject_handle == "artist0" and audit.target_key == f"challenge_entry:{entries[0].id}"
    )


async def test_a_place_challenge_is_its_admins_and_goes_only_to_its_followers(
    app: App, clock: FakeClock
) -> None:
    admin = group_admin(app, "gail", "g1")
    member = group_admin(app, "mo", "g1", admin=False)
    other = group_admin(app, "otto", "g2")
    assert "Only this place's admins" in await member.text("/challenge start cats 1d")
    assert "has begun here" in await admin.text("/challenge start cats 1d")
    await admin.say("/challenge follow")
    await other.say("/challenge follow")
    mos = await public_post(app, member, "a cat on a roof")
    assert "entry" in await member.text(f"/challenge enter {mos.id}")
    assert "No challenge is running" in await other.text("/challenge")  # not g2's
    clock.advance(days=1, seconds=1)
    messenger = RecordingMessenger()
    await deliver(app, console_sender(app, messenger))
    assert any(r.title and "results: cats" in r.title for r in messenger.to(chat_id="g1"))
    assert not any("cats" in (r.title or "") for r in messenger.to(chat_id="g2"))


async def test_the_weekly_theme_is_trending_chosen_once_and_survives_a_dead_leader(
    app: App, clock: FakeClock
) -> None:
    # The week's tags: #bees on 2 visible posts, #comets on 2 (one a week ago, which counts),
    # #foxes on 1, #secret on 3 hidden or sensitive ones, #old on 4 from last month.
    poster = dm_user(app, "tagger")
    made = [
        ("#bees in clover", 0, {}),
        ("#bees again", 0, {}),
        ("#comets tonight", 6, {}),
        ("#comets at dawn", 0, {}),
        ("#foxes", 0, {}),
        *[("#secret", 0, {"moderation": ModerationState.HIDDEN}) for _ in range(2)],
        ("#secret", 0, {"sensitive": True}),
        *[("#old", 30, {}) for _ in range(4)],
    ]
    for n, (caption, days_ago, changes) in enumerate(made):
        post = await public_post(app, poster, caption, n)
        await Post.filter(id=post.id).update(
            created_at=clock.now() - timedelta(days=days_ago, minutes=1), **changes
        )
    results = app.scheduler._challenges
    assert results is not None
    await results.tick()
    await results.tick()
    (weekly,) = await Challenge.filter(key=weekly_key(clock.now()))
    assert weekly.theme == "bees"  # 2 posts this week; the tie with comets goes to "bees"
    assert weekly.ends_at.weekday() == 0 and weekly.ends_at > clock.now()
    assert FALLBACK_THEMES  # without tags a fixed list, by week number

    # An entry, a follower; the leader claims the ended challenge and dies before queuing.
    ann = dm_user(app, "ann")
    admin = group_admin(app, "gail", "g1")
    await admin.say("/challenge follow")
    anns = await public_post(app, ann, "a bee on a flower")
    await ann.say(f"/challenge enter {anns.id}")
    clock.advance(days=8)
    await Challenge.filter(id=weekly.id).update(state=ChallengeState.ENDING)
    assert await results.tick() == 0  # not due any more: claimed by the dead leader
    assert await results.take_over() == 1  # the next leader finishes it
    assert await results.take_over() == 0
    rows = await OutboxMessage.filter(dedupe_key__startswith=f"challenge-results:{weekly.id}:")
    (row,) = rows
    assert row.state is OutboxState.PENDING and row.chat_key == "g1"
    assert row.dedupe_key.startswith(results_key(weekly.id, 0)[:-1])
    assert (await ChallengeEntry.get(post_id=anns.id)).rank == 1


class StoppedWhileDrawing:
    """A results renderer in a process that is being stopped (its task is cancelled)."""

    async def results(self, *args: object) -> dict[str, object]:
        raise asyncio.CancelledError


async def test_results_survive_a_leader_stopped_mid_composition(app: App, clock: FakeClock) -> None:
    mod, ann = dm_user(app, MODERATOR), dm_user(app, "ann")
    admin = group_admin(app, "gail", "g1")
    await mod.say("/challenge start kites 1d")
    await admin.say("/challenge follow")
    anns = await public_post(app, ann, "a red kite")
    await ann.say(f"/challenge enter {anns.id}")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)  # the leader's first tick; the entry went to g1
    clock.advance(days=1, seconds=1)

    # The leader claims the ended challenge, then is stopped while drawing its results.
    results = app.scheduler._challenges
    assert results is not None
    drawing = results._renderer
    results._renderer = StoppedWhileDrawing()
    with pytest.raises(asyncio.CancelledError):
        await results.tick()
    challenge = await Challenge.get(theme="kites")
    assert challenge.state is ChallengeState.ENDING
    assert not await OutboxMessage.filter(dedupe_key__startswith="challenge-results:").exists()

    # Restarted: the scheduler lets go of the leadership and leads again, as a new process
    # would; taking over, it finishes the claimed challenge. Later ticks add nothing.
    results._renderer = drawing
    await app.scheduler.stop()
    sender = console_sender(app, messenger)
    for _ in range(3):
        await deliver(app, sender)
    await challenge.refresh_from_db()
    assert challenge.state is ChallengeState.FINISHED
    (row,) = await OutboxMessage.filter(dedupe_key__startswith="challenge-results:")
    assert row.state is OutboxState.SENT and row.chat_key == "g1"
    titles = [r.title for r in messenger.to(chat_id="g1")]
    assert titles.count("🏆 Challenge results: kites") == 1


async def test_a_place_has_its_own_leaderboard_and_the_global_one_a_tap_away(
    app: App, clock: FakeClock
) -> None:
    mod, ann, ben, cat = (dm_user(app, name) for name in (MODERATOR, "ann", "ben", "cat"))
    gail = group_admin(app, "gail", "g1")
    ann_here, ben_here = (group_admin(app, name, "g1", admin=False) for name in ("ann", "ben"))
    for user in (ann, ben, cat, gail):
        await user.say("/help")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    assert "now gets challenge entries" in await gail.text("/challenge follow")

    # The group's own challenge: Ben wins it with Cat's vote, Ann is second.
    assert "begun" in await gail.text("/challenge start boats 1d")
    anns_boat = await public_post(app, ann, "a paper boat", 1)
    bens_boat = await public_post(app, ben, "a sail boat", 2)
    await ann_here.say(f"/challenge enter {anns_boat.id}")
    await ben_here.say(f"/challenge enter {bens_boat.id}")
    assert "counts" in await cat.text(f"/challenge vote {(await entry_of(bens_boat)).id}")
    # The global challenge at the same time: Ann wins it with two votes.
    await mod.say("/challenge start kites 1d")
    anns_kite = await public_post(app, ann, "a red kite", 3)
    await ann.say(f"/challenge enter {anns_kite.id}")
    kite_entry = await entry_of(anns_kite)
    for voter in (ben, cat):
        assert "counts" in await voter.text(f"/challenge vote {kite_entry.id}")
    clock.advance(days=1, seconds=1)
    await deliver(app, sender)
    assert await Challenge.filter(state=ChallengeState.FINISHED).count() == 2

    # In the group: its own board (only its challenge's entries and votes) ...
    [board] = await gail.say("/challenge leaderboard")
    assert board.title == "🏅 Challenge leaderboard of this server or group"
    assert board.text.splitlines() == [
        "1. @ben: 1 win, 1 podium place, 1 vote",
        "2. @ann: 0 wins, 1 podium place, 0 votes",
    ]
    # ... and everywhere's, one tap away (or typed), with a way back.
    [everywhere] = await gail.press(find_button([board], "challenge leaderboard"))
    assert everywhere.title == "🏅 Challenge leaderboard"
    assert everywhere.text.splitlines() == [
        "1. @ann: 1 win, 2 podium places, 2 votes",
        "2. @ben: 1 win, 1 podium place, 1 vote",
    ]
    assert [b.label for row in everywhere.buttons for b in row] == ["🏠 This place"]
    assert (await gail.say("/challenge leaderboard global"))[0].text == everywhere.text
    # A private chat has no place: everywhere's board, without buttons.
    [private] = await cat.say("/challenge leaderboard")
    assert private.text == everywhere.text and private.buttons == ()
    # The results' Leaderboard button opens the challenge's own board.
    group_results = [r for r in messenger.to(chat_id="g1") if r.title and "results" in r.title]
    boards = {r.title: find_button([r], "challenge leaderboard") for r in group_results}
    assert {title: button.args for title, button in boards.items()} == {
        "🏆 Challenge results: boats": {"where": "here"},
        "🏆 Challenge results: kites": {"where": "global"},
    }

    # In German; and a group without finished challenges of its own says so.
    await gail.say("/settings language de")
    [board] = await gail.say("/challenge leaderboard")
    assert board.title == "🏅 Challenge-Bestenliste von diesem Server oder dieser Gruppe"
    assert board.text.splitlines()[0] == "1. @ben: 1 Sieg, 1 Podestplatz, 1 Stimme"
    [empty] = await group_admin(app, "gus", "g2").say("/challenge leaderboard")
    assert empty.text == "No challenge run by this server or group has finished yet."
    assert [b.label for row in empty.buttons for b in row] == ["🌍 Everywhere"]
