"""Accounts that are not linked but that the person's own actions showed to be one person.

Linking makes two accounts one (`core.social.linking`). Two more signals are honest, because
only the person themselves can give them:

- `unlinked`: `/unlink` split an account off one the person had linked it to;
- `link_refused`: an account redeemed another's *live* link code (single use, 10 minutes,
  shown only to its issuer) and was refused only because both already have that platform
  (two Telegram accounts of one person can never be linked).

Nothing else is: display names, handles and timing are guesses, and two console names
(`mosaic chat --as …`) are whoever sits at the operator's terminal. A tie counts the
accounts as one voter in challenges (`core.challenges`); it merges nothing. When a tie is
made, double votes the two already cast in running challenges are voided (the earliest
stays), as a merge would drop them.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from core.domain import ChallengeState
from core.persistence.models import ChallengeVote, PersonTie

UNLINKED, LINK_REFUSED = "unlinked", "link_refused"
MOST_TIED = 20  # accounts followed through ties from one (a person, not a crowd)


async def tie(one: int, other: int, reason: str, now: datetime) -> None:
    """Record that accounts `one` and `other` are one person (call inside a unit of work)."""
    if one == other:
        return
    low, high = sorted((one, other))
    if not await PersonTie.exists(account_a_id=low, account_b_id=high):
        try:
            await PersonTie.create(
                account_a_id=low, account_b_id=high, reason=reason, created_at=now
            )
        except IntegrityError:  # the same tie, made a moment ago by another process
            return
    await _void_double_votes(await tied_accounts(one), now)


async def tied_accounts(account_id: int) -> set[int]:
    """The account and every account tied to it, directly or through others."""
    found, frontier = {account_id}, {account_id}
    while frontier and len(found) < MOST_TIED:
        pairs = await PersonTie.filter(
            Q(account_a_id__in=frontier) | Q(account_b_id__in=frontier)
        ).values_list("account_a_id", "account_b_id")
        reached = {i for pair in pairs for i in pair} - found
        found |= reached
        frontier = reached
    return found


async def _void_double_votes(people: set[int], now: datetime) -> None:
    """In running challenges: one vote per entry for these accounts (the earliest), and
    none for an entry of one of them."""
    if len(people) < 2:
        return
    votes = await ChallengeVote.filter(
        voter_id__in=people,
        voided_at=None,
        entry__challenge__state=ChallengeState.RUNNING,
    ).values_list("id", "entry_id", "entry__post__author_id", "created_at")
    seen: set[int] = set()
    void: list[int] = []
    for vote_id, entry_id, author_id, _ in sorted(votes, key=lambda v: (v[3], v[0])):
        if author_id in people or entry_id in seen:
            void.append(vote_id)
        seen.add(entry_id)
    if void:
        await ChallengeVote.filter(id__in=void).update(voided_at=now)


async def merge_ties(keep: int, gone: int) -> None:
    """`gone` becomes `keep` (a link): its ties move to `keep`; one between them goes."""
    involving = Q(account_a_id=gone) | Q(account_b_id=gone)
    rows = await PersonTie.filter(involving).values_list(
        "account_a_id", "account_b_id", "reason", "created_at"
    )
    await PersonTie.filter(involving).delete()
    for low, high, reason, at in rows:
        other = high if low == gone else low
        if other == keep:
            continue
        a, b = sorted((keep, other))
        if not await PersonTie.exists(account_a_id=a, account_b_id=b):
            await PersonTie.create(account_a_id=a, account_b_id=b, reason=reason, created_at=at)
