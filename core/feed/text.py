"""Words and #tags of prompts and captions, the way the feed, search and steering see them.

- `words(text)`: lowercase words without stop words (English and German), German art words
  mapped to their English counterpart (`glossary.py`), plural `s` dropped: "Misty Lakes"
  and "misty lake" give the same words; "Aquarell" gives "watercolor".
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

_STOP_WORDS = """
    a an the and or but of in on at to for from with by as is are was were be been it its
    this that these those there here into onto over under very so too than then of off up
    out my your his her our their me you we they he she i some any all no not just also
    more less only few much many style styled image picture of by like made
    der die das den dem des ein eine einer eines einem einen und oder aber in im am an auf
    aus mit von vom zu zum zur bei für über unter ist sind war waren sein als wie so sehr
    auch nur noch mehr weniger kein keine keinen ohne nicht ich du er sie es wir ihr mein
    dein sein bild
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def normalize(text: str) -> str:
    """Unicode-normalized and case-folded (ß stays ß: casefold would make it ss)."""
    return unicodedata.normalize("NFKC", text).lower()


def stem(word: str) -> str:
    """A very light stemmer: English plural `s` (not `ss`), German words via the glossary."""
    mapped = GERMAN_TO_ENGLISH.get(word)
    if mapped is not None:
        return mapped
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
        return GERMAN_TO_ENGLISH.get(word, word)
    return word


def raw_words(text: str) -> list[str]:
    """Every word in order, normalized and stemmed, stop words included."""
    return [stem(w)[:TERM_MAX] for w in _WORD.findall(normalize(text))]


def words(text: str) -> list[str]:
    """The meaningful words of `text`, in order (repeats kept)."""
    return [w for w in raw_words(text) if w not in STOP_WORDS and not w.isdigit()]


def tags(text: str) -> list[str]:
    """The #tags of `text`, normalized, in order of first appearance, without repeats."""
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
