"""The latency benches' smoke sizes: each runs clean (no 429, no error) and prints its ratio
line, so a change that breaks a bench fails the suite (issue 19, part 7)."""

from __future__ import annotations

import pytest

from tests.support.bench_runs import run_bench

pytestmark = pytest.mark.slow  # each starts the bench (and its fakes) in processes


def test_telegram_latency_smoke_runs_clean_and_prints_its_ratio() -> None:
    out = run_bench("bench/telegram_latency.py")
    assert "0 429s, 0 errors" in out
    assert "p99/goal" in out


@pytest.mark.postgres  # and Redis: N webhook processes share Telegram's limits through it
def test_telegram_processes_smoke_runs_clean_and_prints_its_ratios() -> None:
    out = run_bench("bench/telegram_latency.py", "--processes", "2")
    assert "0 429s, 0 lost, 0 handled twice, 0 errors" in out
    assert "presses 2 ÷ 1 process = " in out
    assert "/profile 2 ÷ 1 = " in out
    assert "CPU per press: Mosaic " in out  # and PostgreSQL's and the bench's, per press
    assert "from CPU per press: on " in out  # the ratio those allow on idle cores


def test_discord_latency_smoke_runs_clean_and_prints_its_ratio() -> None:
    out = run_bench("-m", "bench.discord_latency")
    assert "/feed show" in out
    assert "0 violations, 0 errors" in out
    assert "× the 50 ms goal" in out
    assert "throughput 2 ÷ 1 processes:" in out
    assert "from CPU per command: on " in out
    assert "0 lost, 0 answered twice, 0 violations, 0 limits exceeded" in out
