"""Reports: anyone may report a post, a comment or a person; one report per person and thing.

A post that reaches the threshold of open reports is hidden pending review, taken down from
wherever the bot showed it, and its author is told once (the state changes with one
conditional UPDATE, so a flood of reports hides it, and notifies, exactly once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Min

from core.delivery.sent_messages import SentMessages
from core.domain import ModerationState, ReportState, ReportTarget
from core.errors import InvalidInput, NotFound
from core.persistence.models import Account, Comment, Post, Report
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.safety.authority import Jurisdiction
from core.safety.ports import Notifier
from core.safety.takedown import Takedown
from core.user_text import clean_text, parse_handle

if TYPE_CHECKING:  # core.social.posts imports core.safety: only the type, to avoid a cycle
    from core.social.posts import Posts

REASON_MAX = 500
_TARGET = re.compile(r"^(post|comment|user):(.+)$")
_POST = re.compile(r"^#?(\d{1,18})$")


def target_key(kind: ReportTarget, ident: int | str) -> str:
    return f"{kind.value}:{ident}"


def parse_target(text: str) -> tuple[ReportTarget, str]:
    """`post:12`, `#12`, `12`, `comment:3`, `user:bob` → (kind, id or handle)."""
    text = text.strip()
    post = _POST.match(text)
    if post is not None:
        return ReportTarget.POST, post.group(1)
    match = _TARGET.match(text.lower())
    if match is None:
        raise InvalidInput("error.bad_target", value=text[:40])
    return ReportTarget(match.group(1)), match.group(2)


def number(kind: ReportTarget, ident: str) -> int:
    match = _POST.match(ident)
    if match is None:
        raise InvalidInput("error.bad_target", value=f"{kind.value}:{ident}"[:40])
    return int(match.group(1))


@dataclass(frozen=True, slots=True)
class Target:
    """Something reportable, resolved: what it is, whose it is, whose moderators decide."""

    kind: ReportTarget
    key: str
    subject: Account
    place: Jurisdiction
    post: Post | None = None
    comment: Comment | None = None


@dataclass(frozen=True, slots=True)
class Filed:
    counted: bool  # False: this person had reported it already
    hidden_now: bool  # this report took the post over the threshold


@dataclass(frozen=True, slots=True)
class QueueEntry:
    target: Target
    reports: int
    reasons: tuple[str, ...]


class Reports:
    def __init__(
        self,
        posts: Posts,
        threshold: int,
        takedown: Takedown,
        notifier: Notifier,
        copies: SentMessages | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._units = units
        self._copies = copies or SentMessages()
        self._posts = posts
        self.threshold = threshold
        self._takedown = takedown
        self._notifier = notifier

    async def resolve(
        self,
        viewer: Account,
        kind: ReportTarget,
        ident: str,
        here: Jurisdiction,
        *,
        moderating: bool = False,
    ) -> Target:
        """The named thing. Reporters see only what they may see; moderators also what
        moderation hid (their rights are checked on the result's `place`)."""
        if kind is ReportTarget.USER:
            subject = await Account.get_or_none(handle=parse_handle(ident))
            if subject is None:
                raise NotFound("error.unknown_user", handle=parse_handle(ident))
            return Target(kind, target_key(kind, subject.id), subject, here)
        if kind is ReportTarget.POST:
            post_id = number(kind, ident)
            post = await (
                self._posts.load_live(post_id)
                if moderating
                else self._posts.get_visible(viewer, post_id)
            )
            place = await self._place(post, here)
            return Target(kind, target_key(kind, post.id), post.author, place, post=post)
        comment = await Comment.get_or_none(id=number(kind, ident), deleted_at=None).select_related(
            "author", "post"
        )
        if comment is None:
            raise NotFound("error.unknown_comment", comment=ident[:20])
        if not moderating:
            await self._posts.get_visible(viewer, comment.post_id)
        return Target(
            kind,
            target_key(kind, comment.id),
            comment.author,
            await self._place(comment.post, here),
            comment=comment,
        )

    async def _place(self, post: Post, here: Jurisdiction) -> Jurisdiction:
        """Whose moderators decide about the post: where it was made, and every server it
        was delivered in. Reported (or acted on) from one of the latter, that server's
        moderators get the report in their queue."""
        origin = _origin(post)
        delivered = await self._copies.servers_showing(post.id)
        if not delivered:
            return origin
        servers = delivered | (
            {(origin.platform, origin.server_id)} if origin.server_id is not None else set()
        )
        if here.server_id is not None and (here.platform, here.server_id) in delivered:
            return Jurisdiction(here.platform, here.server_id, frozenset(servers))
        return Jurisdiction(origin.platform, origin.server_id, frozenset(servers))

    async def file(self, reporter: Account, target: Target, reason: str) -> Filed:
        cleaned = clean_text(reason, limit=REASON_MAX, field="reason")
        if not cleaned:
            raise InvalidInput("error.empty", field="reason")
        if target.subject.id == reporter.id:
            raise InvalidInput("error.report_self")
        try:
            await Report.create(
                reporter=reporter,
                target_kind=target.kind,
                target_key=target.key,
                post=target.post,
                comment=target.comment,
                subject=target.subject,
                reason=cleaned,
                platform=target.place.platform,
                server_id=target.place.server_id,
            )
        except IntegrityError:
            return Filed(counted=False, hidden_now=False)
        return Filed(counted=True, hidden_now=await self._maybe_hide(target))

    async def _maybe_hide(self, target: Target) -> bool:
        if target.post is None:
            return False
        reports = await Report.filter(target_key=target.key, state=ReportState.OPEN).count()
        if reports < self.threshold:
            return False
        # Hidden with its takedown queued, or neither: a post hidden without its takedown
        # would keep its copies, as a later report finds it hidden already. (The report
        # itself is committed first, so that concurrent reports count each other.)
        async with self._units():
            changed = await Post.filter(
                id=target.post.id, moderation=ModerationState.VISIBLE, deleted_at=None
            ).update(moderation=ModerationState.PENDING_REVIEW)
            if not changed:
                return False  # hidden already (by an earlier report, or a moderator)
            await self._takedown.take_down(target.post.id)
        await self._notifier.notify(target.subject.id, "notice.pending_review", post=target.post.id)
        return True

    async def resolve_all(self, key: str, now: object) -> int:
        return await Report.filter(target_key=key, state=ReportState.OPEN).update(
            state=ReportState.RESOLVED, resolved_at=now
        )

    async def queue(self, place: Jurisdiction | None, *, limit: int) -> list[QueueEntry]:
        """Open reports, one entry per reported thing, oldest first (place None: all)."""
        query = Report.filter(state=ReportState.OPEN)
        if place is not None:
            query = query.filter(platform=place.platform, server_id=place.server_id)
        groups = (
            await query.annotate(reports=Count("id"), first=Min("id"))
            .group_by("target_key")
            .order_by("first")
            .values("target_key", "reports")
        )
        entries = []
        for group in groups[:limit]:
            rows: Sequence[Report] = (
                await query.filter(target_key=group["target_key"])
                .order_by("created_at", "id")
                .limit(3)
                .select_related("subject", "post__author", "comment__author")
            )
            first = rows[0]
            target = Target(
                first.target_kind,
                first.target_key,
                first.subject,
                Jurisdiction(first.platform, first.server_id),
                post=first.post,
                comment=first.comment,
            )
            entries.append(QueueEntry(target, group["reports"], tuple(r.reason for r in rows)))
        return entries


def _origin(post: Post) -> Jurisdiction:
    return Jurisdiction(post.origin_platform, post.origin_server_id)
