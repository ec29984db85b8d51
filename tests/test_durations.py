"""The run's order (tests/support/tiers.py `longest_first`) and the recorded durations it
comes from (tests/support/durations.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from tests.support import durations
from tests.support.tiers import GUESSED_SECONDS, longest_first, plain_nodeid


class FakeItem:
    def __init__(self, nodeid: str, *markers: str, group: str | None = None) -> None:
        self.nodeid = nodeid
        self._marks = {name: getattr(pytest.mark, name).mark for name in markers}
        if group is not None:
            self._marks["xdist_group"] = pytest.mark.xdist_group(group).mark

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return self._marks.get(name)


def order(items: list[FakeItem], known: dict[str, float]) -> list[str]:
    as_items = cast(list[pytest.Item], items)
    longest_first(as_items, known)
    return [i.nodeid for i in as_items]


def test_known_durations_order_the_run_longest_first_and_markers_guess_the_rest() -> None:
    items = [
        FakeItem("a.py::quick"),
        FakeItem("a.py::pg", "postgres"),
        FakeItem("b.py::new_process_test", "slow"),
        FakeItem("b.py::soak", "slow"),
        FakeItem("c.py::measured_pg", "postgres"),
        FakeItem("c.py::also_quick"),
        FakeItem("d.py::chromium", "browser"),
    ]
    known = {"b.py::soak": 36.0, "c.py::measured_pg": 4.0}
    assert order(items, known) == [
        "b.py::soak",
        "c.py::measured_pg",
        "b.py::new_process_test",  # unknown slow: GUESSED_SECONDS["slow"]
        "d.py::chromium",  # a browser test: as long
        "a.py::pg",
        "a.py::quick",  # the rest keep their collection order
        "c.py::also_quick",
    ]
    assert GUESSED_SECONDS["slow"] < 4.0


def test_an_xdist_group_counts_as_long_as_all_its_tests_and_stays_together() -> None:
    items = [
        FakeItem("w.py::one@browser", "browser", group="browser"),
        FakeItem("x.py::long", "slow"),
        FakeItem("w.py::two@browser", "browser", group="browser"),
        FakeItem("y.py::longer", "slow"),
    ]
    known = {"w.py::one": 8.0, "w.py::two": 8.0, "x.py::long": 10.0, "y.py::longer": 12.0}
    assert order(items, known) == [
        "w.py::one@browser",  # 16 s together
        "w.py::two@browser",
        "y.py::longer",
        "x.py::long",
    ]


def test_plain_nodeid_drops_the_group_suffix_only() -> None:
    assert plain_nodeid("t.py::a@browser") == "t.py::a"
    assert plain_nodeid("t.py::a[x@y]") == "t.py::a[x@y]"
    assert plain_nodeid("t.py::a[x@y]@g") == "t.py::a[x@y]"


def report(nodeid: str, duration: float) -> Any:
    return pytest.TestReport(
        nodeid, ("t.py", 1, "t"), {}, "passed", None, "call", duration=duration
    )


def test_a_run_updates_its_tests_in_the_file_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"old.py::kept": 5.0, "t.py::faster": 9.0, "t.py::a": 2.0}))
    recorder = durations.DurationRecorder(path)
    for nodeid, seconds in [
        ("t.py::a@browser", 0.5),  # setup, call and teardown add up
        ("t.py::a@browser", 3.0),
        ("t.py::a@browser", 0.25),
        ("t.py::faster", 0.4),  # under RECORD_FROM now: leaves the file
        ("t.py::new", 1.26),
        ("t.py::short", 0.2),
    ]:
        recorder.pytest_runtest_logreport(report(nodeid, seconds))
    recorder.pytest_sessionfinish(cast(pytest.Session, None), exitstatus=1)
    assert durations.load(path) == {"old.py::kept": 5.0, "t.py::a": 3.8, "t.py::new": 1.3}


def test_an_interrupted_run_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"t.py::a": 2.0}))
    recorder = durations.DurationRecorder(path)
    recorder.pytest_runtest_logreport(report("t.py::a", 30.0))
    recorder.pytest_sessionfinish(cast(pytest.Session, None), exitstatus=2)
    assert durations.load(path) == {"t.py::a": 2.0}


def test_a_missing_or_broken_file_means_no_durations(tmp_path: Path) -> None:
    assert durations.load(tmp_path / "none.json") == {}
    (tmp_path / "bad.json").write_text("[1, 2")
    assert durations.load(tmp_path / "bad.json") == {}
