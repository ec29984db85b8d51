"""A table per family from `bench.ranking --json` files, against issue #17's bar.

    python -m bench.scoreboard /tmp/runs/*.json

Each row is one run (a family's seed): recall@20 and nDCG@20 of the personalized feed
÷ chronological (95 % interval), ÷ the oracle, the oracle's own ratio to chronological, and
whether the run clears the bar: recall ≥ 1.5× and nDCG ≥ 1.3× chronological, recall at
least 80 % of the oracle's (≥ 2× chronological on the default family), and the share of
its rankings a fitted model served. Seeds below 10 are for tuning; 11 and up are held out
(see docs/benchmarks.md), each group with the mean of its seeds' ratios.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

TUNING_BELOW = 10


def row(figures: dict) -> str:
    ratios = figures["ratios"]
    ours = ratios["personalized/chronological"]
    oracle = ratios.get("personalized/oracle")
    ceiling = ratios.get("oracle/chronological")
    family, seed = figures["meta"].get("family", "?"), figures["meta"].get("seed", "?")
    recall_goal = 2.0 if family == "default" else 1.5
    met = ours["recall"][0] >= recall_goal and ours["ndcg"][0] >= 1.3
    met = met and (oracle is None or oracle["recall"][0] >= 0.8)
    kind = "tuning" if isinstance(seed, int) and seed < TUNING_BELOW else "held out"
    cells = [
        f"{seed} ({kind})",
        _interval(ours["recall"]),
        _interval(ours["ndcg"]),
        _value(oracle, "recall"),
        _value(oracle, "ndcg"),
        _value(ceiling, "recall"),
        f"{figures.get('fitted_share', 0.0):.0%}",
        "met" if met else "**missed**",
    ]
    return "| " + " | ".join(cells) + " |"


def mean_row(label: str, runs: list[dict]) -> str:
    """The mean of the runs' ratios (seeds weigh alike), without intervals."""

    def mean(key: str, metric: str) -> str:
        values = [f["ratios"][key][metric][0] for f in runs if key in f["ratios"]]
        return f"{sum(values) / len(values):.2f}×" if values else "n/a"

    cells = [
        f"mean, {label}",
        mean("personalized/chronological", "recall"),
        mean("personalized/chronological", "ndcg"),
        mean("personalized/oracle", "recall"),
        mean("personalized/oracle", "ndcg"),
        mean("oracle/chronological", "recall"),
        "",
        "",
    ]
    return "| " + " | ".join(cells) + " |"


def _interval(triple: list[float]) -> str:
    value, low, high = triple
    return f"{value:.2f}× ({low:.2f}–{high:.2f})"


def _value(ratios: dict | None, metric: str) -> str:
    return "n/a" if ratios is None else f"{ratios[metric][0]:.2f}×"


def tables(paths: list[Path]) -> str:
    runs = [json.loads(p.read_text()) for p in paths]
    families: dict[str, list[dict]] = {}
    for figures in runs:
        families.setdefault(figures["meta"].get("family", "?"), []).append(figures)
    out = []
    for family, rows in families.items():
        rows.sort(key=lambda f: f["meta"].get("seed", 0))
        tuning = [f for f in rows if f["meta"].get("seed", 0) < TUNING_BELOW]
        held = [f for f in rows if f["meta"].get("seed", 0) >= TUNING_BELOW]
        means = [mean_row(label, kind) for label, kind in (("tuning", tuning), ("held out", held))]
        out += [
            f"**{family}**",
            "",
            "| seed | recall ÷ chron. (95 %) | nDCG ÷ chron. (95 %) | recall ÷ oracle "
            "| nDCG ÷ oracle | oracle recall ÷ chron. | fitted | bar |",
            "|---|---|---|---|---|---|---|---|",
            *(row(f) for f in tuning),
            *(means[:1] if len(tuning) > 1 else []),
            *(row(f) for f in held),
            *(means[1:] if len(held) > 1 else []),
            "",
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("figures", type=Path, nargs="+")
    print(tables(parser.parse_args().figures))


if __name__ == "__main__":
    main()
