"""The local generator's benchmark runs end to end at a smoke size."""

from __future__ import annotations

import pytest

from bench import local_generator


def test_the_benchmark_runs_and_reports_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    local_generator.main(["--rounds", "1", "--size", "96", "--prompts", "1"])
    out = capsys.readouterr().out
    for label in ("ours", "before", "floor", "encode-only", "edit"):
        assert f"\n{label} " in out, label
    assert "ratio ours/before" in out
    assert "median per style (before): (none)" in out
