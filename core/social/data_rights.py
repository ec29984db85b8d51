"""A person's rights over their data: a full export, and deleting the account.

The export is a ZIP of JSON files plus the images of the person's posts. Deletion removes
the account, its identities, posts (and their image files once no other post uses them),
comments, likes, follows, blocks, jobs, buttons, feed tuning, what the feed showed them
(impressions), /rate votes, digests and notifications,
and every message still waiting in the outbox for them (their digests and notifications,
cross-posts of their posts); remixes of the person's posts stay, credited to "a deleted
user".
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from tortoise.expressions import F, Q

from core.clock import Clock
from core.domain import OutboxState
from core.feed.impressions import ImpressionLog
from core.images import ImageStore
from core.notifications import notification_key
from core.persistence.columns import column
from core.persistence.local_copies import ChangeNotices
from core.persistence.models import (
    Account,
    Block,
    ChallengeVote,
    Comment,
    DigestRun,
    DigestSubscription,
    Follow,
    Identity,
    ModerationAction,
    NotificationBatch,
    NotificationPreference,
    OutboxMessage,
    PersonTie,
    Post,
    RateVote,
    Reaction,
    TasteProfile,
)
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.accounts import account_changed
from core.social.counters import follows_changed
from core.social.posts import Posts


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class AccountData:
    def __init__(
        self,
        images: ImageStore,
        clock: Clock,
        exports_dir: Path,
        impressions: ImpressionLog,
        posts: Posts,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
        notices: ChangeNotices | None = None,
    ) -> None:
        self._notices = notices or ChangeNotices()
        self._images = images
        self._posts = posts
        self._units = units
        self._impressions = impressions
        self._clock = clock
        self._exports = exports_dir

    async def export(self, account: Account) -> Path:
        """Write the ZIP under the data folder and return its path."""
        posts = await Post.filter(author=account, deleted_at=None).order_by("id")
        taste = await TasteProfile.get_or_none(account=account)
        # Each image under its hash with the file's own extension (.png, .webp), so it opens.
        files = {p.image_id: await self._images.local_copy(p.image_id) for p in posts if p.image_id}
        names = {sha: f"images/{sha}{path.suffix}" for sha, path in files.items()}
        document = {
            "account": {
                "handle": account.handle,
                "display_name": account.display_name,
                "language": account.language,
                "created_at": _when(account.created_at),
            },
            "settings": {
                "language": account.language,
                "show_linked_handles": account.show_linked_handles,
                "sensitive_posts": account.sensitive_confirmed_at is not None,
                "sensitive_confirmed_at": _when(account.sensitive_confirmed_at),
                "feed_tuning": taste.steering_text if taste is not None else "",
            },
            "identities": [
                {
                    "platform": i.platform.value,
                    "user_id": i.platform_user_id,
                    "display_name": i.display_name,
                    "username": i.username,
                }
                for i in await Identity.filter(account=account).order_by("id")
            ],
            "posts": [
                {
                    "id": p.id,
                    "caption": p.caption,
                    "prompt": p.prompt,
                    "audience": p.audience.value,
                    "created_at": _when(p.created_at),
                    "remix_of": p.remix_of_id,
                    "provider": p.provider,
                    "model": p.model,
                    "image": names.get(p.image_id) if p.image_id else None,
                    "likes": p.like_count,
                    "comments": p.comment_count,
                }
                for p in posts
            ],
            "comments": [
                {"post": c.post_id, "text": c.text, "created_at": _when(c.created_at)}
                for c in await Comment.filter(author=account, deleted_at=None).order_by("id")
            ],
            "likes": [
                {"post": r.post_id, "created_at": _when(r.created_at)}
                for r in await Reaction.filter(account=account).order_by("id")
            ],
            "challenge_votes": [
                {
                    "entry": v.entry_id,
                    "post": v.entry.post_id,
                    "created_at": _when(v.created_at),
                    "counts_from": _when(v.counts_from),
                    "voided": v.voided_at is not None,
                }
                for v in await ChallengeVote.filter(voter=account)
                .select_related("entry")
                .order_by("id")
            ],
            # accounts this person's own actions tied to this one (`core.social.ties`)
            "tied_accounts": [
                {
                    "handle": (t.account_b if t.account_a_id == account.id else t.account_a).handle,
                    "reason": t.reason,
                    "created_at": _when(t.created_at),
                }
                for t in await PersonTie.filter(Q(account_a=account) | Q(account_b=account))
                .select_related("account_a", "account_b")
                .order_by("id")
            ],
            "following": [
                f.followee.handle
                for f in await Follow.filter(follower=account).select_related("followee")
            ],
            "blocked": [
                b.blocked.handle
                for b in await Block.filter(blocker=account).select_related("blocked")
            ],
            "digests": [
                {
                    "id": d.id,
                    "schedule": d.schedule_text,
                    "size": d.size,
                    "topics": d.topics,
                    "state": d.state.value,
                    "created_at": _when(d.created_at),
                }
                for d in await DigestSubscription.filter(owner=account).order_by("id")
            ],
            "shown": await self._impressions.of_account(account.id),
            "rated": [  # /rate: which of two posts they chose
                {"chose": v.winner_id, "over": v.loser_id, "created_at": _when(v.created_at)}
                for v in await RateVote.filter(voter=account).order_by("id")
            ],
            "notifications_off": sorted(
                await column(NotificationPreference.filter(account=account, enabled=False), "kind")
            ),
        }
        stamp = self._clock.now().strftime("%Y%m%d-%H%M%S")
        target = self._exports / f"mosaic-{account.handle}-{stamp}.zip"
        images = {names[sha]: path for sha, path in files.items()}
        await asyncio.to_thread(_write_zip, target, document, images)
        return target

    async def delete(self, account: Account) -> None:
        async with self._units():
            own_posts = Post.filter(author=account)
            shas = set(await column(own_posts.filter(image_id__not_isnull=True), "image_id"))
            post_ids = list(await column(own_posts, "id"))
            await (
                Post.filter(remix_of_id__in=post_ids)
                .exclude(author=account)
                .update(remix_parent_gone=True)
            )
            # the people they followed lose a follower, their followers one they follow
            for followee_id in await column(Follow.filter(follower=account), "followee_id"):
                await follows_changed(account.id, followee_id, -1)
            for follower_id in await column(Follow.filter(followee=account), "follower_id"):
                await follows_changed(follower_id, account.id, -1)
            await Follow.filter(Q(follower=account) | Q(followee=account)).delete()
            # Others' posts lose this person's likes and comments: keep their counters true.
            for post_id in await column(Reaction.filter(account=account), "post_id"):
                await Post.filter(id=post_id).update(like_count=F("like_count") - 1)
            commented = Counter(
                await column(Comment.filter(author=account, deleted_at=None), "post_id")
            )
            for post_id, count in commented.items():
                await Post.filter(id=post_id).update(comment_count=F("comment_count") - count)
            # The audit log survives, without the person: entries about them lose the name
            # (their foreign keys become NULL); entries they made as a moderator keep the
            # handle they acted under. Their reports, and reports about them, cascade.
            await ModerationAction.filter(subject=account).update(subject_handle="")
            await self._drop_waiting_messages(account)
            await account.delete()  # cascades: identities, posts, comments, likes, jobs…
            await self._notices.changed(account_changed(account.id))
            for sha in shas:  # the files go once all of this is committed
                await self._posts.release_image(sha)

    @staticmethod
    async def _drop_waiting_messages(account: Account) -> None:
        """Digests and notifications still waiting for the person are not sent any more
        (cross-posts of their posts go with the posts)."""
        runs = column(DigestRun.filter(subscription__owner_id=account.id), "id")
        batches = await column(NotificationBatch.filter(recipient=account), "id")
        waiting = [OutboxState.PENDING, OutboxState.SENDING]
        await OutboxMessage.filter(run_id__in=list(await runs), state__in=waiting).delete()
        keys = [notification_key(batch_id) for batch_id in batches]
        await OutboxMessage.filter(dedupe_key__in=keys, state__in=waiting).delete()


def _write_zip(target: Path, document: dict[str, Any], images: dict[str, Path]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mosaic.json", json.dumps(document, ensure_ascii=False, indent=2))
        for name, path in images.items():
            if path.exists():
                archive.write(path, name)
    target.write_bytes(buffer.getvalue())
