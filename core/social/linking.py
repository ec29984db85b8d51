"""One person across platforms: link codes, merging two accounts, and splitting them again.

`/link` on one platform issues a code (random, single use, 10 minutes); `/link <code>` on
another platform merges the redeemer's account into the issuer's, in one transaction: a
crash leaves either both accounts or the merged one, never a mix. Duplicates collapse (a
follow both had stays one follow; a post both liked keeps one like and the right count).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.models import Model

from core.clock import Clock
from core.domain import Platform
from core.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from core.persistence.columns import column
from core.persistence.local_copies import ChangeNotices
from core.persistence.models import (
    Account,
    ActionToken,
    Block,
    Challenge,
    ChallengeVote,
    Comment,
    DigestSubscription,
    DirectChat,
    FeedSession,
    Follow,
    GenerationJob,
    Identity,
    Impression,
    LinkAttempt,
    LinkCode,
    ModerationAction,
    Notification,
    NotificationBatch,
    NotificationPreference,
    Post,
    RateVote,
    Reaction,
    Report,
    Sanction,
    TasteProfile,
)
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.accounts import account_changed
from core.social.counters import recount
from core.social.ties import LINK_REFUSED, UNLINKED, merge_ties, tie

CODE_LIFETIME = timedelta(minutes=10)
ATTEMPTS_PER_HOUR = 5
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class AccountLinking:
    def __init__(
        self,
        clock: Clock,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
        notices: ChangeNotices | None = None,
    ) -> None:
        self._clock = clock
        self._units = units
        self._notices = notices or ChangeNotices()

    async def _identity(self, platform: Platform, user_id: str) -> Identity:
        identity = await Identity.get_or_none(platform=platform, platform_user_id=user_id)
        if identity is None:
            raise NotFound("error.generic")
        return identity

    async def issue_code(self, platform: Platform, user_id: str) -> LinkCode:
        identity = await self._identity(platform, user_id)
        now = self._clock.now()
        async with self._units():  # one live code: the new one replaces the others
            await LinkCode.filter(issuer=identity, used_at=None).update(expires_at=now)
            return await LinkCode.create(
                code=_new_code(), issuer=identity, created_at=now, expires_at=now + CODE_LIFETIME
            )

    async def redeem(self, platform: Platform, user_id: str, code: str) -> Account:
        """Join the redeemer's account to the code issuer's; return the merged account."""
        identity = await self._identity(platform, user_id)
        now = self._clock.now()
        recent = await LinkAttempt.filter(
            identity=identity, created_at__gte=now - timedelta(hours=1)
        ).count()
        if recent >= ATTEMPTS_PER_HOUR:
            raise LimitExceeded("error.link_too_many_tries", limit=ATTEMPTS_PER_HOUR)
        # its own write, not in the unit below: a wrong code counts as a try too
        await LinkAttempt.create(identity=identity, created_at=now)

        cleaned = code.strip().upper().replace("-", "").replace(" ", "")
        refused: tuple[int, int] | None = None  # a live code of another, refused: one person
        try:
            async with self._units():
                link = await LinkCode.filter(code=cleaned).select_for_update().first()
                if link is None or link.used_at is not None or link.expires_at <= now:
                    raise InvalidInput("error.link_code_invalid")
                issuer = await Identity.get(id=link.issuer_id)
                keep = await Account.get(id=issuer.account_id)
                gone = await Account.get(id=identity.account_id)
                if keep.id == gone.id:
                    raise Conflict("error.link_already")
                keep_platforms = set(await column(Identity.filter(account=keep), "platform"))
                gone_platforms = set(await column(Identity.filter(account=gone), "platform"))
                if keep_platforms & gone_platforms:
                    refused = (keep.id, gone.id)
                    raise InvalidInput("error.link_same_platform")
                link.used_at = now
                await link.save(update_fields=["used_at"])
                await merge_accounts(keep, gone)
                await self._notices.changed(account_changed(keep.id), account_changed(gone.id))
        except InvalidInput:
            if refused is not None:  # its own write: the unit above rolled back
                async with self._units():
                    await tie(*refused, LINK_REFUSED, now)
            raise
        return await Account.get(id=keep.id)

    async def unlink(self, account: Account, platform: Platform) -> Account:
        """Move `platform`'s identity to a new, empty account; everything stays with this one."""
        identities = await Identity.filter(account=account)
        leaving = next((i for i in identities if i.platform == platform), None)
        if leaving is None:
            raise InvalidInput("error.unlink_not_linked", platform=platform.value)
        if len(identities) == 1:
            raise InvalidInput("error.unlink_last")
        async with self._units():
            fresh = await Account.create(
                handle=await _free_handle(f"{account.handle}_{platform.value}"[:32]),
                display_name=leaving.display_name,
                language=account.language,
            )
            leaving.account_id = fresh.id
            await leaving.save(update_fields=["account_id"])
            await tie(account.id, fresh.id, UNLINKED, self._clock.now())
            await self._notices.changed(account_changed(account.id))
        return fresh


