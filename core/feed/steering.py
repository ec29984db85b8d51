"""`/feed tune` in plain words: "more watercolor landscapes, less anime" → weighted terms.

A direction word starts a term and says which way it pulls; a comma, "and", "but" (or
their German forms) ends a term, and the next one keeps the direction until a new direction
word comes:

    more cats and dogs, less anime       → more "cats", more "dogs", less "anime"
    mehr Aquarell-Landschaften, kein Anime → more "aquarell-landschaften", no "anime"
    much more neon, a bit less pixel art → more (×2) "neon", less (×0.5) "pixel art"

Directions: more (+1), less (−1), no (−3, and clear matches are left out), only (+2, and
posts matching none of the "only" terms sink). Without any direction word, terms mean "more".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from core.feed.terms import normalize

MAX_TERMS = 8
TERM_LENGTH = 40
TEXT_LENGTH = 300


class Direction(StrEnum):
    MORE = "more"
    LESS = "less"
    NO = "no"
    ONLY = "only"


BASE_WEIGHT = {Direction.MORE: 1.0, Direction.LESS: -1.0, Direction.NO: -3.0, Direction.ONLY: 2.0}

# Phrases, longest first, each mapped to its direction (English and German).
_DIRECTION_PHRASES: tuple[tuple[str, Direction], ...] = tuple(
    sorted(
        [
            *((p, Direction.MORE) for p in ("more", "more of", "lots of", "mehr", "mehr von")),
            *((p, Direction.LESS) for p in ("less", "fewer", "less of", "weniger")),
            *(
                (p, Direction.NO)
                for p in (
                    "no",
                    "no more",
                    "none of",
                    "not",
                    "never",
                    "without",
                    "kein",
                    "keine",
                    "keinen",
                    "keiner",
                    "keines",
                    "nicht",
                    "nichts",
                    "ohne",
                    "nie",
                    "nie mehr",
                    "keine mehr",
                    "kein mehr",
                    "nicht mehr",
                    "gar kein",
                    "gar keine",
                    "not any",
                    "no longer",
                )
            ),
            *((p, Direction.ONLY) for p in ("only", "just", "nur", "ausschließlich")),
        ],
        key=lambda item: -len(item[0].split()),
    )
)
_INTENSIFIERS: tuple[tuple[str, float], ...] = (
    ("a lot", 2.0), ("much", 2.0), ("way", 2.0), ("far", 2.0), ("lots", 2.0),
    ("viel", 2.0), ("deutlich", 2.0), ("sehr viel", 2.0),
    ("a bit", 0.5), ("a little", 0.5), ("slightly", 0.5), ("somewhat", 0.5),
    ("etwas", 0.5), ("ein bisschen", 0.5), ("ein wenig", 0.5), ("leicht", 0.5),
)  # fmt: skip
_SEPARATORS = frozenset({"and", "und", "but", "aber", "or", "oder", "plus", "&"})
_SPLIT = re.compile(r"[,;.!?/\n]+")
_WORD = re.compile(r"[^\s,;.!?/]+")


@dataclass(frozen=True, slots=True)
class SteeringTerm:
    text: str
    direction: Direction
    strength: float = 1.0  # ×2 for "much more", ×0.5 for "a bit less"

    @property
    def weight(self) -> float:
        return BASE_WEIGHT[self.direction] * self.strength


def _take(words: list[str], phrases: tuple[tuple[str, object], ...]) -> tuple[object, int]:
    """The phrase the words start with (longest match), and how many words it covers."""
    best: tuple[object, int] = (None, 0)
    for phrase, value in phrases:
        size = len(phrase.split())
        if size > best[1] and words[:size] == phrase.split():
            best = (value, size)
    return best


class _Reader:
    """Reads words left to right, collecting terms under the current direction."""

    def __init__(self) -> None:
        self.terms: dict[str, SteeringTerm] = {}
        self.direction = Direction.MORE
        self.strength = 1.0
        self.current: list[str] = []

    def finish_term(self) -> None:
        phrase = " ".join(self.current).strip("-'\"“”„")[:TERM_LENGTH].strip()
        if phrase:
            self.terms.pop(phrase, None)  # a repeat moves to the end with its new direction
            self.terms[phrase] = SteeringTerm(phrase, self.direction, self.strength)
        self.current = []

    def read(self, words: list[str]) -> None:
        index = 0
        while index < len(words):
            rest = words[index:]
            boost, boost_size = _take(rest, _INTENSIFIERS)
            direction, size = _take(rest[boost_size:], _DIRECTION_PHRASES)
            if isinstance(direction, Direction):
                self.finish_term()
                self.direction = direction
                self.strength = boost if isinstance(boost, float) else 1.0
                index += boost_size + size
                continue
            if rest[0] in _SEPARATORS:
                self.finish_term()
            else:
                self.current.append(rest[0])
            index += 1
        self.finish_term()


def as_written(term: SteeringTerm, text: str) -> str:
    """The term as the viewer typed it in `text` (a term is lowercase; an embedding model
    reads "Berge" better than "berge"), or the term itself when it cannot be found."""
    written = unicodedata.normalize("NFKC", text)
    if len(written) == len(normalize(written)):  # lowercasing kept every offset
        start = normalize(written).find(term.text)
        if start >= 0:
            return written[start : start + len(term.text)]
    return term.text


def parse_steering(text: str) -> list[SteeringTerm]:
    """The weighted terms of a tuning text (at most MAX_TERMS; repeats merged, last wins)."""
    reader = _Reader()
    for clause in _SPLIT.split(normalize(text)[:TEXT_LENGTH]):
        reader.read(_WORD.findall(clause))
    return list(reader.terms.values())[-MAX_TERMS:]
