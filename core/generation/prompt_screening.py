"""Checking a prompt before any image is made.

- `OpenAIModerator` asks OpenAI's free moderation model (`omni-moderation-latest`).
- `LocalModerator` is the policy when there is no key: a short list of clearly disallowed
  terms, matched as whole words after undoing the usual disguises (case, accents, look-alike
  letters, leetspeak, letters spread out with spaces or dots, stretched letters). Whole-word
  matching is what keeps "Scunthorpe", "therapist" or "Sussex" from being refused.

Both return a `ModerationVerdict`; the caller turns a flagged verdict into `PromptFlagged`.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.generation import screening_terms as lists
from core.generation.provider import GenerationFailed, ModerationVerdict

# the SDK is imported where it is used: it costs ~0.5 s CPU at every start-up, and a
# process without OPENAI_API_KEY never needs it
if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

MODERATION_MODEL = "omni-moderation-latest"


class OpenAIModerator:
    """`Moderator` backed by OpenAI's moderation endpoint."""

    def __init__(self, client: AsyncOpenAI, model: str = MODERATION_MODEL) -> None:
        self._client = client
        self._model = model

    def __repr__(self) -> str:
        return f"OpenAIModerator(model={self._model!r})"

    async def check_prompt(self, text: str) -> ModerationVerdict:
        import openai

        try:
            response = await self._client.moderations.create(model=self._model, input=text)
        except openai.APIError as exc:
            # Fail closed: without a verdict no image is made.
            log.warning("moderation unavailable: %s", type(exc).__name__)
            raise GenerationFailed("error.moderation_unavailable") from exc
        flagged = any(result.flagged for result in response.results)
        categories = sorted(
            {
                name
                for result in response.results
                for name, hit in result.categories.model_dump(by_alias=True).items()
                if hit
            }
        )
        return ModerationVerdict(flagged=flagged, categories=tuple(categories))


# ---------------------------------------------------------------- the local word list

# Inflections a listed word may carry (English and German): "nude" also matches "nudes",
# "nackt" also "nackte", "nackten"; "murder" also "murdered". A term never matches inside
# another word unless it is marked as a compound part (`*`, see `screening_terms`).
SUFFIXES = ("", "s", "es", "d", "ed", "ing", "er", "ers", "ly", "e", "en", "em", "ern", "n")
SQUEEZED_MIN = 3  # letters a squeezed term keeps, at least
COMPOUND_REST = 3  # letters the other part of a compound needs ("Nacktfoto": "foto")
BLOCKED_RULES = lists.BLOCKED_RULES
SENSITIVE_RULES = lists.SENSITIVE_RULES
RULES = BLOCKED_RULES
CUSTOM_CATEGORY = "policy"

# Cyrillic and Greek letters that look like Latin ones.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ѕ": "s", "ј": "j", "ԁ": "d", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
        "α": "a", "ε": "e", "ο": "o", "ρ": "p", "κ": "k", "τ": "t", "ι": "i", "ν": "v",
    }
)  # fmt: skip
# The usual digit and symbol stand-ins for letters.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
     "!": "i", "|": "l", "+": "t", "€": "e"}
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, accents off, look-alike letters to Latin, invisible characters dropped.

    German umlauts fold like other accents (ä → a); terms are folded the same way, so
    "mädchen" in the list still matches "Mädchen" and "madchen".
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        kind = unicodedata.category(char)
        if kind == "Cc":
            kept.append(" ")  # a line break still separates words
        elif kind not in ("Cf", "Mn", "Me"):  # zero-width characters, accents
            kept.append(char)
    return "".join(kept).translate(_LOOKALIKES)