async def _free_handle(base: str) -> str:
    handle, n = base, 1
    while await Account.exists(handle=handle):
        n += 1
        suffix = f"_{n}"
        handle = base[: 32 - len(suffix)] + suffix
    return handle


async def _move_unique_pairs(
    model: type[Model], field: str, other: str, keep: int, gone: int
) -> None:
    """Re-point `field` from `gone` to `keep` for a (field, other) unique pair table,
    dropping rows that would duplicate one `keep` already has or point at `keep` itself."""
    of_keep: dict[str, Any] = {f"{field}_id": keep}
    of_gone: dict[str, Any] = {f"{field}_id": gone}
    kept_others = await column(model.filter(**of_keep), f"{other}_id")
    duplicate: dict[str, Any] = {f"{other}_id__in": kept_others}
    to_keep: dict[str, Any] = {f"{other}_id": keep}
    await model.filter(Q(**of_gone) & (Q(**duplicate) | Q(**to_keep))).delete()
    await model.filter(**of_gone).update(**of_keep)


async def merge_accounts(keep: Account, gone: Account) -> None:
    """Move everything of `gone` to `keep` and delete `gone`. Call inside a transaction.

    Every table that references an account is handled here; a test checks that no
    foreign key to Account is forgotten when new tables arrive.
    """
    k, g = keep.id, gone.id
    # whose follow counters the merge can change: both, and whoever follows or is followed
    # by either (a follow of both becomes one)
    either = Q(follower_id__in=(k, g)) | Q(followee_id__in=(k, g))
    counted = {k} | {
        i
        for pair in await Follow.filter(either).values_list("follower_id", "followee_id")
        for i in pair
    }
    await Identity.filter(account_id=g).update(account_id=k)
    await Post.filter(author_id=g).update(author_id=k)
    await Comment.filter(author_id=g).update(author_id=k)
    await GenerationJob.filter(requester_id=g).update(requester_id=k)
    await ActionToken.filter(owner_id=g).delete()  # old buttons of the gone account
    for field, other in (("follower", "followee"), ("followee", "follower")):
        await _move_unique_pairs(Follow, field, other, k, g)
    for field, other in (("blocker", "blocked"), ("blocked", "blocker")):
        await _move_unique_pairs(Block, field, other, k, g)
    # A post both liked: keep one like and take one off its counter.
    kept_likes = await Reaction.filter(account_id=k).values_list("post_id", "kind")
    for post_id, kind in kept_likes:
        if await Reaction.filter(account_id=g, post_id=post_id, kind=kind).delete():
            await Post.filter(id=post_id).update(like_count=F("like_count") - 1)
    await Reaction.filter(account_id=g).update(account_id=k)
    await _merge_trust_and_safety(k, g)
    await _merge_taste(k, g)
    await FeedSession.filter(account_id=g).delete()  # a fresh feed session for the merged one
    await _merge_digests_and_notifications(k, g)
    await _merge_challenge_votes(k, g)
    await merge_ties(k, g)
    if keep.language is None and gone.language is not None:
        keep.language = gone.language
        await keep.save(update_fields=["language"])
    await gone.delete()
    await recount(counted - {g})


async def _merge_trust_and_safety(k: int, g: int) -> None:
    """Reports count once per person: a thing both reported keeps one report, and reports
    between the two (now one person) go. Sanctions and audit entries follow the person."""
    kept_targets = await column(Report.filter(reporter_id=k), "target_key")
    await Report.filter(reporter_id=g, target_key__in=list(kept_targets)).delete()
    await Report.filter(Q(reporter_id=g, subject_id=k) | Q(reporter_id=k, subject_id=g)).delete()
    await Report.filter(reporter_id=g).update(reporter_id=k)
    await Report.filter(subject_id=g).update(subject_id=k)
    await Sanction.filter(account_id=g).update(account_id=k)
    await Sanction.filter(created_by_id=g).update(created_by_id=k)
    await ModerationAction.filter(moderator_id=g).update(moderator_id=k)
    await ModerationAction.filter(subject_id=g).update(subject_id=k)


