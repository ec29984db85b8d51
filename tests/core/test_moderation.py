"""Prompt moderation: OpenAI's model through the SDK, and the local word-list policy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.generation import GenerationFailed, LocalModerator, OpenAIModerator
from core.generation.prompt_screening import (
    COMPOUND_REST,
    MODERATION_MODEL,
    RULES,
    SENSITIVE_RULES,
    _Compounds,
    _Matcher,
    fold,
    readings,
)
from tests.support.fake_openai import (
    GENERATIONS,
    MODERATIONS,
    FakeOpenAI,
    flagged,
    server_error,
)

# ---------------------------------------------------------------- OpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server
        assert server.violations == []


async def test_a_flagged_prompt_gets_a_flagged_verdict(fake: FakeOpenAI) -> None:
    fake.script(MODERATIONS, flagged("violence/graphic", "violence"))
    verdict = await OpenAIModerator(fake.client()).check_prompt("something awful")

    assert verdict.flagged
    assert verdict.categories == ("violence", "violence/graphic")
    [call] = fake.calls_to(MODERATIONS)
    assert call.body == {"model": MODERATION_MODEL, "input": "something awful"}
    assert fake.calls_to(GENERATIONS) == []


async def test_a_clean_prompt_passes(fake: FakeOpenAI) -> None:
    verdict = await OpenAIModerator(fake.client()).check_prompt("a lighthouse at dusk")
    assert not verdict.flagged
    assert verdict.categories == ()


async def test_moderation_that_cannot_answer_fails_closed(fake: FakeOpenAI) -> None:
    fake.script(MODERATIONS, server_error(503, 0.01), server_error(503, 0.01))
    with pytest.raises(GenerationFailed) as caught:
        await OpenAIModerator(fake.client(max_retries=1)).check_prompt("a fox")
    assert caught.value.key == "error.moderation_unavailable"
    assert len(fake.calls_to(MODERATIONS)) == 2


# ---------------------------------------------------------------- local


@pytest.fixture
def local() -> LocalModerator:
    return LocalModerator()


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a nude child", "sexual/minors"),
        ("NAKED   Toddler", "sexual/minors"),
        ("sexy\nschoolgirl", "sexual/minors"),
        ("n u d e kid", "sexual/minors"),
        ("n.u.d.e kid", "sexual/minors"),
        ("nuuuude kid", "sexual/minors"),
        ("n\u200bude kid", "sexual/minors"),  # a zero-width space inside the word
        ("Nüde kïd", "sexual/minors"),  # accents
        ("nudе kid", "sexual/minors"),  # a Cyrillic е
        ("p3d0 art", "sexual/minors"),  # leetspeak
        ("$exy k1d", "sexual/minors"),
        ("nackte Kinder am Strand", "sexual/minors"),
        ("a beheading in the town square", "violence/graphic"),
        ("DISMEMBERED body", "violence/graphic"),
        ("heil hitler poster", "hate"),
        ("heilhitler", "hate"),
        ("kill all refugees", "hate/threatening"),
        ("exterminate the jews", "hate/threatening"),
    ],
)
def test_clearly_disallowed_prompts_are_flagged(
    local: LocalModerator, prompt: str, category: str
) -> None:
    verdict = local.verdict(prompt)
    assert verdict.flagged
    assert category in verdict.categories


@pytest.mark.parametrize(
    "prompt",
    [
        "Scunthorpe at sunrise",
        "a therapist's office in Sussex",
        "cockpit of an old plane, Middlesex",
        "an assassin's creed cosplay",
        "kids flying kites on a beach",
        "a child reading under a tree",
        "a classical nude statue in a museum",  # adult, artistic: not this list's business
        "skills of a pedometer salesman",
        "the kind baker",
        "Essex grapes",
        "Roma street food at night",
        "gore-tex jacket in the rain",
        "happy 1489 new year",
        "",
    ],
)
def test_innocent_prompts_pass(local: LocalModerator, prompt: str) -> None:
    assert local.verdict(prompt) == local.verdict("a lighthouse")
    assert not local.verdict(prompt).flagged


async def test_the_local_moderator_is_a_moderator(local: LocalModerator) -> None:
    verdict = await local.check_prompt("a nude child")
    assert verdict.flagged


def test_servers_can_add_words() -> None:
    strict = LocalModerator(extra_words=["clown", "Spider Web"])
    assert strict.verdict("a CLOWN at a party").categories == ("policy",)
    assert strict.verdict("a spider web at dawn").flagged
    assert not strict.verdict("a spider at dawn").flagged
    assert not strict.verdict("clowning around").flagged  # still whole words
    assert not LocalModerator().verdict("a clown at a party").flagged


def test_empty_extra_words_are_ignored() -> None:
    assert not LocalModerator(extra_words=["", "  ", "!!"]).verdict("anything at all").flagged


def test_fold_undoes_case_accents_and_lookalikes() -> None:
    assert fold("ÇAFÉ Ñandú") == "cafe nandu"
    assert fold("pеdо") == "pedo"  # Cyrillic е and о
    assert fold("a\u200bb") == "ab"


def test_readings_join_spelled_out_words_and_squeeze_stretched_ones() -> None:
    words = {word for reading in readings("h.e.l.l.o   wooorld 4ll") for word in reading.words}
    assert {"hello", "world", "all"} <= words


# ---------------------------------------------------------------- properties

_ALL_TERMS = sorted({term for rule in RULES for term in (*rule.terms, *rule.with_any)})


@given(st.text(max_size=300))
def test_any_text_gets_a_verdict(text: str) -> None:
    verdict = LocalModerator(extra_words=["zebra"]).verdict(text)
    assert verdict.flagged == bool(verdict.categories)


@given(st.text(max_size=200))
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


_disguises = st.sampled_from(
    [
        str.upper,
        str.title,
        lambda w: " ".join(w),  # s p a c e d
        lambda w: ".".join(w),  # d.o.t.t.e.d
        lambda w: "\u200b".join(w),  # zero-width joins
        lambda w: w.replace("e", "3").replace("o", "0").replace("a", "4"),
        lambda w: w.replace("a", "á").replace("e", "é"),
        lambda w: w.replace("e", "е").replace("o", "о"),  # Cyrillic
        lambda w: w[:1] + w[1:2] * 4 + w[2:],  # stretched
    ]
)
_benign = st.lists(st.sampled_from(["a", "painting", "of", "the", "sunny", "hills"]), max_size=4)


@given(
    st.sampled_from([t for t in RULES[0].terms + RULES[2].terms if " " not in t and "*" not in t]),
    _disguises,
    _benign,
    _benign,
)
def test_disguised_terms_are_still_caught(
    term: str, disguise: Callable[[str], str], before: list[str], after: list[str]
) -> None:
    prompt = " ".join([*before, disguise(term), *after])
    assert LocalModerator().verdict(prompt).flagged, prompt


def test_every_listed_term_folds_to_words() -> None:
    """A term that folded to nothing would silently never match."""
    for term in _ALL_TERMS:
        assert readings(term)[0].words, term


def _tables(matcher: _Matcher) -> tuple[object, ...]:
    return (
        {word: set(phrases) for word, phrases in matcher._by_first_word.items()},
        matcher._solid,
        matcher._compounds.first,
        matcher._compounds.last,
    )


@pytest.mark.parametrize("inflect", [True, False])
def test_one_matcher_pooled_from_each_terms_matchers_is_the_matcher_of_all_the_terms(
    inflect: bool,
) -> None:
    """A word list's any-term matcher is pooled from its terms' matchers (built once per
    process: half the work); it must match exactly what one matcher of every term does."""
    lists = [rule.terms for rule in (*RULES, *SENSITIVE_RULES)]
    lists += [rule.with_any for rule in (*RULES, *SENSITIVE_RULES) if rule.with_any]
    lists.append(tuple(term for terms in lists for term in terms))
    for terms in lists:
        pooled = _Matcher.merged(_Matcher((term,), inflect=inflect) for term in terms)
        assert _tables(pooled) == _tables(_Matcher(terms, inflect=inflect)), terms


@given(
    word=st.text(alphabet="abcn", max_size=9),
    first=st.sets(st.text(alphabet="abcn", max_size=7), max_size=12),
    last=st.sets(st.text(alphabet="abcn", max_size=7), max_size=12),
)
def test_compound_parts_match_as_every_stem_tried_on_the_word(
    word: str, first: set[str], last: set[str]
) -> None:
    """Whichever way `_Compounds.holds` looks (few stems: each tried; many: the word's
    beginnings and endings looked up), it finds what trying every stem finds."""
    compounds = _Compounds(first=first, last=last)
    rest = len(word) - COMPOUND_REST
    expected = any(rest >= len(s) and word.startswith(s) for s in first) or any(
        rest >= len(s) and word.endswith(s) for s in last
    )
    assert compounds.holds(word) == expected
