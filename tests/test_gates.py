"""The code gates run inside the suite: ruff (lint and format), mypy and the layer contracts.

Each gate is one command run in a project root with that root's pyproject.toml. The suite runs
it on this repository and expects it to pass; the violation tests run the very same function
on a tiny project in tmp_path, carrying a copy of this repository's pyproject.toml and one
deliberate violation, and expect it to fail and name the violation.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.local_cache import private, user_cache_root

REPO = Path(__file__).resolve().parents[1]
# the executables of the virtualenv running the suite (not resolved: the venv's python is a
# symlink to the system's)
BIN = Path(sys.executable).parent

GATES: dict[str, tuple[str, ...]] = {
    "ruff check": ("ruff", "check", "--no-cache", "."),
    "ruff format": ("ruff", "format", "--check", "--no-cache", "."),
    # files, settings and the cache directory come from [tool.mypy]
    "mypy": ("mypy",),
    # contracts from [tool.importlinter]
    "lint-imports": ("lint-imports", "--no-cache"),
}


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    output: str


def run_gate(gate: str, root: Path, *, mypy_cache: Path | None = None) -> GateResult:
    """Run one gate in `root`, with the settings of `root`/pyproject.toml (`mypy_cache`: mypy's
    cache folder instead of the one they name)."""
    executable, *arguments = GATES[gate]
    env = None if mypy_cache is None else {**os.environ, "MYPY_CACHE_DIR": str(mypy_cache)}
    completed = subprocess.run(
        [str(BIN / executable), *arguments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return GateResult(gate, completed.returncode == 0, completed.stdout + completed.stderr)


def user_mypy_cache() -> Path | None:
    """mypy's cache for this repository's gate: one per user, outside the clone, as uv's is.

    A cold mypy run over bot/, core/, scheduler/ and web/ costs ~20 CPU-s, mostly the
    third-party libraries and the numpy-heavy modules of core/, and every fresh clone paid it
    (CI clones afresh each run). mypy checks each cached module against its source's hash when
    its path or mtime differs (another clone, another virtualenv), and checks a module again
    when a module it depends on changed its interface, so errors are reported as by a cold run
    (test_a_shared_mypy_cache_reports_an_error_it_did_not_cache). `MYPY_CACHE_DIR` chooses
    another folder; None (the clone's own `.mypy_cache`) when that folder cannot be ours alone.
    """
    if os.environ.get("MYPY_CACHE_DIR"):
        return Path(os.environ["MYPY_CACHE_DIR"])
    folder = user_cache_root() / "mypy"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    # a cache that someone else could write could make the gate pass
    return folder if private(folder) and private(folder.parent) else None


@contextlib.contextmanager
def one_at_a_time(folder: Path | None) -> Iterator[None]:
    """Hold `folder`'s lock: mypy reads a module's cached metadata and its data at different
    moments, so a run beside another clone's, writing other versions of the same modules into
    the same cache, could read a mix of both."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.mark.parametrize("gate", list(GATES))
def test_the_repository_passes_the_gate(gate: str) -> None:
    mypy_cache = user_mypy_cache() if gate == "mypy" else None
    with one_at_a_time(mypy_cache):
        result = run_gate(gate, REPO, mypy_cache=mypy_cache)
    assert result.passed, f"{gate} failed:\n{result.output}"


# ------------------------------------------------------------------ deliberate violations


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    """A tiny project with this repository's settings and the layers' packages."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in ("bot", "bot/adapters", "core", "scheduler", "web"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for adapter in ("discord", "telegram", "console"):
        (tmp_path / "bot/adapters" / adapter).mkdir(exist_ok=True)
        (tmp_path / "bot/adapters" / adapter / "__init__.py").write_text("")
    (tmp_path / "bot/commands").mkdir(exist_ok=True)
    (tmp_path / "bot/commands/__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.fixture(scope="module")
def tiny_mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the tiny projects (their tests run on one worker: TINY_MYPY): each
    cold run analysed the standard library's stubs again (~1.5 CPU-s); a module whose source
    differs from the cached one is checked again, so each still reports its own errors."""
    return tmp_path_factory.mktemp("tiny-mypy-cache")


TINY_MYPY = pytest.mark.xdist_group("tiny projects' mypy cache")


@TINY_MYPY
def test_a_clean_tiny_project_passes_every_gate(tmp_path: Path, tiny_mypy_cache: Path) -> None:
    """The violation tests below fail for their violation, not for the tiny project itself."""
    root = _project(tmp_path, {"core/clock.py": "def now() -> int:\n    return 0\n"})
    for gate in GATES:
        result = run_gate(gate, root, mypy_cache=tiny_mypy_cache)
        assert result.passed, f"{gate} failed on the clean project:\n{result.output}"


def test_a_lint_finding_fails_ruff(tmp_path: Path) -> None:
    root = _project(tmp_path, {"core/clock.py": "import os\n\n\ndef now() -> int:\n    return 0\n"})
    result = run_gate("ruff check", root)
    assert not result.passed
    assert "core/clock.py" in result.output and "F401" in result.output


def test_unformatted_code_fails_ruff_format(tmp_path: Path) -> None:
    root = _project(tmp_path, {"core/clock.py": "def now()->int:\n    return  0\n"})
    result = run_gate("ruff format", root)
    assert not result.passed
    assert "core/clock.py" in result.output


@pytest.mark.parametrize(
    "code",
    [
        'def now() -> int:\n    return "midnight"\n',
        # standard mode checks the bodies of unannotated functions too (check_untyped_defs)
        'def now():\n    return 1 + "1"\n',
    ],
    ids=["annotated", "unannotated"],
)
@TINY_MYPY
def test_a_type_error_fails_mypy(tmp_path: Path, code: str, tiny_mypy_cache: Path) -> None:
    root = _project(tmp_path, {"core/clock.py": code})
    result = run_gate("mypy", root, mypy_cache=tiny_mypy_cache)
    assert not result.passed
    assert "core/clock.py:2: error" in result.output


@TINY_MYPY
def test_a_shared_mypy_cache_reports_an_error_it_did_not_cache(
    tmp_path: Path, tiny_mypy_cache: Path
) -> None:
    """The repository's gate keeps mypy's cache outside the clone (user_mypy_cache): a clone
    whose change breaks a module it did not touch must fail on that module, though the cache
    holds that very module, checked clean, from another clone."""
    uses = "from core.clock import now\n\n\ndef later() -> int:\n    return now() + 1\n"
    clean = _project(tmp_path / "first", {"core/clock.py": "def now() -> int:\n    return 0\n"})
    (clean / "core/uses.py").write_text(uses)
    assert run_gate("mypy", clean, mypy_cache=tiny_mypy_cache).passed
    broken = _project(tmp_path / "second", {"core/clock.py": 'def now() -> str:\n    return ""\n'})
    (broken / "core/uses.py").write_text(uses)
    result = run_gate("mypy", broken, mypy_cache=tiny_mypy_cache)
    assert not result.passed
    assert "core/uses.py:5: error" in result.output, result.output


@pytest.mark.parametrize(
    ("files", "contract"),
    [
        (
            {"core/clock.py": "import discord\n"},
            "core is platform-free",
        ),
        (
            {"core/clock.py": "from bot import commands\n"},
            "core is platform-free",
        ),
        (
            {"bot/adapters/telegram/updates.py": "from bot.adapters.discord import client\n"},
            "the platform adapters are independent",
        ),
        (
            {"bot/commands/feed.py": "from bot.adapters import console\n"},
            "the commands are written once for every platform",
        ),
        (
            {"scheduler/digests.py": "import bot.commands\n"},
            "the scheduler imports nothing from bot",
        ),
    ],
    ids=["core-platform", "core-bot", "adapters", "commands-adapter", "scheduler-bot"],
)
def test_a_layer_violation_fails_lint_imports(
    tmp_path: Path, files: dict[str, str], contract: str
) -> None:
    root = _project(tmp_path, files)
    result = run_gate("lint-imports", root)
    assert not result.passed
    broken = [line for line in result.output.splitlines() if line.endswith("BROKEN")]
    assert len(broken) == 1 and broken[0].startswith(contract), result.output
