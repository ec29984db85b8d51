"""Command handlers write through services, never through the ORM: no `.save()` on a model
object, no `Model.create(...)` or `Model.filter(...).update(...)`. A use case's writes then
stay in the service, inside its unit of work (core/persistence/unit_of_work.py)."""

from __future__ import annotations

import ast
from pathlib import Path

COMMANDS = Path(__file__).resolve().parents[2] / "bot" / "commands"
MODEL_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "update", "delete"}


def orm_writes(source: str) -> list[str]:
    """Where `source` writes through the ORM: `.save()` anywhere, and the write methods
    called on a class imported from core.persistence (or on its querysets)."""
    tree = ast.parse(source)
    models = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("core.persistence")
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method == "save":
            found.append(f"line {node.lineno}: .save()")
        elif method in MODEL_WRITES and _root_name(node.func.value) in models:
            found.append(f"line {node.lineno}: {_root_name(node.func.value)}….{method}()")
    return found


def _root_name(node: ast.expr) -> str | None:
    """`Post` for `Post`, `Post.filter(...)`, `Post.filter(...).exclude(...)`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def test_no_command_handler_writes_through_the_orm() -> None:
    offences = {
        path.name: found
        for path in sorted(COMMANDS.glob("*.py"))
        if (found := orm_writes(path.read_text(encoding="utf-8")))
    }
    assert offences == {}


def test_the_check_finds_each_kind_of_write() -> None:
    handler = """
from core.persistence.models import GenerationJob, Post as P

async def handler(ctx, job):
    source = await ctx.services.generation.jobs.get_own(ctx.account, job)
    source.posted = {}
    await source.save(update_fields=["posted"])
    await P.create(caption="x")
    await P.filter(id=1).exclude(id=2).update(caption="y")
    await GenerationJob.filter(id=job).delete()
    await ctx.services.posts.create(ctx.account, b"")  # a service: fine
    await ctx.services.account_data.delete(ctx.account)  # a service: fine
"""
    assert orm_writes(handler) == [
        "line 7: .save()",
        "line 8: P….create()",
        "line 9: P….update()",
        "line 10: GenerationJob….delete()",
    ]
