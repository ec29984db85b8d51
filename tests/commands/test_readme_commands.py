"""The README's command table names every command a person can type."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import build_registry

README = Path(__file__).resolve().parents[2] / "README.md"


def command_rows() -> list[tuple[set[str], set[str]]]:
    """Per row of the README's Commands table: the commands its code spans start with
    (`/digest …` → "digest") and every word in its code spans (`pause\\|resume <id>`)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `/"):
            continue
        spans = re.findall(r"`([^`]+)`", line.replace("\\|", "|"))
        heads = {span.split()[0].removeprefix("/") for span in spans if span.startswith("/")}
        words = {word for span in spans for word in re.split(r"[\s|]+", span) if word}
        rows.append((heads, words | {f"/{head}" for head in heads}))
    return rows


def documented(name: str, rows: list[tuple[set[str], set[str]]]) -> bool:
    group, _, sub = name.partition(" ")
    return any(group in heads and (not sub or sub in words) for heads, words in rows)


def test_every_listed_command_is_in_the_readme_table() -> None:
    rows = command_rows()
    assert rows, "the README has a Commands table"
    missing = [spec.name for spec in build_registry() if not spec.hidden]
    missing = [name for name in missing if not documented(name, rows)]
    assert missing == []


def test_the_check_notices_a_missing_command() -> None:
    rows = command_rows()
    assert documented("digest subscribe", rows)
    assert not documented("digest frobnicate", rows)
    assert not documented("frobnicate", rows)
