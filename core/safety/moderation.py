"""Moderation actions: dismiss, hide, delete, warn, mute, ban — each checked, logged, told.

Every action first checks the actor's rights for the thing's server (`Authority`), then in
one unit of work changes state, resolves the open reports, writes an audit entry (and for a
post taken down, queues the deletion of its copies); once that is committed it notifies the
author.
Hidden posts are kept; deletion releases the image like an author's own delete.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.expressions import F

from core.clock import Clock
from core.domain import ModerationState, ReportTarget, SanctionKind
from core.errors import Conflict, InvalidInput
from core.persistence.models import Account, Comment, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.safety.audit import AuditLog
from core.safety.authority import Authority, Jurisdiction, Standing
from core.safety.ports import Notifier
from core.safety.reports import Reports, Target
from core.safety.sanctions import Sanctions, when
from core.safety.takedown import Takedown
from core.user_text import clean_text

if TYPE_CHECKING:  # core.social.posts imports core.safety: only the type, to avoid a cycle
    from core.social.posts import Posts

MAX_MUTE_HOURS = 24 * 365


class Moderation:
    def __init__(
        self,
        authority: Authority,
        reports: Reports,
        sanctions: Sanctions,
        audit: AuditLog,
        takedown: Takedown,
        notifier: Notifier,
        clock: Clock,
        posts: Posts,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self.authority = authority
        self.reports = reports
        self.sanctions = sanctions
        self.audit = audit
        self._takedown = takedown
        self._notifier = notifier
        self._clock = clock
        self._posts = posts
        self._units = units

    async def target(self, standing: Standing, kind: ReportTarget, ident: str) -> Target:
        """Resolve a thing for a moderator and check their rights over it."""
        here = self._here(standing)
        target = await self.reports.resolve(standing.account, kind, ident, here, moderating=True)
        if kind is not ReportTarget.USER:
            self.authority.require(standing, target.place)
        return target

    def _here(self, standing: Standing) -> Jurisdiction:
        """Where user-directed actions (warn, mute, ban) apply: the actor's server, or for a
        global moderator outside any server, everywhere."""
        self.authority.require_moderator(standing)
        return Jurisdiction(standing.platform, standing.server_id)

    # --- content --------------------------------------------------------------------
    async def dismiss(self, standing: Standing, target: Target, reason: str) -> int:
        self.authority.require(standing, target.place)
        async with self._units():
            closed = await self.reports.resolve_all(target.key, self._clock.now())
            if target.post is not None:  # unfounded: a post hidden by reports comes back
                await Post.filter(
                    id=target.post.id, moderation=ModerationState.PENDING_REVIEW
                ).update(moderation=ModerationState.VISIBLE)
            await self.audit.record(
                standing.account,
                "dismiss",
                target.key,
                place=target.place,
                subject=target.subject,
                reason=_reason(reason),
            )
        return closed

    async def hide(self, standing: Standing, target: Target, reason: str) -> None:
        post = _post_of(target)
        self.authority.require(standing, target.place)
        reason = _reason(reason)
        if post.moderation is ModerationState.HIDDEN:
            raise Conflict("error.already_hidden", post=post.id)
        async with self._units():
            await Post.filter(id=post.id).update(moderation=ModerationState.HIDDEN)
            await self._close_over_post(standing, target, post, "hide", reason)
        await self._notifier.notify(target.subject.id, "notice.hidden", post=post.id, reason=reason)

    async def delete(self, standing: Standing, target: Target, reason: str) -> None:
        self.authority.require(standing, target.place)
        reason = _reason(reason)
        if target.comment is not None:
            await self._delete_comment(standing, target, target.comment, reason)
            return
        post = _post_of(target)
        async with self._units():  # the post goes with its reports resolved and logged
            await self._posts.remove(post, moderation=ModerationState.REMOVED)
            await self._close_over_post(standing, target, post, "delete", reason)
        await self._notifier.notify(
            target.subject.id, "notice.removed", post=post.id, reason=reason
        )

    async def _close_over_post(
        self, standing: Standing, target: Target, post: Post, action: str, reason: str
    ) -> None:
        """Inside the action's unit: its reports resolved, the decision logged, the post's
        copies in chats taken down."""
        await self.reports.resolve_all(target.key, self._clock.now())
        await self.audit.record(
            standing.account,
            action,
            target.key,
            place=target.place,
            subject=target.subject,
            reason=reason,
        )
        await self._takedown.take_down(post.id)

    async def _delete_comment(
        self, standing: Standing, target: Target, comment: Comment, reason: str
    ) -> None:
        async with self._units():
            gone = await Comment.filter(id=comment.id, deleted_at=None).update(
                deleted_at=self._clock.now()
            )
            if gone:
                await Post.filter(id=comment.post_id).update(comment_count=F("comment_count") - 1)
            await self.reports.resolve_all(target.key, self._clock.now())
            await self.audit.record(
                standing.account,
                "delete",
                target.key,
                place=target.place,
                subject=target.subject,
                reason=reason,
            )
        await self._notifier.notify(
            target.subject.id, "notice.comment_removed", post=comment.post_id, reason=reason
        )

    # --- people ---------------------------------------------------------------------
    async def warn(self, standing: Standing, user: Account, reason: str) -> None:
        place = self._here(standing)
        reason = _reason(reason)
        await self.audit.record(
            standing.account, "warn", f"user:{user.id}", place=place, subject=user, reason=reason
        )
        await self._notifier.notify(user.id, "notice.warned", reason=reason)

    async def mute(self, standing: Standing, user: Account, hours: int, reason: str) -> str:
        place = self._here(standing)
        if not 1 <= hours <= MAX_MUTE_HOURS:
            raise InvalidInput("error.out_of_range", field="hours", low=1, high=MAX_MUTE_HOURS)
        reason = _reason(reason)
        until = self._clock.now() + timedelta(hours=hours)
        await self._sanction(
            standing, user, SanctionKind.MUTE, f"mute {hours}h", place, until, reason
        )
        await self._notifier.notify(user.id, "notice.muted", until=when(until), reason=reason)
        return when(until)

    async def ban(
        self, standing: Standing, user: Account, *, everywhere: bool, reason: str
    ) -> None:
        if everywhere:
            self.authority.require_global(standing)
            place = Jurisdiction(standing.platform, None)
        else:
            place = self._here(standing)
            if place.server_id is None:
                raise InvalidInput("error.server_only")
        reason = _reason(reason)
        action = "ban global" if everywhere else "ban"
        await self._sanction(standing, user, SanctionKind.BAN, action, place, None, reason)
        key = "notice.banned_everywhere" if everywhere else "notice.banned_here"
        await self._notifier.notify(user.id, key, reason=reason)

    async def _sanction(
        self,
        standing: Standing,
        user: Account,
        kind: SanctionKind,
        action: str,
        place: Jurisdiction,
        until: datetime | None,
        reason: str,
    ) -> None:
        """Impose a sanction and write it to the audit log, together or not at all."""
        async with self._units():
            await self.sanctions.impose(
                user,
                kind,
                platform=place.platform,
                server_id=place.server_id,
                until=until,
                reason=reason,
                by=standing.account,
            )
            key = f"user:{user.id}"
            await self.audit.record(
                standing.account, action, key, place=place, subject=user, reason=reason
            )


def _reason(text: str) -> str:
    cleaned = clean_text(text, limit=500, field="reason")
    if not cleaned:
        raise InvalidInput("error.empty", field="reason")
    return cleaned


def _post_of(target: Target) -> Post:
    if target.post is None:
        raise InvalidInput("error.not_a_post", target=target.key)
    return target.post
