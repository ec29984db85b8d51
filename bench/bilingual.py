"""German meets English: does a prompt's translation land next to it in the taste space?

Reads the hand-written pairs of tests/data/bilingual_prompts.tsv (German, English, focus),
embeds both sides with each local embedder installed, and prints, per embedder:

- retrieval@1: the share of German prompts whose own translation is the nearest of all the
  English prompts (and the reverse direction);
- the mean cosine of translation pairs against that of unrelated pairs (every German prompt
  with every other English one);
- the time to embed one prompt, one call per prompt as a new post or a `/feed tune` does,
  and in bulk; the model's one-off load is reported apart.

    python -m bench.bilingual            # the whole set
    python -m bench.bilingual --smoke    # 40 pairs (the test suite runs this)

The pairs were written by hand for this check and nothing is fitted to them: the glossary of
the hashed n-gram floor (core/feed/glossary.py) was not extended from them, and the
multilingual model ships trained.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.multilingual_embeddings import MultilingualSentenceEmbedder, multilingual_available

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bilingual_prompts.tsv"
SMOKE_PAIRS = 40


@dataclass(frozen=True, slots=True)
class Pair:
    german: str
    english: str
    focus: str


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Pair(row["de"], row["en"], row["focus"]) for row in rows]


@dataclass(frozen=True, slots=True)
class Retrieval:
    german_to_english: float  # share whose own translation is the nearest English prompt
    english_to_german: float
    pair_cosine: float  # mean cosine of a prompt and its translation
    unrelated_cosine: float  # mean cosine of a German prompt and another pair's English one
    misses: list[tuple[str, str, str]]  # (German, its translation, the English found instead)


def retrieval(german: np.ndarray, english: np.ndarray, pairs: list[Pair]) -> Retrieval:
    """Row i of each matrix embeds pair i's German and English prompt (unit rows)."""
    cosines = german @ english.T
    own = np.arange(len(pairs))
    found = cosines.argmax(axis=1)
    unrelated = ~np.eye(len(pairs), dtype=bool)
    return Retrieval(
        german_to_english=float(np.mean(found == own)),
        english_to_german=float(np.mean(cosines.argmax(axis=0) == own)),
        pair_cosine=float(np.mean(np.diag(cosines))),
        unrelated_cosine=float(np.mean(cosines[unrelated])),
        misses=[
            (pairs[i].german, pairs[i].english, pairs[int(found[i])].english)
            for i in np.flatnonzero(found != own)
        ],
    )


@dataclass(frozen=True, slots=True)
class Timing:
    load_seconds: float
    one_prompt_ms: float  # median over single-prompt calls
    bulk_ms_per_prompt: float


def timed_embedding(embedder, texts: list[str]) -> tuple[np.ndarray, Timing]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    embedder.embed_now(["warm up"])
    load = time.perf_counter() - started
    singles = []
    for text in texts:
        started = time.perf_counter()
        embedder.embed_now([text])
        singles.append(time.perf_counter() - started)
    started = time.perf_counter()
    vectors = embedder.embed_now(texts)
    bulk = time.perf_counter() - started
    return vectors, Timing(load, 1000 * float(np.median(singles)), 1000 * bulk / len(texts))


def measure(embedder, pairs: list[Pair]) -> tuple[Retrieval, Timing]:  # type: ignore[no-untyped-def]
    vectors, timing = timed_embedding(
        embedder, [p.german for p in pairs] + [p.english for p in pairs]
    )
    return retrieval(vectors[: len(pairs)], vectors[len(pairs) :], pairs), timing


def embedders() -> list:  # type: ignore[type-arg]
    found: list = [HashedNgramEmbedder()]  # type: ignore[type-arg]
    if multilingual_available():
        found.append(MultilingualSentenceEmbedder())
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help=f"only {SMOKE_PAIRS} pairs")
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses each")
    args = parser.parse_args(argv)
    pairs = read_pairs()[: SMOKE_PAIRS if args.smoke else None]
    print(f"{len(pairs)} German/English prompt pairs from {PAIRS.name}")
    print(
        f"{'embedder':<26} {'de→en@1':>8} {'en→de@1':>8} {'pair cos':>9} {'unrel cos':>9}"
        f" {'load s':>7} {'1 prompt ms':>12} {'bulk ms/prompt':>15}"
    )
    times = {}
    for embedder in embedders():
        found, timing = measure(embedder, pairs)
        times[embedder.model_id] = timing.one_prompt_ms
        print(
            f"{embedder.model_id:<26} {found.german_to_english:>8.1%} "
            f"{found.english_to_german:>8.1%} {found.pair_cosine:>9.3f} "
            f"{found.unrelated_cosine:>9.3f} {timing.load_seconds:>7.2f} "
            f"{timing.one_prompt_ms:>12.2f} {timing.bulk_ms_per_prompt:>15.2f}"
        )
        for german, english, instead in found.misses[: args.misses]:
            print(f"    {german!r} → {instead!r} (not {english!r})")
    if len(times) > 1:
        floor, *rest = times.values()
        for model, ms in zip(list(times)[1:], rest, strict=True):
            print(f"one prompt: {model} takes {ms / floor:.1f}× the hashed n-gram floor")


if __name__ == "__main__":
    main()