async def _merge_taste(keep: int, gone: int) -> None:
    """One taste profile survives: the kept account's, with the other's tuning if it had none."""
    theirs = await TasteProfile.get_or_none(account_id=gone)
    if theirs is None:
        return
    mine = await TasteProfile.get_or_none(account_id=keep)
    if mine is None:
        theirs.account_id = keep
        await theirs.save(update_fields=["account_id"])
        return
    if not mine.steering and theirs.steering:
        mine.steering, mine.steering_text = theirs.steering, theirs.steering_text
        await mine.save(update_fields=["steering", "steering_text"])
    await theirs.delete()


async def _merge_digests_and_notifications(keep: int, gone: int) -> None:
    """Digests, private chats, notification settings and notifications of `gone` move to
    `keep`; where both have one (a private chat per platform, a setting per kind) `keep`'s
    stays, and a notification between the two becomes one to oneself, which is dropped."""
    await DigestSubscription.filter(owner_id=gone).update(owner_id=keep)
    kept_platforms = await column(DirectChat.filter(account_id=keep), "platform")
    await DirectChat.filter(account_id=gone, platform__in=list(kept_platforms)).delete()
    await DirectChat.filter(account_id=gone).update(account_id=keep)
    kept_kinds = await column(NotificationPreference.filter(account_id=keep), "kind")
    await NotificationPreference.filter(account_id=gone, kind__in=list(kept_kinds)).delete()
    await NotificationPreference.filter(account_id=gone).update(account_id=keep)
    await NotificationBatch.filter(recipient_id=gone).update(recipient_id=keep)
    await Notification.filter(recipient_id=gone).update(recipient_id=keep)
    await Notification.filter(actor_id=gone).update(actor_id=keep)
    await Notification.filter(recipient_id=keep, actor_id=keep).delete()
    await Impression.filter(viewer_id=gone).update(viewer_id=keep)
    await RateVote.filter(voter_id=gone).update(voter_id=keep)


async def _merge_challenge_votes(keep: int, gone: int) -> None:
    """One person, one vote per entry: where both voted for an entry one vote stays, and
    votes for the merged person's own entries (now self-votes) go. Call after the posts
    have moved to `keep`."""
    await Challenge.filter(created_by_id=gone).update(created_by_id=keep)
    own = await column(
        ChallengeVote.filter(voter_id__in=[keep, gone], entry__post__author_id=keep), "id"
    )
    await ChallengeVote.filter(id__in=list(own)).delete()
    kept_entries = await column(ChallengeVote.filter(voter_id=keep), "entry_id")
    await ChallengeVote.filter(voter_id=gone, entry_id__in=list(kept_entries)).delete()
    await ChallengeVote.filter(voter_id=gone).update(voter_id=keep)


# Tables whose foreign keys to Account merge_accounts() handles (checked by a test).
MERGED_ACCOUNT_REFERENCES = frozenset(
    {
        ("identity", "account_id"),
        ("post", "author_id"),
        ("comment", "author_id"),
        ("generation_job", "requester_id"),
        ("action_token", "owner_id"),
        ("follow", "follower_id"),
        ("follow", "followee_id"),
        ("block", "blocker_id"),
        ("block", "blocked_id"),
        ("reaction", "account_id"),
        ("taste_profile", "account_id"),
        ("feed_session", "account_id"),
        ("report", "reporter_id"),
        ("report", "subject_id"),
        ("sanction", "account_id"),
        ("sanction", "created_by_id"),
        ("moderation_action", "moderator_id"),
        ("moderation_action", "subject_id"),
        ("digest_subscription", "owner_id"),
        ("direct_chat", "account_id"),
        ("notification_preference", "account_id"),
        ("notification_batch", "recipient_id"),
        ("notification", "recipient_id"),
        ("notification", "actor_id"),
        ("impression", "viewer_id"),
        ("challenge", "created_by_id"),
        ("challenge_vote", "voter_id"),
        ("rate_vote", "voter_id"),
        ("person_tie", "account_a_id"),
        ("person_tie", "account_b_id"),
    }
)