def _squeeze(word: str) -> str:
    """Runs of one letter shortened to one: "nuuude" → "nude", "kill" → "kil"."""
    return re.sub(r"(.)\1+", r"\1", word)


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a prompt: its whole words, in order, and the letters of anything
    spelled out letter by letter ("n u d e", "n.u.d.e"), where word boundaries are lost."""

    words: tuple[str, ...]
    spelled: tuple[str, ...] = ()

    def squeezed(self) -> Reading:
        return Reading(
            tuple(_squeeze(word) for word in self.words),
            tuple(_squeeze(run) for run in self.spelled),
        )


def _reading(words: list[str]) -> Reading:
    """Join runs of three or more single letters into one word (and remember them)."""
    joined: list[str] = []
    spelled: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 3:
            joined.append("".join(run))
            spelled.append(joined[-1])
        else:
            joined.extend(run)
        run = []
        if word:
            joined.append(word)
    return Reading(tuple(joined), tuple(spelled))


def readings(text: str) -> list[Reading]:
    """The ways a prompt may be read: as written and with leetspeak undone, each also with
    stretched letters squeezed, and each without its harmless phrases ("shooting star").
    A term matches if it appears in any reading."""
    folded = fold(text)
    variants = []
    for variant in (folded, folded.translate(_LEET)):
        reading = _reading(_without_harmless(_WORD.findall(variant)))
        variants += [reading, reading.squeezed()]
    return list(dict.fromkeys(variants))


def _phrase(term: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(term.replace("*", " "))))


def _harmless_phrases() -> dict[str, list[tuple[str, ...]]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted({_phrase(p) for p in lists.HARMLESS} - {()}, key=len, reverse=True):
        by_first.setdefault(phrase[0], []).append(phrase)
    return by_first


_HARMLESS = _harmless_phrases()


def _without_harmless(words: list[str]) -> list[str]:
    """The words with every harmless phrase taken out (longest first)."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        for phrase in _HARMLESS.get(words[index], ()):
            if tuple(words[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            kept.append(words[index])
            index += 1
    return kept


@dataclass(slots=True)
class _Compounds:
    """Stems that match as the first or last part of a longer word (German compounds)."""

    first: set[str] = field(default_factory=set)
    last: set[str] = field(default_factory=set)

    def add(self, term: str) -> None:
        stem = "".join(_phrase(term))
        if term.endswith("*"):
            self.first.add(stem)
        if term.startswith("*"):
            self.last.update(stem + suffix for suffix in SUFFIXES)

    def holds(self, word: str) -> bool:
        longest = len(word) - COMPOUND_REST  # the longest stem that leaves enough
        return _begins(word, self.first, longest) or _ends(word, self.last, longest)


# A stem of `stems` begins (ends) `word` and is at most `longest` letters long. Whichever is
# fewer: every stem tried on the word, or the word's beginnings (endings) of each length
# looked up (a prompt's every word, every command: the sensitive list's many stems cost
# more than the word's few lengths, the blocked list's few stems less).
def _begins(word: str, stems: set[str], longest: int) -> bool:
    if len(stems) <= longest + 1:
        return any(len(stem) <= longest and word.startswith(stem) for stem in stems)
    return any(word[:n] in stems for n in range(longest + 1))


def _ends(word: str, stems: set[str], longest: int) -> bool:
    if len(stems) <= longest + 1:
        return any(len(stem) <= longest and word.endswith(stem) for stem in stems)
    return any(word[len(word) - n :] in stems for n in range(longest + 1))


class _Matcher:
    """Matches a term list against a reading: whole words (with their inflections), whole
    phrases, compound parts, or anything inside a spelled-out run ("c s a m a" holds "csam").
    `inflect=False` matches words exactly (a server's own blocked words)."""

    def __init__(self, terms: Iterable[str], *, inflect: bool = True) -> None:
        suffixes = SUFFIXES if inflect else ("",)
        phrases: set[tuple[str, ...]] = set()
        self._compounds = _Compounds()
        for term in terms:
            phrase = _phrase(term)
            if not phrase:
                continue
            if "*" in term and len(phrase) == 1:
                self._compounds.add(term)
            phrases.update((*phrase[:-1], phrase[-1] + suffix) for suffix in suffixes)
        phrases |= {("".join(phrase),) for phrase in phrases}  # "heil hitler" → "heilhitler"
        # Stretched letters squeezed ("nuuude" → "nude"), unless that leaves a term too
        # short to mean anything ("xxx" → "x", "kkk" → "k" would match any lone letter).
        squeezed = {tuple(_squeeze(word) for word in phrase) for phrase in phrases}
        phrases |= {phrase for phrase in squeezed if len("".join(phrase)) >= SQUEEZED_MIN}
        self._phrases(phrases)

    def _phrases(self, phrases: set[tuple[str, ...]]) -> None:
        self._by_first_word: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            self._by_first_word.setdefault(phrase[0], []).append(phrase)
        self._solid = {"".join(phrase) for phrase in phrases if len("".join(phrase)) >= 3}

    @classmethod
    def merged(cls, matchers: Iterable[_Matcher]) -> _Matcher:
        """One matcher for all the terms of `matchers`: what `_Matcher` of those terms builds
        (each term's phrases are made on their own and pooled), without making them again."""
        merged = cls(())
        phrases: set[tuple[str, ...]] = set()
        for matcher in matchers:
            phrases.update(*matcher._by_first_word.values())
            merged._compounds.first |= matcher._compounds.first
            merged._compounds.last |= matcher._compounds.last
        merged._phrases(phrases)
        return merged

    def found_in(self, reading: Reading) -> bool:
        words = reading.words
        in_words = any(
            words[i : i + len(phrase)] == phrase
            for i, word in enumerate(words)
            for phrase in self._by_first_word.get(word, ())
        )
        return (
            in_words
            or any(self._compounds.holds(word) for word in words)
            or any(solid in run for run in reading.spelled for solid in self._solid)
        )


class WordList:
    """A plain list of words or phrases (a server's blocked words), matched like `RULES`."""

    def __init__(self, terms: Iterable[str], *, inflect: bool = False) -> None:
        self._terms = [
            (term, _Matcher((term,), inflect=inflect))
            for term in dict.fromkeys(terms)
            if _phrase(term)
        ]
        # All terms in one matcher: it matches exactly where one of the terms' does, so the
        # usual harmless text costs one pass instead of one per term.
        self._any = _Matcher.merged(matcher for _, matcher in self._terms)

    @property
    def usable(self) -> bool:
        """Some term has letters or digits to match (punctuation alone matches nothing)."""
        return bool(self._terms)

    def hits(self, text: str) -> list[str]:
        """The terms found in `text`, in the list's order."""
        return self.hits_in(readings(text)) if self._terms else []

    def hits_in(self, views: list[Reading]) -> list[str]:
        if not any(self._any.found_in(view) for view in views):
            return []
        return [term for term, matcher in self._terms if any(matcher.found_in(v) for v in views)]


class Lexicon:
    """Rules by category: which categories a text falls in, and the terms that put it there."""

    def __init__(self, rules: Iterable[lists.Rule]) -> None:
        self._rules = [
            (
                rule.category,
                WordList(rule.terms, inflect=True),
                _Matcher(rule.with_any) if rule.with_any else None,
            )
            for rule in rules
        ]

    def __len__(self) -> int:
        return len(self._rules)

    def categories(self, text: str, views: list[Reading] | None = None) -> dict[str, str]:
        """category → the first term found for it."""
        views = views if views is not None else readings(text)
        found: dict[str, str] = {}
        for category, words, companions in self._rules:
            if category in found:
                continue
            hits = words.hits_in(views)
            if hits and (companions is None or any(companions.found_in(v) for v in views)):
                found[category] = hits[0].replace("*", "")
        return found


@functools.cache
def blocked() -> Lexicon:
    """The refused categories' lexicon, built on first use (~0.1 s of CPU: every term's
    inflections and spellings), not at import by every process that never screens a prompt."""
    return Lexicon(BLOCKED_RULES)


@functools.cache
def sensitive() -> Lexicon:
    """The opt-in categories' lexicon, built on first use (see `blocked`)."""
    return Lexicon(SENSITIVE_RULES)


class LocalModerator:
    """`Moderator` that needs no network: refuses the `BLOCKED_RULES` categories and any
    `extra_words` of a server policy. (Sensitive prompts, adult or violent, are the policy's
    business: `core.safety.policy` admits them only where place and person opted in.)"""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._extra = WordList(word for word in extra_words if _phrase(word))

    def __repr__(self) -> str:
        return f"LocalModerator(rules={len(blocked()) + (1 if self._extra.usable else 0)})"

    def verdict(self, text: str) -> ModerationVerdict:
        views = readings(text)
        categories = set(blocked().categories(text, views))
        if self._extra.hits_in(views):
            categories.add(CUSTOM_CATEGORY)
        return ModerationVerdict(flagged=bool(categories), categories=tuple(sorted(categories)))

    async def check_prompt(self, text: str) -> ModerationVerdict:
        return self.verdict(text)


def sensitive_terms(text: str) -> dict[str, str]:
    """Adult or violent (category → a term found): what a person sees and makes only after
    opting in, and a place only where its policy allows NSFW."""
    return sensitive().categories(text)


def is_sensitive(text: str) -> bool:
    return bool(sensitive_terms(text))


def classify(text: str) -> dict[str, str]:
    """Every category the local lists find (blocked and sensitive): for reports and tests."""
    views = readings(text)
    return {**sensitive().categories(text, views), **blocked().categories(text, views)}
