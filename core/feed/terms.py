"""Words and #tags of prompts and captions, the way the feed, search and steering see them.

- `words(text)`: lowercase words without the stop words of the text's language (German or
  English, `language_of`), German art words mapped to their English counterpart
  (`glossary.py`), plural `s` dropped: "Misty Lakes" and "misty lake" give the same words;
  "Aquarell" gives "watercolor"; "Nebel im All" gives "fog", "space".
- `tags(text)`: the `#tags` written in a text, lowercase, without the `#`; `post_tags`: the
  first few of a post's, the ones tastes and ranking count.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.errors import InvalidInput
from core.feed.glossary import GERMAN_TO_ENGLISH

TERM_MAX = 48  # longest word or tag kept (longer ones are cut)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TAG = re.compile(r"(?<![\w#&])#([^\W_][\w-]*)", re.UNICODE)

_ENGLISH_STOP_WORDS = """
    a an the and or but of in on at to for from with by as is are was were be been it its
    this that these those there here into onto over under very so too than then off up
    out my your his her our their me you we they he she i some any all no not just also
    more less only few much many style styled image picture like made
"""
_GERMAN_STOP_WORDS = """
    der die das den dem des ein eine einer eines einem einen und oder aber in im am an auf
    aus mit von vom zu zum zur bei für über unter ist sind war waren sein als wie so sehr
    auch nur noch mehr weniger kein keine keinen ohne nicht ich du er sie es wir ihr mein
    dein bild stil hat man
"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split())
GERMAN_STOP_WORDS = frozenset(_GERMAN_STOP_WORDS.split())
STOP_WORDS = ENGLISH_STOP_WORDS | GERMAN_STOP_WORDS  # either language's (for word lists)

# A stop word of one language that means something in the other: the German "All" is outer
# space ("Nebel im All"); the English "war", "hat", "man", "die" are words of a picture.
_MEANINGFUL_IN = {
    "de": frozenset({"all"}),
    "en": frozenset({"war", "hat", "man", "die"}),
}
_STOP_WORDS_IN = {language: STOP_WORDS - kept for language, kept in _MEANINGFUL_IN.items()}

# Glossary words that are English words too: mapped only in German text ("see" is a lake in
# German, a verb in English).
_ALSO_ENGLISH = frozenset({"see", "hell", "rot", "bunt", "all", "golden", "winter", "planet"})
# Function words that tell the language (false friends tell nothing)
_GERMAN_ONLY = GERMAN_STOP_WORDS - ENGLISH_STOP_WORDS - _MEANINGFUL_IN["en"]
_ENGLISH_ONLY = ENGLISH_STOP_WORDS - GERMAN_STOP_WORDS - _MEANINGFUL_IN["de"]
_GERMAN_LETTERS = frozenset("äöüß")


def normalize(text: str) -> str:
    """Unicode-normalized and case-folded (ß stays ß: casefold would make it ss)."""
    return unicodedata.normalize("NFKC", text).lower()


def language_of(tokens: list[str]) -> str:
    """ "de" or "en", from normalized words: German function words, umlauts and glossary
    words against English function words. A tie (a bare list of nouns) reads as English."""
    german = sum(map(_looks_german, tokens))
    english = sum(token in _ENGLISH_ONLY for token in tokens)
    return "de" if german > english else "en"


def _looks_german(token: str) -> bool:
    return (
        token in _GERMAN_ONLY
        or not _GERMAN_LETTERS.isdisjoint(token)
        or (token in GERMAN_TO_ENGLISH and token not in _ALSO_ENGLISH)
    )


def stem(word: str, language: str = "de") -> str:
    """A very light stemmer: English plural `s` (not `ss`), German words via the glossary
    (words that are English too only in German text)."""
    mapped = _translated(word, language)
    if mapped is not None:
        return mapped
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
        return _translated(word, language) or word
    return word


def _translated(word: str, language: str) -> str | None:
    if language != "de" and word in _ALSO_ENGLISH:
        return None
    return GERMAN_TO_ENGLISH.get(word)


def _stemmed(text: str) -> tuple[list[str], str]:
    tokens = _WORD.findall(normalize(text))
    language = language_of(tokens)
    return [stem(w, language)[:TERM_MAX] for w in tokens], language


def raw_words(text: str) -> list[str]:
    """Every word in order, normalized and stemmed, stop words included."""
    return _stemmed(text)[0]


def words(text: str) -> list[str]:
    """The meaningful words of `text`, in order (repeats kept); stop words are those of the
    text's language ("Nebel im All" keeps "All", as outer space)."""
    found, language = _stemmed(text)
    stop = _STOP_WORDS_IN[language]
    return [w for w in found if w not in stop and not w.isdigit()]


# The characters whose NFKC form holds a "#": the sign, the small and the fullwidth one
# (`test_a_text_without_a_sign_of_a_hash_has_no_tags` checks every code point). A text
# without any of them has no #tags and is not normalized to find none: the prompts of a
# community that writes no #tags, ~6 µs each, ~1.7 ms of a feed page at 275 candidates.
HASH_SIGNS = ("#", "\ufe5f", "\uff03")


def tags(text: str) -> list[str]:
    """The #tags of `text`, normalized, in order of first appearance, without repeats."""
    if not any(sign in text for sign in HASH_SIGNS):
        return []
    found: dict[str, None] = {}
    for match in _TAG.finditer(normalize(text)):
        tag = match.group(1).strip("-")[:TERM_MAX]
        if tag:
            found.setdefault(tag, None)
    return list(found)


def tag_name(typed: str) -> str:
    """A tag as someone types it to look it up (`fox`, `#fox`, `##Fox`) → the stored form
    (`fox`), normalized as `tags` normalizes the tags in posts."""
    name = normalize(typed.strip()).lstrip("#").strip("-")[:TERM_MAX]
    if not _TAG.fullmatch(f"#{name}"):
        raise InvalidInput("error.bad_tag", value=typed[:40])
    return name


def post_terms(prompt: str | None, caption: str, *, limit: int = 32) -> dict[str, bool]:
    """What a post is findable by: term → written as a #tag. Tags first, then words."""
    text = f"{prompt or ''}\n{caption}"
    terms: dict[str, bool] = {}
    for tag in tags(text):
        terms[tag] = True
        for part in words(tag.replace("-", " ")):  # #misty-lake is also found as "lake"
            terms.setdefault(part, False)
    for word in words(text):
        terms.setdefault(word, False)
    return dict(list(terms.items())[:limit])


TAGS_PER_POST = 5  # a post's first #tags that say what it is (a wall of tags says little)


@lru_cache(maxsize=20_000)  # posts' texts never change, and a feed page reads ~300
def post_tags(prompt: str | None, caption: str | None) -> tuple[str, ...]:
    """The #tags that say what a post is, for tastes and ranking: its first few."""
    return tuple(tags(f"{prompt or ''}\n{caption or ''}")[:TAGS_PER_POST])


def embedding_text(prompt: str | None, caption: str) -> str:
    """The text a post's embedding is made from."""
    return " ".join(part for part in (prompt or "", caption) if part).strip()
