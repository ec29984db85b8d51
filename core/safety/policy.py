"""Server policies: what a server's admins allow in their server.

A policy lives on the server's `Destination` row (Discord guild, Telegram group) and its
defaults are the safe ones: NSFW off, no extra words, everyone may generate, no per-member
cap. `ServerPolicies.admit` runs before any model is called:

    who may generate (everyone / a role / the admins / nobody)
    ─► blocked words: the server's own, and with NSFW off the adult and graphic terms too
    ─► (the caller's moderator, then the quota with the member's daily cap, atomically)

A post is `sensitive` when its prompt or caption holds an adult, violent or graphic term
(`core.generation.screening_terms.SENSITIVE_RULES`). Safe by default, everywhere:

- making one needs the person's opt-in (`/settings sensitive on`, with an age confirmation)
  and, in a server or group, its policy's NSFW switch (`/server nsfw on`);
- seeing one needs the same two: `shows_sensitive` is asked by every feed, search,
  trending, tag and post view, and by digests; cross-posts go only to NSFW channels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.destinations import destination_changed
from core.domain import GenerationAccess, Platform
from core.errors import Forbidden, InvalidInput
from core.generation.prompt_screening import WordList, sensitive_terms
from core.persistence.local_copies import ChangeNotices
from core.persistence.models import Account, Destination

MAX_BLOCKED_WORDS = 200
WORD_MAX = 64
CAP_MAX = 1000


@dataclass(frozen=True, slots=True)
class Member:
    """Who asks to generate in a server, as the adapter established it."""

    platform: Platform
    server_id: str
    is_admin: bool = False
    roles: frozenset[str] = frozenset()  # Discord role ids and names (names lower case)


class ServerPolicies:
    def __init__(self, notices: ChangeNotices | None = None) -> None:
        self._notices = notices or ChangeNotices()

    async def _save(self, server: Destination, *changed: str) -> None:
        await server.save(update_fields=list(changed))
        await self._notices.changed(destination_changed(server.id))

    async def of(self, platform: Platform, server_id: str) -> Destination:
        destination, _ = await Destination.get_or_create(platform=platform, chat_id=server_id)
        return destination

    async def find(self, platform: Platform, server_id: str) -> Destination | None:
        return await Destination.get_or_none(platform=platform, chat_id=server_id)

    # --- changes (the command layer checked the admin) -------------------------------
    async def set_nsfw(self, server: Destination, allowed: bool) -> None:
        server.nsfw_allowed = allowed
        await self._save(server, "nsfw_allowed")

    async def add_words(self, server: Destination, words: Iterable[str]) -> list[str]:
        """Adds the words (lower case, trimmed); returns the list as it is now."""
        current = list(server.blocked_words or [])
        for word in (w.strip().casefold() for w in words):
            if not word:
                continue
            if len(word) > WORD_MAX:
                raise InvalidInput("error.too_long", field="word", limit=WORD_MAX)
            if not WordList((word,)).usable:
                raise InvalidInput("error.policy_word_unusable", word=word)
            if word not in current:
                current.append(word)
        if len(current) > MAX_BLOCKED_WORDS:
            raise InvalidInput("error.policy_too_many_words", limit=MAX_BLOCKED_WORDS)
        server.blocked_words = current
        await self._save(server, "blocked_words")
        return current

    async def remove_words(self, server: Destination, words: Iterable[str]) -> list[str]:
        gone = {w.strip().casefold() for w in words}
        server.blocked_words = [w for w in server.blocked_words or [] if w not in gone]
        await self._save(server, "blocked_words")
        return list(server.blocked_words)

    async def set_access(
        self, server: Destination, access: GenerationAccess, role: str | None = None
    ) -> None:
        role = role.strip()[:64] if role else None
        if access is GenerationAccess.ROLE and not role:
            raise InvalidInput("error.policy_role_missing")
        server.generation_access = access
        server.generation_role = role if access is GenerationAccess.ROLE else None
        await self._save(server, "generation_access", "generation_role")

    async def set_cap(self, server: Destination, cap: int | None) -> None:
        if cap is not None and not 1 <= cap <= CAP_MAX:
            raise InvalidInput("error.out_of_range", field="cap", low=1, high=CAP_MAX)
        server.member_daily_cap = cap
        await self._save(server, "member_daily_cap")

    # --- enforcement -------------------------------------------------------------------
    async def admit(self, member: Member, prompt: str) -> Destination | None:
        """Refuses (localized) what the server's policy forbids; returns the policy."""
        server = await self.find(member.platform, member.server_id)
        if server is None:  # never configured: the defaults (everyone, NSFW off)
            check_words(Destination(platform=member.platform, chat_id=member.server_id), prompt)
            return None
        check_access(server, member)
        check_words(server, prompt)
        return server


def check_access(server: Destination, member: Member) -> None:
    access = GenerationAccess(server.generation_access)
    if access is GenerationAccess.EVERYONE:
        return
    if access is GenerationAccess.NOBODY:
        raise Forbidden("error.policy_nobody_generates")
    if access is GenerationAccess.ADMINS or member.platform is Platform.TELEGRAM:
        if not member.is_admin:  # Telegram has no roles: "role" means the group's admins
            raise Forbidden("error.policy_admins_generate")
        return
    role = (server.generation_role or "").strip()
    if member.is_admin or role in member.roles or role.casefold() in member.roles:
        return
    raise Forbidden("error.policy_role_generates", role=role)


def check_words(server: Destination, prompt: str) -> None:
    own = WordList(server.blocked_words or ()).hits(prompt)
    if own:
        raise Forbidden("error.policy_blocked_word", word=own[0])
    if not server.nsfw_allowed:
        found = sensitive_terms(prompt)
        if found:
            raise Forbidden("error.policy_nsfw_off", word=next(iter(found.values())))


def check_opted_in(person: Account, prompt: str, *, sensitive: bool = False) -> None:
    """A sensitive prompt (or, with `sensitive`, whatever is known to be sensitive, such as
    a remix of a sensitive post) needs the person's own opt-in, wherever they are."""
    if person.sensitive_confirmed_at is None:
        found = sensitive_terms(prompt)
        if found or sensitive:
            word = next(iter(found.values()), "")
            raise Forbidden("error.sensitive_not_opted_in", word=word or "remix")


def nsfw_allowed(place: Destination | None) -> bool:
    """Whether sensitive posts may be shown in a place (no row: the safe default, no)."""
    return bool(place is not None and place.nsfw_allowed)


def shows_sensitive(viewer: Account | None, place: Destination | None, *, shared: bool) -> bool:
    """Whether sensitive posts may be shown to `viewer` here: only if the viewer opted in,
    and — in a `shared` place (server, group, channel) — the place's policy allows NSFW.
    A private chat or the console is the viewer's own place."""
    opted_in = viewer is not None and viewer.sensitive_confirmed_at is not None
    return opted_in and (not shared or nsfw_allowed(place))
