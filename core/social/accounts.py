"""Accounts and their platform identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from core.errors import InvalidInput, NotFound
from core.i18n import LANGUAGES
from core.persistence.local_copies import ChangeNotices, LocalCopies
from core.persistence.models import Account, Follow, Identity, Platform
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.user_text import clean_display_name, handle_from, parse_handle


@dataclass(frozen=True, slots=True)
class Profile:
    account: Account
    posts: int
    followers: int
    following: int
    viewer_follows: bool
    linked: tuple[str, ...]  # "telegram: @bob" per identity, when the owner shows them


async def _account_of(platform: Platform, platform_user_id: str) -> Account | None:
    identity = (
        await Identity.filter(platform=platform, platform_user_id=platform_user_id)
        .select_related("account")
        .first()
    )
    return identity.account if identity is not None else None


def account_changed(account_id: int) -> str:
    """The change-notice tag of an account: its row, or which identities point at it."""
    return f"account:{account_id}"


class Accounts:
    def __init__(
        self, units: UnitOfWorkFactory = TortoiseUnitOfWork, notices: ChangeNotices | None = None
    ) -> None:
        self._units = units
        self._notices = notices
        # the account behind each platform user, kept per process (core.persistence.local_copies)
        self._known: LocalCopies[tuple[Platform, str], Account] | None = (
            notices.copies() if notices is not None else None
        )
        # each account's handles on its platforms (what a profile lists), kept likewise
        self._handles: LocalCopies[int, tuple[str, ...]] | None = (
            notices.copies() if notices is not None else None
        )

    async def changed(self, *account_ids: int) -> None:
        """An account's row, or the identities pointing at it, changed (call right after)."""
        if self._notices is not None:
            await self._notices.changed(*(account_changed(i) for i in account_ids))

    async def resolve(
        self, platform: Platform, platform_user_id: str, display_name: str, *, handle_hint: str = ""
    ) -> Account:
        """The Account behind a platform user, created on first use."""
        known = self._known
        if known is not None and (kept := known.get((platform, platform_user_id))) is not None:
            return kept
        drops = known.drops if known is not None else 0
        existing = await _account_of(platform, platform_user_id)
        if existing is not None:
            if known is not None:
                known.put(
                    (platform, platform_user_id),
                    existing,
                    account_changed(existing.id),
                    loaded_after=drops,
                )
            return existing
        name = clean_display_name(display_name)
        base = handle_from(handle_hint or name or platform_user_id)
        for attempt in range(1, 50):
            suffix = "" if attempt == 1 else f"_{attempt}"
            handle = base[: 32 - len(suffix)] + suffix
            try:
                async with self._units():
                    account = await Account.create(handle=handle, display_name=name)
                    await Identity.create(
                        account=account,
                        platform=platform,
                        platform_user_id=platform_user_id,
                        display_name=name,
                        username=handle_hint[:64] or None,
                    )
                return account
            except IntegrityError:
                # Either the handle is taken or a concurrent request created this identity.
                existing = await _account_of(platform, platform_user_id)
                if existing is not None:
                    return existing
        raise RuntimeError(f"could not find a free handle for {base!r}")

    async def by_handle(self, text: str) -> Account:
        handle = parse_handle(text)
        account = await Account.get_or_none(handle=handle)
        if account is None:
            raise NotFound("error.unknown_user", handle=handle)
        return account

    async def set_language(self, account: Account, language: str) -> None:
        if language not in LANGUAGES:
            raise InvalidInput("error.bad_choice", value=language, choices=", ".join(LANGUAGES))
        account.language = language
        await account.save(update_fields=["language"])
        await self.changed(account.id)

    async def show_linked_handles(self, account: Account, show: bool) -> None:
        """Whether the account's profile lists its handles on other platforms."""
        account.show_linked_handles = show
        await account.save(update_fields=["show_linked_handles"])
        await self.changed(account.id)

    async def confirm_sensitive(self, account: Account, confirmed_at: datetime | None) -> None:
        """Sensitive posts on (the age confirmed at `confirmed_at`, kept from the first
        time) or off (None)."""
        if confirmed_at is not None and account.sensitive_confirmed_at is not None:
            return  # already on: the first confirmation stands
        account.sensitive_confirmed_at = confirmed_at
        await account.save(update_fields=["sensitive_confirmed_at"])
        await self.changed(account.id)

    async def profile(self, viewer: Account, account: Account) -> Profile:
        """What a profile shows; its counts are the counters kept on write
        (`core.social.counters`), read fresh: a kept copy of the account may be older."""
        counted = await Account.filter(id=account.id).values_list(
            "post_count", "follower_count", "following_count"
        )
        posts, followers, following = counted[0] if counted else (0, 0, 0)
        return Profile(
            account=account,
            posts=posts,
            followers=followers,
            following=following,
            viewer_follows=viewer.id != account.id
            and await Follow.exists(follower=viewer, followee=account),
            linked=await self._linked(viewer, account),
        )

    async def _linked(self, viewer: Account, account: Account) -> tuple[str, ...]:
        if not account.show_linked_handles and viewer.id != account.id:
            return ()
        kept = self._handles
        if kept is not None and (handles := kept.get(account.id)) is not None:
            return handles
        drops = kept.drops if kept is not None else 0
        identities = await Identity.filter(account=account).order_by("platform")
        handles = (
            tuple(
                f"{i.platform.value}: {'@' + i.username if i.username else i.display_name}"
                for i in identities
            )
            if len(identities) >= 2
            else ()
        )
        if kept is not None:
            kept.put(account.id, handles, account_changed(account.id), loaded_after=drops)
        return handles
