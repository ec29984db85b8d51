"""Autocomplete for parameters marked `Param(autocomplete=True)`.

Each such parameter name has a lister (e.g. `style` → the style names of
`core.generation.styles`) given to the adapter by the composition root. Discord wants the
answer within 3 s; a lister that takes longer than `BUDGET` yields no suggestions rather
than an error.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from discord import app_commands

log = logging.getLogger(__name__)

ChoiceLister = Callable[[], Sequence[str] | Awaitable[Sequence[str]]]

BUDGET = 2.0  # seconds, of Discord's 3
MAX_CHOICES = 25
CHOICE_MAX = 100


class Autocomplete:
    def __init__(self, listers: Mapping[str, ChoiceLister] | None = None) -> None:
        self._listers = dict(listers or {})

    def supports(self, param_name: str) -> bool:
        return param_name in self._listers

    async def choices(self, param_name: str, current: str) -> list[app_commands.Choice[str]]:
        try:
            names = await asyncio.wait_for(self._list(param_name), timeout=BUDGET)
        except TimeoutError:
            log.warning("autocomplete for %r took longer than %.1f s", param_name, BUDGET)
            return []
        return [
            app_commands.Choice(name=name[:CHOICE_MAX], value=name[:CHOICE_MAX])
            for name in rank(names, current)[:MAX_CHOICES]
        ]

    async def _list(self, param_name: str) -> Sequence[str]:
        result = self._listers[param_name]()
        return await result if inspect.isawaitable(result) else result


def rank(names: Sequence[str], current: str) -> list[str]:
    """Names starting with what was typed first, then names containing it (case-insensitive)."""
    typed = current.strip().casefold()
    starts = [n for n in names if n.casefold().startswith(typed)]
    contains = [n for n in names if typed in n.casefold() and n not in starts]
    return starts + contains
