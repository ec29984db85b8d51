"""docs/architecture.md's table from each command to its handler and the services it calls
stays true (bot/commands/command_table.py writes it from the registry)."""

from __future__ import annotations

from bot.commands import build_registry
from bot.commands.command_table import DOC, markdown, problems, rewrite, rows, service_calls
from bot.commands.context import Context
from bot.commands.feed import feed_tune
from bot.commands.registry import CommandRegistry
from bot.commands.safety import report
from bot.commands.spec import CommandSpec
from core.feed.personal import PersonalizedFeed
from core.safety.reports import Reports

REGENERATE = "regenerate it: .venv/bin/python -m bot.commands.command_table --write"


def _docs() -> str:
    return DOC.read_text(encoding="utf-8")


def _row(text: str, command: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| `/{command}` |"))


def test_the_table_in_the_docs_is_true_for_every_registered_command() -> None:
    assert problems(_docs(), build_registry()) == [], REGENERATE


def test_a_registered_command_missing_from_the_table_fails() -> None:
    text = _docs()
    without_why = text.replace(_row(text, "why") + "\n", "")
    assert "/why is registered but has no row" in problems(without_why, build_registry())


def test_a_handler_that_is_not_the_registered_one_fails() -> None:
    text = _docs()
    row = _row(text, "why")
    moved = text.replace(row, row.replace("feed.py::why", "feed.py::explain"))
    expected = "/why: the handler is bot/commands/feed.py::why, not bot/commands/feed.py::explain"
    assert expected in problems(moved, build_registry())


def test_a_service_the_handler_no_longer_calls_fails() -> None:
    text = _docs()
    row = _row(text, "why")
    stale = text.replace(row, row.replace("`PersonalizedFeed.explain`", "`PersonalizedFeed.why`"))
    assert "/why: PersonalizedFeed.why does not exist or is no longer called" in problems(
        stale, build_registry()
    )


async def _calls_a_method_that_is_gone(ctx: Context) -> None:
    await ctx.services.feed.explain_everything(ctx.account)  # type: ignore[attr-defined]


def test_a_handler_calling_a_service_method_that_does_not_exist_fails() -> None:
    registry = CommandRegistry([CommandSpec("why", _calls_a_method_that_is_gone)])
    table = markdown(rows(registry))
    text = rewrite(_docs(), table)
    assert "/why: services.feed.explain_everything resolves to no method of a service" in (
        problems(text, registry)
    )


def test_service_calls_resolve_through_aliases_and_nested_services() -> None:
    own, _ = service_calls(feed_tune)
    assert {(call.owner, call.method) for call in own} == {
        (PersonalizedFeed, "tuning"),
        (PersonalizedFeed, "reset_tuning"),
        (PersonalizedFeed, "tune"),
    }
    own, _ = service_calls(report)  # `safety = ctx.services.safety; safety.reports.file(…)`
    assert [(call.owner, call.method) for call in own] == [
        (Reports, "resolve"),
        (Reports, "file"),
    ]
    assert own[0].module_path == "core/safety/reports.py"
