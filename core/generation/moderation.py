"""Checking a prompt before any image is made.

- `OpenAIModerator` asks OpenAI's free moderation model (`omni-moderation-latest`).
- `LocalModerator` is the policy when there is no key: a short list of clearly disallowed
  terms, matched as whole words after undoing the usual disguises (case, accents, look-alike
  letters, leetspeak, letters spread out with spaces or dots, stretched letters). Whole-word
  matching is what keeps "Scunthorpe", "therapist" or "Sussex" from being refused.

Both return a `ModerationVerdict`; the caller turns a flagged verdict into `PromptFlagged`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import openai
from openai import AsyncOpenAI

from core.generation.provider import GenerationFailed, ModerationVerdict

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


@dataclass(frozen=True, slots=True)
class Rule:
    """Flags `category` when any of `terms` occurs, or — when `with_any` is given — when a
    term occurs together with one of `with_any` anywhere in the prompt."""

    category: str
    terms: tuple[str, ...]
    with_any: tuple[str, ...] = ()


_MINORS = (
    "child", "children", "kid", "kids", "minors", "underage", "toddler", "infant",
    "preteen", "schoolgirl", "schoolboy", "little girl", "little boy", "loli", "shota",
    "kinder", "mädchen",
)  # fmt: skip
_SEXUAL = (
    "nude", "naked", "nudity", "sex", "sexual", "sexy", "porn", "porno", "erotic", "nsfw",
    "lingerie", "topless", "undressed", "nackt", "nackte", "nackten", "erotisch",
)  # fmt: skip
_GROUPS = (
    "jews", "jewish people", "muslims", "christians", "black people", "blacks", "gays",
    "gay people", "trans people", "immigrants", "refugees", "roma", "asians", "juden",
    "muslime", "ausländer", "flüchtlinge",
)  # fmt: skip
_INCITEMENT = (
    "exterminate", "gas the", "lynch", "kill all", "death to", "vergasen", "tod den",
)  # fmt: skip

# Short on purpose: the clearly disallowed, not the merely adult. Server policies tighten it
# with `LocalModerator(extra_words=...)`.
RULES: tuple[Rule, ...] = (
    Rule("sexual/minors", ("csam", "child porn", "pedo", "paedo", "pedophile", "paedophile",
                           "kinderporno", "kinderpornografie")),
    Rule("sexual/minors", _MINORS, with_any=_SEXUAL),
    Rule("violence/graphic", ("beheading", "beheaded", "decapitated", "decapitation",
                              "dismembered", "dismemberment", "disemboweled", "disembowelled",
                              "mutilated corpse", "snuff film", "gore porn", "torture porn")),
    Rule("hate", ("heil hitler", "sieg heil", "white power", "ethnic cleansing", "1488")),
    Rule("hate", _GROUPS, with_any=_INCITEMENT),
)  # fmt: skip
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
    stretched letters squeezed. A term matches if it appears in any reading."""
    folded = fold(text)
    variants = []
    for variant in (folded, folded.translate(_LEET)):
        reading = _reading(_WORD.findall(variant))
        variants += [reading, reading.squeezed()]
    return list(dict.fromkeys(variants))


def _phrase(term: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(term)))


class _Matcher:
    """Matches a term list against a reading: whole words and whole phrases in its words,
    or anywhere inside a spelled-out run ("c s a m a" still holds "csam")."""

    def __init__(self, terms: Iterable[str]) -> None:
        phrases = {_phrase(term) for term in terms} - {()}
        phrases |= {("".join(phrase),) for phrase in phrases}  # "heil hitler" → "heilhitler"
        phrases |= {tuple(_squeeze(word) for word in phrase) for phrase in phrases}
        self._by_first_word: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            self._by_first_word.setdefault(phrase[0], []).append(phrase)
        self._solid = {"".join(phrase) for phrase in phrases if len("".join(phrase)) >= 3}

    def found_in(self, reading: Reading) -> bool:
        words = reading.words
        in_words = any(
            words[i : i + len(phrase)] == phrase
            for i, word in enumerate(words)
            for phrase in self._by_first_word.get(word, ())
        )
        return in_words or any(solid in run for run in reading.spelled for solid in self._solid)


class WordList:
    """A plain list of words or phrases (a server's blocked words), matched like `RULES`."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = [(term, _Matcher((term,))) for term in dict.fromkeys(terms) if _phrase(term)]

    @property
    def usable(self) -> bool:
        """Some term has letters or digits to match (punctuation alone matches nothing)."""
        return bool(self._terms)

    def hits(self, text: str) -> list[str]:
        """The terms found in `text`, in the list's order."""
        if not self._terms:
            return []
        views = readings(text)
        return [term for term, matcher in self._terms if any(matcher.found_in(v) for v in views)]


class LocalModerator:
    """`Moderator` that needs no network: `RULES` plus any `extra_words` of a server policy."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._rules: list[tuple[str, _Matcher, _Matcher | None]] = [
            (
                rule.category,
                _Matcher(rule.terms),
                _Matcher(rule.with_any) if rule.with_any else None,
            )
            for rule in RULES
        ]
        extra = [word for word in extra_words if _phrase(word)]
        if extra:
            self._rules.append((CUSTOM_CATEGORY, _Matcher(extra), None))

    def __repr__(self) -> str:
        return f"LocalModerator(rules={len(self._rules)})"

    def verdict(self, text: str) -> ModerationVerdict:
        views = readings(text)
        categories = sorted(
            {
                category
                for category, terms, companions in self._rules
                if any(terms.found_in(view) for view in views)
                and (companions is None or any(companions.found_in(view) for view in views))
            }
        )
        return ModerationVerdict(flagged=bool(categories), categories=tuple(categories))

    async def check_prompt(self, text: str) -> ModerationVerdict:
        return self.verdict(text)


# Adult and graphic terms: refused in prompts where a server policy has NSFW off, and what
# makes a post `sensitive` (kept out of such places' feeds, digests and cross-posts).
SENSITIVE_TERMS = (
    "nude", "naked", "nudity", "sex", "sexual", "sexy", "porn", "porno", "erotic", "nsfw",
    "lingerie", "topless", "undressed", "bottomless", "hentai", "fetish", "bdsm", "orgasm",
    "nackt", "nackte", "nackten", "erotisch", "gore", "gory", "bloody corpse", "blutig",
)  # fmt: skip
SENSITIVE = WordList(SENSITIVE_TERMS)


def is_sensitive(text: str) -> bool:
    """Adult or graphic: what a place with NSFW off neither generates nor shows."""
    return bool(SENSITIVE.hits(text))
