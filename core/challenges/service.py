"""Challenges as use cases: start, enter, vote, standings, moderation, following, leaderboard.

Where a challenge applies: a server's or group's own running challenge there, else the
global one (the weekly theme, or one a global moderator started). A person is an Account:
linked platforms are one account (`core.social.linking`), so one vote per entry holds
across platforms. Abuse rules (`core.challenges.rules`): no vote for one's own entry, the
rate limit, the probation of accounts first seen after the challenge started; moderators
void votes and disqualify entries, both written to the audit log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count

from core.challenges.rules import (
    ENTRIES_PER_PERSON,
    NEW_ACCOUNT_DELAY,
    THEME_MAX,
    VOTES_PER_HOUR,
)
from core.challenges.themes import made_for, week_end, weekly_key, weekly_theme
from core.clock import Clock
from core.delivery import Outbox
from core.delivery.outbox import to_place
from core.domain import ChallengeState, Platform
from core.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from core.persistence.models import (
    Account,
    Challenge,
    ChallengeEntry,
    ChallengeFollow,
    ChallengeVote,
    Destination,
    Identity,
    Post,
)
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.safety.audit import AuditLog
from core.safety.authority import Authority, Jurisdiction
from core.safety.authority import Standing as Acting
from core.social.ties import tied_accounts
from core.social.visibility import shown_to_everyone, shown_to_everyone_through


@dataclass(frozen=True, slots=True)
class Standing:
    """An entry, its post (author loaded) and the votes that count for it so far."""

    entry: ChallengeEntry
    post: Post
    votes: int


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One person on a leaderboard."""

    account: Account
    wins: int
    podiums: int
    votes: int


class ChallengeEntryRenderer(Protocol):
    """An entry as the serialized reply a following chat shows (a vote button under it)."""

    async def entry(
        self, language: str, challenge: Challenge, entry: ChallengeEntry, post: Post
    ) -> dict[str, Any]: ...


def entry_key(follow_id: int, entry_id: int) -> str:
    return f"challenge-entry:{follow_id}:{entry_id}"


def receives(follow: ChallengeFollow, challenge: Challenge) -> bool:
    """Global challenges go to every follower; a place's own only to followers there."""
    if challenge.server_id is None:
        return True
    return (follow.destination.platform, follow.server_id) == (
        challenge.platform,
        challenge.server_id,
    )


async def person_since(account_id: int) -> datetime | None:
    """When the person was first seen: their oldest identity (linking keeps all of them)."""
    first = await Identity.filter(account_id=account_id).order_by("created_at").first()
    return first.created_at if first is not None else None


