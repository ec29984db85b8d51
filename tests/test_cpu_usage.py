"""The suite's CPU recorder (tests/support/cpu_usage.py): what it counts and how it reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cpu_usage import cpu_seconds, report


def _write(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_the_report_sums_per_file_and_fixture_and_ranks_the_costliest(tmp_path: Path) -> None:
    def test(name: str, cpu: float, wall: float, fixtures: dict[str, float]) -> dict[str, object]:
        file = name.split("::")[0]
        return {"test": name, "file": file, "cpu": cpu, "children": 0.5, "wall": wall,
                "fixtures": fixtures}  # fmt: skip

    _write(
        tmp_path / "cpu-gw0-1.jsonl",
        [
            test("tests/a.py::one", 2.0, 3.0, {"app": 0.25}),
            test("tests/b.py::two", 7.0, 7.5, {"app": 0.5, "database_url": 1.0}),
            {"session": True, "cpu": 12.0, "wall": 20.0},
        ],
    )
    _write(
        tmp_path / "cpu-gw1-2.jsonl",
        [test("tests/a.py::three", 1.0, 9.0, {}), {"session": True, "cpu": 4.0, "wall": 20.0}],
    )
    text = report(tmp_path, top=10, workers=2)
    first = text.splitlines()[0]
    assert first.startswith("3 tests: CPU 10.0 s (children 1.5 s), wall 19.5 s")
    assert "whole processes CPU 16.0 s -> floor on 2 workers 8.0 s" in first
    files = text.split("per file")[1].split("per fixture")[0].splitlines()[1:3]
    assert files[0].split() == ["7.0", "7.5", "1", "tests/b.py"]
    assert files[1].split() == ["3.0", "12.0", "2", "tests/a.py"]
    fixtures = text.split("per fixture")[1].split("tests (top")[0].splitlines()[1:3]
    assert fixtures[0].split() == ["1.0", "1", "database_url"]
    assert fixtures[1].split() == ["0.8", "2", "app"]
    waiting = text.split("waiting most")[1].splitlines()[1]
    assert waiting.split()[-1] == "tests/a.py::three"  # 9 s wall for 1 s CPU


@pytest.mark.slow
def test_cpu_seconds_include_a_child_process_once_it_was_waited_for() -> None:
    before = cpu_seconds()
    subprocess.run(
        [sys.executable, "-c", "import time\nend = time.process_time() + 0.4\n"
         "while time.process_time() < end: pass"],
        check=True,
    )  # fmt: skip
    assert cpu_seconds() - before >= 0.4
