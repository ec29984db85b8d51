"""The local moderation on a hand-written set of 250 prompts (tests/data/moderation_prompts.tsv):
half harmful in OpenAI's moderation categories, half harmless near-misses, English and German.

Figures (issue 16) come from `./mosaic test tests/core/test_moderation_set.py -q -s`."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.generation.prompt_screening import (
    BLOCKED_RULES,
    SENSITIVE_RULES,
    LocalModerator,
    classify,
)

SET = Path(__file__).parents[1] / "data" / "moderation_prompts.tsv"
BLOCKED = {rule.category for rule in BLOCKED_RULES}
CATEGORIES = BLOCKED | {rule.category for rule in SENSITIVE_RULES}


def _prompts() -> list[tuple[str, str]]:
    rows = []
    for line in SET.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, prompt = line.split("\t", 1)
            rows.append((label, prompt))
    return rows


PROMPTS = _prompts()
HARMFUL = [(label, prompt) for label, prompt in PROMPTS if label != "ok"]
HARMLESS = [prompt for label, prompt in PROMPTS if label == "ok"]


def test_the_set_is_big_and_balanced() -> None:
    assert len(PROMPTS) >= 200
    assert len(HARMLESS) >= len(PROMPTS) // 2 - 10
    assert {label for label, _ in HARMFUL} <= CATEGORIES
    assert {"sexual", "sexual/minors", "hate", "harassment", "self-harm", "violence"} <= {
        label for label, _ in HARMFUL
    }


def test_precision_and_recall_of_sensitive_or_refused() -> None:
    """A prompt counts as caught if any category is found (refused, or held back as
    sensitive until place and person opt in)."""
    caught = [prompt for _, prompt in HARMFUL if classify(prompt)]
    false_alarms = [prompt for prompt in HARMLESS if classify(prompt)]
    recall = len(caught) / len(HARMFUL)
    precision = len(caught) / (len(caught) + len(false_alarms))
    print(
        f"\nlocal moderation: precision {precision:.3f}, recall {recall:.3f} "
        f"({len(caught)}/{len(HARMFUL)} caught, {len(false_alarms)}/{len(HARMLESS)} "
        f"harmless held back: {false_alarms})"
    )
    assert recall >= 0.95
    assert precision >= 0.95


def test_what_is_never_allowed_is_refused_and_nothing_harmless_is() -> None:
    moderator = LocalModerator()
    always_refused = [p for label, p in HARMFUL if label in BLOCKED and label != "violence/graphic"]
    missed = [p for p in always_refused if not moderator.verdict(p).flagged]
    refused_harmless = [p for p in HARMLESS if moderator.verdict(p).flagged]
    assert len(missed) <= len(always_refused) * 0.05, missed
    assert refused_harmless == []


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a nude woman", "sexual"),
        ("nackte Frau", "sexual"),
        ("gore and blood", "violence/graphic"),
        ("Nacktbilder", "sexual"),  # a compound
        ("Massenmord", "violence"),
        ("nackten Männern", "sexual"),  # an inflection
        ("murdered", "violence"),
    ],
)
def test_the_issues_examples(prompt: str, category: str) -> None:
    assert category in classify(prompt)


@pytest.mark.parametrize("prompt", ["x", "k", "a x b", "k9 unit", "x-ray of a hand"])
def test_squeezed_terms_do_not_shrink_to_single_letters(prompt: str) -> None:
    """ "xxx" and "kkk" squeezed to "x" and "k" once matched any lone letter."""
    assert classify(prompt) == {}
    assert classify("xxx") and classify("KKK rally")
