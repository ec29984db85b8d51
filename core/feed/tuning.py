"""`/feed tune`: the viewer's steering in plain words, stored on their taste profile.

`FeedTuning.tune` parses the words (`steering.parse_steering`), embeds each term and stores
the weighted terms with their vectors; ranking reads them back as `SteeringVector`s
(`steering_vectors`), only those embedded by the embedder in use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InvalidInput
from core.feed.embeddings import EmbeddingUnavailable, TextEmbedder
from core.feed.scoring import SteeringVector
from core.feed.steering import Direction, SteeringTerm, as_written, parse_steering
from core.persistence.models import Account, TasteProfile


@dataclass(frozen=True, slots=True)
class Tuning:
    text: str
    terms: tuple[SteeringTerm, ...]


class FeedTuning:
    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder

    async def current(self, viewer: Account) -> Tuning:
        profile = await TasteProfile.get_or_none(account_id=viewer.id)
        if profile is None:
            return Tuning("", ())
        return Tuning(profile.steering_text, tuple(_term(item) for item in profile.steering))

    async def tune(self, viewer: Account, text: str) -> Tuning:
        """Store the viewer's steering; it applies from the next page on."""
        terms = parse_steering(text)
        if not terms:
            raise InvalidInput("error.tune_empty")
        try:
            vectors = await self.embedder.embed([as_written(term, text) for term in terms])
        except EmbeddingUnavailable:
            raise InvalidInput("error.tune_unavailable") from None
        stored = [
            {
                "text": term.text,
                "direction": term.direction.value,
                "strength": term.strength,
                "model": self.embedder.model_id,
                "vector": [round(float(x), 5) for x in vector],
            }
            for term, vector in zip(terms, vectors, strict=True)
        ]
        profile, _ = await TasteProfile.get_or_create(account_id=viewer.id)
        profile.steering_text = text.strip()
        profile.steering = stored
        await profile.save(update_fields=["steering_text", "steering"])
        return Tuning(profile.steering_text, tuple(terms))

    async def reset(self, viewer: Account) -> None:
        await TasteProfile.filter(account_id=viewer.id).update(steering_text="", steering=[])


def steering_vectors(profile: TasteProfile | None, model_id: str) -> tuple[SteeringVector, ...]:
    """The stored terms as ranking weighs them; a term's vector only if `model_id` made it."""
    if profile is None:
        return ()
    terms = []
    for item in profile.steering:
        term = _term(item)
        vector = item.get("vector") if item.get("model") == model_id else None
        terms.append(
            SteeringVector(
                term.text,
                term.direction,
                term.weight,
                None if vector is None else np.asarray(vector, dtype=np.float32),
                term.strength,
            )
        )
    return tuple(terms)


def _term(item: dict) -> SteeringTerm:
    return SteeringTerm(item["text"], Direction(item["direction"]), float(item["strength"]))
