"""`python -m bench.bilingual --smoke`: both local embedders measured on the same pairs."""

from __future__ import annotations

import re

import pytest

from bench.bilingual import SMOKE_PAIRS, main


def test_the_smoke_run_measures_both_embedders(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--smoke", "--misses", "2"])
    out = capsys.readouterr().out
    assert f"{SMOKE_PAIRS} German/English prompt pairs" in out
    rows = {
        m["model"]: (float(m["found"]), float(m["pair"]), float(m["unrelated"]))
        for m in re.finditer(
            r"^(?P<model>local-\S+)\s+(?P<found>[\d.]+)%\s+[\d.]+%\s+(?P<pair>-?[\d.]+)\s+"
            r"(?P<unrelated>-?[\d.]+)",
            out,
            re.MULTILINE,
        )
    }
    assert set(rows) == {"local-ngram-v1:512", "local-use-m3-v1:512"}
    found, pair, unrelated = rows["local-use-m3-v1:512"]
    assert found >= 90.0 and pair > unrelated
    assert found > rows["local-ngram-v1:512"][0]
    assert re.search(r"one prompt: local-use-m3-v1:512 takes [\d.]+× the hashed", out)
