"""Ending a challenge: its winners, a collage of them, one outbox message per follower.

Persist before work, exactly once:
- The scheduler leader claims a challenge whose end has come (`running` → `ending`, a
  conditional update only one process can win) before any work.
- Winners, the entries' final votes and ranks, the outbox rows and `finished` are written
  in one transaction. Each outbox row has the key `challenge-results:<challenge>:<follow>`,
  so doing it again (a leader that died after the claim leaves the challenge `ending`; the
  next leader's `take_over` redoes it) cannot queue a second copy.
- The paced outbox sender delivers within each platform's limits and retries; a restart
  sends again only what was not confirmed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from core.challenges.rules import WINNERS
from core.challenges.service import Challenges, Standing
from core.clock import Clock
from core.delivery import Outbox
from core.delivery.outbox import to_place
from core.digests.compose import local_date, thumbnail_of
from core.domain import ChallengeState
from core.i18n import translate
from core.images import ImageFile, ImageStore
from core.persistence.models import Challenge, ChallengeEntry
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


def results_key(challenge_id: int, follow_id: int) -> str:
    return f"challenge-results:{challenge_id}:{follow_id}"


class ChallengeResultsRenderer(Protocol):
    """The results as a serialized reply in `language` (buttons already tokenized)."""

    async def results(
        self,
        language: str,
        challenge: Challenge,
        winners: list[Standing],
        collage: ImageFile,
    ) -> dict[str, Any]: ...


class ChallengeResults:
    def __init__(
        self,
        challenges: Challenges,
        outbox: Outbox,
        images: ImageStore,
        renderer: ChallengeResultsRenderer,
        clock: Clock,
        default_language: str,
        *,
        weekly: bool = True,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._weekly = weekly
        self._challenges = challenges
        self._outbox = outbox
        self._images = images
        self._renderer = renderer
        self._clock = clock
        self._default_language = default_language
        self._units = units

    async def tick(self) -> int:
        """The leader's tick: this week's global challenge (if `weekly`), then finish every
        challenge whose end has come. Returns how many result messages were queued."""
        created = await self._challenges.ensure_weekly() if self._weekly else None
        if created is not None:
            log.info("weekly challenge %s: %r", created.key, created.theme)
        queued = 0
        due = await Challenge.filter(
            state=ChallengeState.RUNNING, ends_at__lte=self._clock.now()
        ).order_by("ends_at", "id")
        for challenge in due:
            claimed = await Challenge.filter(id=challenge.id, state=ChallengeState.RUNNING).update(
                state=ChallengeState.ENDING
            )
            if claimed:
                queued += await self.finish(challenge)
        return queued

    async def take_over(self) -> int:
        """As a new leader: finish the challenges a dead leader had claimed."""
        queued = 0
        for challenge in await Challenge.filter(state=ChallengeState.ENDING).order_by("id"):
            queued += await self.finish(challenge)
        return queued

    async def finish(self, challenge: Challenge) -> int:
        try:
            return await self._finish(challenge)
        except Exception:  # stays `ending`: the next leader (or this one's take-over) retries
            log.exception("finishing challenge %s failed", challenge.id)
            return 0

    async def _finish(self, challenge: Challenge) -> int:
        standings = await self._challenges.standings(challenge, at=challenge.ends_at)
        winners = standings[:WINNERS]
        follows = await self._challenges.followers(challenge) if winners else []
        collages: dict[str, ImageFile] = {}
        rendered: dict[str, dict[str, Any]] = {}
        items = []
        for follow in follows:
            destination = follow.destination
            language = destination.language or self._default_language
            if language not in collages:
                collages[language] = await self._collage(language, challenge, winners)
            if language not in rendered:
                rendered[language] = await self._renderer.results(
                    language, challenge, winners, collages[language]
                )
            items.append(
                to_place(
                    destination,
                    follow.target,
                    rendered[language],
                    results_key(challenge.id, follow.id),
                )
            )
        async with self._units():
            for rank, standing in enumerate(standings, start=1):
                await ChallengeEntry.filter(id=standing.entry.id).update(
                    votes=standing.votes, rank=rank
                )
            await self._outbox.add(items)
            first = next(iter(collages.values()), None)
            await Challenge.filter(id=challenge.id).update(
                state=ChallengeState.FINISHED,
                finished_at=self._clock.now(),
                collage=first.sha256 if first is not None else None,
            )
        return len(items)

    async def _collage(
        self, language: str, challenge: Challenge, winners: list[Standing]
    ) -> ImageFile:
        from core.digests.collage import CollageText, render_collage  # Pillow: on first use

        thumbnails = await asyncio.gather(*(thumbnail_of(self._images, s.post) for s in winners))
        text = CollageText(
            translate(language, "challenge.collage.title", theme=challenge.theme),
            local_date(language, challenge.ends_at),
            translate(language, "digest.ai_label"),
        )
        picture = await asyncio.to_thread(render_collage, list(thumbnails), text)
        return await self._images.put(picture, trusted=True)