class Challenges:
    def __init__(
        self,
        clock: Clock,
        outbox: Outbox,
        renderer: ChallengeEntryRenderer,
        authority: Authority,
        audit: AuditLog,
        default_language: str,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._clock = clock
        self._outbox = outbox
        self._renderer = renderer
        self._authority = authority
        self._audit = audit
        self._default_language = default_language
        self._units = units

    # --- which challenge -----------------------------------------------------------------
    async def current(self, platform: Platform, server_id: str | None) -> Challenge | None:
        """The running challenge here: the place's own, else the global one."""
        running = Challenge.filter(state=ChallengeState.RUNNING, ends_at__gt=self._clock.now())
        if server_id is not None:
            own = await running.filter(platform=platform, server_id=server_id).first()
            if own is not None:
                return own
        return await running.filter(server_id=None).order_by("-starts_at").first()

    async def require_current(self, platform: Platform, server_id: str | None) -> Challenge:
        found = await self.current(platform, server_id)
        if found is None:
            raise NotFound("error.challenge_none")
        return found

    async def start(
        self,
        starter: Acting,
        theme: str,
        duration: timedelta,
    ) -> Challenge:
        """A server's admins start its own challenge; a global moderator, outside any
        server, the global one. One running challenge per place at a time."""
        theme = " ".join(theme.split())
        if not theme:
            raise InvalidInput("error.empty", field="theme")
        if len(theme) > THEME_MAX:
            raise InvalidInput("error.too_long", field="theme", limit=THEME_MAX, length=len(theme))
        if starter.server_id is None:
            if not self._authority.is_global(starter.account):
                raise Forbidden("error.challenge_global_start")
            platform: Platform | None = None
        else:
            if not (self._authority.is_global(starter.account) or starter.is_server_admin):
                raise Forbidden("error.challenge_admins_only")
            platform = starter.platform
        now = self._clock.now()
        running = Challenge.filter(
            state=ChallengeState.RUNNING,
            ends_at__gt=now,
            platform=platform,
            server_id=starter.server_id,
        )
        if await running.exists():
            raise Conflict("error.challenge_running")
        where = f"{platform}:{starter.server_id}" if platform else "global"
        return await Challenge.create(
            key=f"place:{where}:{now.isoformat()}"[:96],
            theme=theme,
            platform=platform,
            server_id=starter.server_id,
            created_by=starter.account,
            starts_at=now,
            ends_at=now + duration,
        )

    async def ensure_weekly(self) -> Challenge | None:
        """The scheduler leader's part: this week's global challenge, created once (its key
        is unique), unless a global challenge is running already. Returns a new one."""
        now = self._clock.now()
        key = weekly_key(now)
        if await Challenge.exists(key=key):
            return None
        if await Challenge.filter(
            state=ChallengeState.RUNNING, server_id=None, ends_at__gt=now
        ).exists():
            return None
        try:
            return await Challenge.create(
                key=key, theme=await weekly_theme(now), starts_at=now, ends_at=week_end(now)
            )
        except IntegrityError:  # another leader's tick made it a moment ago
            return None

    # --- entries -------------------------------------------------------------------------
    async def enter(
        self,
        account: Account,
        post_id: int,
        *,
        platform: Platform,
        server_id: str | None,
        chat_id: str | None,
    ) -> tuple[Challenge, ChallengeEntry]:
        """Enter one of the person's public posts in the challenge that applies here; the
        followers of that challenge get it (with a vote button) through the outbox."""
        challenge = await self.require_current(platform, server_id)
        post = await Post.filter(shown_to_everyone(), id=post_id).select_related("author").first()
        if post is None:
            raise NotFound("error.challenge_post_not_public", post=post_id)
        if post.author_id != account.id:
            raise Forbidden("error.challenge_not_yours", post=post_id)
        if post.sensitive:  # a challenge is shown to every follower, whatever their policy
            raise InvalidInput("error.challenge_sensitive")
        async with self._units():
            entered = await ChallengeEntry.filter(
                challenge_id=challenge.id, post__author_id=account.id
            ).count()
            if entered >= ENTRIES_PER_PERSON:
                raise Conflict("error.challenge_entered_already", limit=ENTRIES_PER_PERSON)
            entry = await ChallengeEntry.create(
                challenge=challenge,
                post=post,
                platform=platform,
                chat_id=chat_id,
                created_at=self._clock.now(),
            )
            await self._share(challenge, entry, post)
        return challenge, entry

    async def inviting(
        self, account: Account, post: Post, *, platform: Platform, server_id: str | None
    ) -> Challenge | None:
        """The challenge a just-published post may enter with one tap: one runs here, the
        post was made with its theme's prompt, may enter, and the person has not entered."""
        challenge = await self.current(platform, server_id)
        if challenge is None or post.author_id != account.id or post.sensitive:
            return None
        if not made_for(challenge.theme, post.prompt, post.caption):
            return None
        if not await Post.filter(shown_to_everyone(), id=post.id).exists():
            return None
        entered = await ChallengeEntry.filter(
            challenge_id=challenge.id, post__author_id=account.id
        ).count()
        return challenge if entered < ENTRIES_PER_PERSON else None

    async def _share(self, challenge: Challenge, entry: ChallengeEntry, post: Post) -> None:
        follows = await self.followers(challenge)
        rendered: dict[str, dict[str, Any]] = {}
        items = []
        for follow in follows:
            destination = follow.destination
            if (destination.platform, destination.chat_id) == (entry.platform, entry.chat_id):
                continue  # it was entered right there
            language = destination.language or self._default_language
            if language not in rendered:
                rendered[language] = await self._renderer.entry(language, challenge, entry, post)
            items.append(
                to_place(
                    destination,
                    follow.target,
                    rendered[language],
                    entry_key(follow.id, entry.id),
                    post_id=post.id,
                )
            )
        await self._outbox.add(items)

    async def followers(self, challenge: Challenge) -> list[ChallengeFollow]:
        """The chats that get this challenge's entries and results (not paused ones)."""
        follows = (
            await ChallengeFollow.filter(destination__paused_reason__isnull=True)
            .select_related("destination")
            .order_by("id")
        )
        return [follow for follow in follows if receives(follow, challenge)]

    async def entry(self, entry_id: int) -> tuple[Challenge, ChallengeEntry]:
        entry = await ChallengeEntry.get_or_none(id=entry_id).select_related("challenge")
        if entry is None:
            raise NotFound("error.challenge_no_entry", entry=entry_id)
        return entry.challenge, entry

    # --- votes ---------------------------------------------------------------------------
    async def vote(self, account: Account, entry_id: int) -> tuple[ChallengeEntry, bool]:
        """One vote per person per entry; returns the entry and whether the vote counts now
        (False: the voter is on probation, it counts later)."""
        challenge, entry = await self.entry(entry_id)
        now = self._clock.now()
        if challenge.state is not ChallengeState.RUNNING or challenge.ends_at <= now:
            raise Conflict("error.challenge_voting_closed")
        if entry.disqualified_reason is not None:
            raise Conflict("error.challenge_disqualified", entry=entry_id)
        post = await Post.filter(shown_to_everyone(), id=entry.post_id).first()
        if post is None:
            raise NotFound("error.challenge_no_entry", entry=entry_id)
        # the person: this account and those their own actions tied to it (`core.social.ties`)
        person = await tied_accounts(account.id)
        if post.author_id in person:
            raise Forbidden("error.challenge_own_entry")
        async with self._units():
            if len(person) > 1:  # tied accounts voting at once: one after the other (PostgreSQL)
                await ChallengeEntry.filter(id=entry.id).select_for_update().first()
            if await ChallengeVote.exists(entry_id=entry.id, voter_id=account.id):
                raise Conflict("error.challenge_voted_already", entry=entry_id)
            if await ChallengeVote.exists(entry_id=entry.id, voter_id__in=person):
                raise Conflict("error.challenge_voted_already_tied", entry=entry_id)
            recent = await ChallengeVote.filter(
                voter_id__in=person, created_at__gt=now - timedelta(hours=1)
            ).count()
            if recent >= VOTES_PER_HOUR:
                raise LimitExceeded("error.challenge_vote_rate", limit=VOTES_PER_HOUR)
            counts_from = now
            since = await person_since(account.id)
            if since is not None and since > challenge.starts_at:
                counts_from = max(now, since + NEW_ACCOUNT_DELAY)
            try:
                async with self._units():
                    await ChallengeVote.create(
                        entry=entry,
                        voter=account,
                        created_at=now,
                        counts_from=counts_from,
                    )
            except IntegrityError:  # the same person's other platform, at the same moment
                raise Conflict("error.challenge_voted_already", entry=entry_id) from None
        return entry, counts_from <= now

    async def standings(
        self, challenge: Challenge, *, at: datetime | None = None
    ) -> list[Standing]:
        """Entries still in the running, most counted votes first (ties: entered first)."""
        moment = at or min(self._clock.now(), challenge.ends_at)
        entries = (
            await ChallengeEntry.filter(challenge_id=challenge.id, disqualified_reason=None)
            .filter(shown_to_everyone_through("post"))
            .select_related("post__author")
            .order_by("created_at", "id")
        )
        counted = Counter(
            dict(
                await ChallengeVote.filter(
                    entry__challenge_id=challenge.id, voided_at=None, counts_from__lte=moment
                )
                .annotate(n=Count("id"))
                .group_by("entry_id")
                .values_list("entry_id", "n")
            )
        )
        ranked = sorted(entries, key=lambda e: (-counted[e.id], e.created_at, e.id))
        return [Standing(e, e.post, counted[e.id]) for e in ranked]

    # --- moderation ----------------------------------------------------------------------
    def _require_moderator(self, moderator: Acting, challenge: Challenge) -> Jurisdiction:
        if challenge.server_id is None or challenge.platform is None:
            if not self._authority.is_global(moderator.account):
                raise Forbidden("error.challenge_global_moderators")
            return Jurisdiction(moderator.platform, moderator.server_id)
        place = Jurisdiction(Platform(challenge.platform), challenge.server_id)
        self._authority.require(moderator, place)
        return place

    async def votes_for(self, moderator: Acting, entry_id: int) -> list[ChallengeVote]:
        challenge, entry = await self.entry(entry_id)
        self._require_moderator(moderator, challenge)
        return (
            await ChallengeVote.filter(entry_id=entry.id)
            .select_related("voter")
            .order_by("created_at", "id")
        )

    async def void(
        self, moderator: Acting, entry_id: int, voter: Account, reason: str
    ) -> ChallengeVote:
        challenge, entry = await self.entry(entry_id)
        place = self._require_moderator(moderator, challenge)
        if challenge.state is not ChallengeState.RUNNING:
            raise Conflict("error.challenge_over")
        async with self._units():
            vote = await ChallengeVote.get_or_none(entry_id=entry.id, voter_id=voter.id)
            if vote is None:
                raise NotFound("error.challenge_no_vote", entry=entry_id, user=f"@{voter.handle}")
            if vote.voided_at is not None:
                raise Conflict("error.challenge_vote_voided", entry=entry_id)
            vote.voided_at = self._clock.now()
            await vote.save(update_fields=["voided_at"])
            await self._audit.record(
                moderator.account,
                "challenge_void_vote",
                f"challenge_vote:{vote.id}",
                place=place,
                subject=voter,
                reason=reason,
            )
        return vote

    async def disqualify(self, moderator: Acting, entry_id: int, reason: str) -> ChallengeEntry:
        challenge, entry = await self.entry(entry_id)
        place = self._require_moderator(moderator, challenge)
        if challenge.state is not ChallengeState.RUNNING:
            raise Conflict("error.challenge_over")
        if entry.disqualified_reason is not None:
            raise Conflict("error.challenge_disqualified", entry=entry_id)
        author = await Account.get(posts__id=entry.post_id)
        async with self._units():
            entry.disqualified_reason = reason[:200] or "-"
            await entry.save(update_fields=["disqualified_reason"])
            await self._audit.record(
                moderator.account,
                "challenge_disqualify",
                f"challenge_entry:{entry.id}",
                place=place,
                subject=author,
                reason=reason,
            )
        return entry

    # --- following -----------------------------------------------------------------------
    async def follow(
        self, destination: Destination, target: dict[str, str], *, server_id: str | None
    ) -> ChallengeFollow:
        async with self._units():
            follow, created = await ChallengeFollow.get_or_create(
                destination=destination, defaults={"target": target, "server_id": server_id}
            )
            if not created:
                follow.target, follow.server_id = target, server_id
                await follow.save(update_fields=["target", "server_id"])
            if destination.paused_reason is not None:  # following again lifts a pause
                destination.paused_reason = None
                await destination.save(update_fields=["paused_reason"])
        return follow

    async def unfollow(self, destination: Destination) -> bool:
        return await ChallengeFollow.filter(destination_id=destination.id).delete() > 0

    # --- the leaderboard -----------------------------------------------------------------
    async def leaderboard(
        self, limit: int, *, place: tuple[Platform, str] | None = None
    ) -> list[BoardRow]:
        """People by wins, then podium places (top 3), then the votes their entries got,
        over every finished challenge, or (`place`) over the finished challenges a server or
        group ran itself. Votes are those that counted when the challenge ended (not void,
        not on probation then, for entries not disqualified)."""
        finished = Q(challenge__state=ChallengeState.FINISHED)
        if place is not None:
            finished &= Q(challenge__platform=place[0], challenge__server_id=place[1])
        rows = await ChallengeEntry.filter(finished, Q(rank__lte=3)).values_list(
            "post__author_id", "rank"
        )
        wins: Counter[int] = Counter()
        podiums: Counter[int] = Counter()
        for author_id, rank in rows:
            podiums[author_id] += 1
            if rank == 1:
                wins[author_id] += 1
        voted = Q(entry__challenge__state=ChallengeState.FINISHED)
        if place is not None:
            voted &= Q(entry__challenge__platform=place[0], entry__challenge__server_id=place[1])
        ballots = await ChallengeVote.filter(
            voted, voided_at=None, entry__disqualified_reason=None
        ).values_list("entry__post__author_id", "counts_from", "entry__challenge__ends_at")
        votes: Counter[int] = Counter(
            author for author, counts_from, ends_at in ballots if counts_from <= ends_at
        )
        people = set(podiums) | set(votes)
        order = sorted(people, key=lambda a: (-wins[a], -podiums[a], -votes[a], a))[:limit]
        accounts = {a.id: a for a in await Account.filter(id__in=order)}
        return [
            BoardRow(accounts[a], wins[a], podiums[a], votes[a]) for a in order if a in accounts
        ]
