"""The pipeline bench's smoke size runs clean (every job reaches its preview; a failed job
stops the bench) and prints its ratio line for each number of users (issue 19, part 7)."""

from __future__ import annotations

import pytest

from tests.support.bench_runs import run_bench

pytestmark = pytest.mark.slow  # runs the bench in a process of its own


def test_pipeline_smoke_runs_clean_and_prints_its_ratios() -> None:
    out = run_bench("-m", "bench.pipeline")
    lines = [line for line in out.splitlines() if "p99/T" in line]
    assert [line.split()[0] for line in lines] == ["1", "3"], out


@pytest.mark.postgres  # N `mosaic run --roles workers` processes share one PostgreSQL
def test_pipeline_smoke_on_two_workers_processes_runs_clean_and_prints_its_ratios() -> None:
    out = run_bench("-m", "bench.pipeline", "--worker-processes", "2")
    lines = [line for line in out.splitlines() if "p99/T" in line]
    assert [line.split()[0] for line in lines] == ["1", "3"], out
    assert out.count("CPU per job: platform process") == 2, out
    assert out.count("the fake model") == out.count(", PostgreSQL ") == 2, out
