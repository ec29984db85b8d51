"""Diversity: no author holds more than a quarter of a page.

Pages are cut from the ranked list in order; a post whose author already has their share of
the page waits (keeping its rank) and leads the next page instead. On pages of fewer than
eight posts a quarter is less than two, so there each author gets one place. The cap only
makes room for others: when no other candidates are left, waiting posts fill the page to its
size in rank order, so a page is never short while posts remain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TypeVar

AUTHOR_SHARE = 0.25


class Authored(Protocol):
    @property
    def author_id(self) -> int: ...


Item = TypeVar("Item", bound=Authored)


def author_cap(page_size: int) -> int:
    """How many posts of one author a page may hold: ⌊25 %⌋, but at least one."""
    return max(1, int(page_size * AUTHOR_SHARE))


def paginate(ranked: Sequence[Item], page_size: int, pages: int) -> list[list[Item]]:
    """Up to `pages` pages of `page_size` items (the last one shorter when items run out)."""
    cap = author_cap(page_size)
    pending = list(ranked)
    out: list[list[Item]] = []
    while pending and len(out) < pages:
        page: list[Item] = []
        per_author: Counter[int] = Counter()
        waiting: list[Item] = []
        for item in pending:
            if len(page) < page_size and per_author[item.author_id] < cap:
                page.append(item)
                per_author[item.author_id] += 1
            else:
                waiting.append(item)
        if len(page) < page_size and waiting:  # only capped authors are left: fill with them
            room = page_size - len(page)
            chosen = {id(item) for item in page + waiting[:room]}
            page = [item for item in pending if id(item) in chosen]  # in rank order
            waiting = waiting[room:]
        out.append(page)
        pending = waiting
    return out
