"""Autocomplete for parameters marked `Param(autocomplete=True)`.

Each such parameter name has a lister given to the adapter by the composition root (e.g.
`style` → the styles of `core.generation.styles`): called with the user's language, it
returns `(value, label)` pairs; the user sees the label, the command gets the value. Discord
wants the answer within 3 s; a lister that takes longer than `BUDGET` yields no suggestions
rather than an error.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from discord import app_commands

log = logging.getLogger(__name__)

Suggestion = tuple[str, str]  # (value, label in the user's language)
ChoiceLister = Callable[[str], Sequence[Suggestion] | Awaitable[Sequence[Suggestion]]]

BUDGET = 2.0  # seconds, of Discord's 3
MAX_CHOICES = 25
CHOICE_MAX = 100


class Autocomplete:
    def __init__(self, listers: Mapping[str, ChoiceLister] | None = None) -> None:
        self._listers = dict(listers or {})

    def supports(self, param_name: str) -> bool:
        return param_name in self._listers

    async def choices(
        self, param_name: str, current: str, language: Awaitable[str]
    ) -> list[app_commands.Choice[str]]:
        try:
            async with asyncio.timeout(BUDGET):
                suggestions = await self._list(param_name, await language)
        except TimeoutError:
            log.warning("autocomplete for %r took longer than %.1f s", param_name, BUDGET)
            return []
        return [
            app_commands.Choice(name=label[:CHOICE_MAX], value=value[:CHOICE_MAX])
            for value, label in rank(suggestions, current)[:MAX_CHOICES]
        ]

    async def _list(self, param_name: str, language: str) -> Sequence[Suggestion]:
        result = self._listers[param_name](language)
        return await result if inspect.isawaitable(result) else result


def rank(suggestions: Sequence[Suggestion], current: str) -> list[Suggestion]:
    """Suggestions whose label or value starts with what was typed, then those containing it
    (case-insensitive)."""
    typed = current.strip().casefold()

    def texts(suggestion: Suggestion) -> tuple[str, str]:
        return suggestion[0].casefold(), suggestion[1].casefold()

    starts = [s for s in suggestions if any(t.startswith(typed) for t in texts(s))]
    contains = [s for s in suggestions if s not in starts and any(typed in t for t in texts(s))]
    return starts + contains
