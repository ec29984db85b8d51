"""The social graph: follows and blocks."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from core.errors import Conflict, Forbidden, InvalidInput
from core.notifications import SocialEvents
from core.persistence.columns import column
from core.persistence.models import Account, Block, Follow
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.counters import follows_changed
from core.social.taste_updates import NoTasteUpdates, TasteUpdater
from core.social.visibility import blocked_between


class SocialGraph:
    def __init__(
        self,
        taste: TasteUpdater | None = None,
        events: SocialEvents | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._units = units
        self._taste = taste or NoTasteUpdates()
        self._events = events

    async def follow(self, follower: Account, followee: Account) -> None:
        if follower.id == followee.id:
            raise InvalidInput("error.follow_self")
        if await blocked_between(follower.id, followee.id):
            raise Forbidden("error.blocked", handle=followee.handle)
        try:
            async with self._units():
                await Follow.create(follower=follower, followee=followee)
                await follows_changed(follower.id, followee.id, 1)
                await self._taste.followed(follower, followee)
                if self._events is not None:
                    await self._events.happened("follow", followee.id, follower.id)
        except IntegrityError:
            raise Conflict("error.already_following", handle=followee.handle) from None

    async def unfollow(self, follower: Account, followee: Account) -> None:
        async with self._units():
            deleted = await Follow.filter(follower=follower, followee=followee).delete()
            if deleted:
                await follows_changed(follower.id, followee.id, -1)
                await self._taste.unfollowed(follower, followee)
        if not deleted:
            raise Conflict("error.not_following", handle=followee.handle)

    async def followed_among(self, account: Account, author_ids: set[int]) -> set[int]:
        """Which of `author_ids` the account follows (one query for a whole page)."""
        rows = await column(
            Follow.filter(follower=account, followee_id__in=author_ids), "followee_id"
        )
        return set(rows)

    async def followers(self, account: Account, *, limit: int, offset: int = 0) -> list[Account]:
        return await self._page(Follow.filter(followee=account), "follower", limit, offset)

    async def following(self, account: Account, *, limit: int, offset: int = 0) -> list[Account]:
        return await self._page(Follow.filter(follower=account), "followee", limit, offset)

    @staticmethod
    async def _page(rows: QuerySet[Follow], side: str, limit: int, offset: int) -> list[Account]:
        """The accounts on `side` of the follows in `rows`, newest follow first."""
        page = (
            await rows.order_by("-created_at", "-id")
            .offset(offset)
            .limit(limit)
            .select_related(side)
        )
        return [getattr(row, side) for row in page]

    async def block(self, blocker: Account, blocked: Account) -> None:
        if blocker.id == blocked.id:
            raise InvalidInput("error.block_self")
        try:
            async with self._units():
                await Block.create(blocker=blocker, blocked=blocked)
                for one, other in ((blocker, blocked), (blocked, blocker)):
                    if await Follow.filter(follower=one, followee=other).delete():
                        await follows_changed(one.id, other.id, -1)
        except IntegrityError:
            raise Conflict("error.already_blocked", handle=blocked.handle) from None

    async def unblock(self, blocker: Account, blocked: Account) -> None:
        deleted = await Block.filter(blocker=blocker, blocked=blocked).delete()
        if not deleted:
            raise Conflict("error.not_blocked", handle=blocked.handle)
