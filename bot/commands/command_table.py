"""The table in docs/architecture.md from each command to its handler and the services it
calls, written from the registry, so a newcomer finds any behaviour within two hops of the
command's name.

The services are read from the handlers' source: every call through `ctx.services` (directly,
through a local name such as `safety = ctx.services.safety`, or in a helper of the command
layer the handler calls), resolved to the class that implements it (`Services`' annotations,
then the attribute's annotation or the `__init__` parameter it is stored from).

    .venv/bin/python -m bot.commands.command_table          # print the table
    .venv/bin/python -m bot.commands.command_table --write  # rewrite it in the docs

tests/commands/test_command_table.py fails when the docs miss a registered command, name a
handler that is not the registered one, or a service that no longer exists or is no longer
called.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.commands.registry import CommandRegistry
from core.services import Services

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
BEGIN = "<!-- command table: begin (bot/commands/command_table.py writes it) -->"
END = "<!-- command table: end -->"
HEADER = (
    "| command | handler | service calls | through command-layer helpers | in |",
    "|---|---|---|---|---|",
)
FOLLOWED = "bot.commands"  # helpers of these modules are read as part of the handler
NOT_SERVICES = frozenset({("clock", "now")})  # reading the time is no behaviour to look up


@dataclass(frozen=True, slots=True)
class ServiceCall:
    """`owner.method` reached as `ctx.services.<path>.method`."""

    path: tuple[str, ...]  # the attribute chain after `ctx.services`, the method last
    owner: type | None  # the class whose method it is (None: not resolvable)

    @property
    def method(self) -> str:
        return self.path[-1]

    @property
    def label(self) -> str:
        if self.owner is None:
            return "services." + ".".join(self.path)
        return f"{self.owner.__name__}.{self.method}"

    @property
    def module_path(self) -> str | None:
        if self.owner is None:
            return None
        return self.owner.__module__.replace(".", "/") + ".py"


@dataclass(frozen=True, slots=True)
class Row:
    command: str
    handler: Callable[..., Any]
    calls: tuple[ServiceCall, ...]  # in the handler's own body
    helper_calls: tuple[ServiceCall, ...]  # in helpers it calls (rendering, lookups), besides

    @property
    def handler_label(self) -> str:
        return f"{_module_path(self.handler)}::{self.handler.__name__}"


def rows(registry: CommandRegistry) -> list[Row]:
    return [Row(spec.name, spec.handler, *service_calls(spec.handler)) for spec in registry]


def service_calls(
    function: Callable[..., Any],
) -> tuple[tuple[ServiceCall, ...], tuple[ServiceCall, ...]]:
    """The service methods `function` calls itself, and those only the command-layer helpers
    it calls call, each in the order first called."""
    own: dict[tuple[str, ...], ServiceCall] = {}
    helpers: dict[tuple[str, ...], ServiceCall] = {}
    for path, depth in _paths(function, frozenset(), 0):
        if path not in NOT_SERVICES and path not in own and path not in helpers:
            (own if depth == 0 else helpers)[path] = ServiceCall(path, _owner(path))
    return tuple(own.values()), tuple(helpers.values())


def markdown(table: list[Row]) -> str:
    lines = list(HEADER)
    for row in table:
        calls = ", ".join(f"`{call.label}`" for call in row.calls) or "—"
        every = (*row.calls, *row.helper_calls)
        modules = dict.fromkeys(c.module_path for c in every if c.module_path is not None)
        where = ", ".join(f"`{m}`" for m in modules) or "—"
        helpers = ", ".join(f"`{call.label}`" for call in row.helper_calls) or "—"
        lines.append(
            f"| `/{row.command}` | `{row.handler_label}` | {calls} | {helpers} | {where} |"
        )
    return "\n".join(lines)


def problems(text: str, registry: CommandRegistry) -> list[str]:
    """What is wrong with the table in `text` (the docs) for `registry`: a registered command
    without a row, a row naming a handler that is not the registered one, a service call that
    does not resolve to an existing method or that the handler no longer makes, or any other
    difference from the table written now. Empty: the docs are true."""
    written = {row.command: row for row in rows(registry)}
    found: list[str] = []
    listed: dict[str, list[str]] = {}
    for line in documented(text).splitlines()[len(HEADER) :]:
        line_cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        listed[line_cells[0].removeprefix("/")] = line_cells
    for name, row in written.items():
        cells = listed.get(name)
        if cells is None:
            found.append(f"/{name} is registered but has no row")
            continue
        if cells[1] != row.handler_label:
            found.append(f"/{name}: the handler is {row.handler_label}, not {cells[1]}")
        calls = {call.label for call in (*row.calls, *row.helper_calls) if call.owner}
        for label in (*_labels(cells[2]), *_labels(cells[3])):
            if label not in calls:
                found.append(f"/{name}: {label} does not exist or is no longer called")
        for call in (*row.calls, *row.helper_calls):
            if call.owner is None:
                found.append(f"/{name}: {call.label} resolves to no method of a service")
    for name in listed.keys() - written.keys():
        found.append(f"/{name} has a row but is not registered")
    if not found and documented(text) != markdown(list(written.values())):
        found.append("the table differs from the one the registry gives")
    return found


def _labels(cell: str) -> list[str]:
    return [part.strip().strip("`") for part in cell.split(",") if part.strip() not in ("", "—")]


def documented(text: str) -> str:
    """The table as it stands in the docs (between the markers)."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


def rewrite(text: str, table: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n{table}\n{text[end:]}"


# ---------------------------------------------------------------------- reading the source


def _paths(
    function: Callable[..., Any], visiting: frozenset[str], depth: int
) -> Iterator[tuple[tuple[str, ...], int]]:
    """(path after `ctx.services`, how many helper calls deep) of every service call."""
    key = f"{function.__module__}.{function.__qualname__}"
    if key in visiting:
        return
    visiting = visiting | {key}
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    aliases: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            for target, value in _pairs(node.targets[0], node.value):
                path = _services_path(value, aliases)
                if isinstance(target, ast.Name) and path is not None:
                    aliases[target.id] = path
    calls = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in calls:
        path = _services_path(node.func, aliases)
        if path:
            yield path, depth
        elif isinstance(node.func, ast.Name):
            helper = function.__globals__.get(node.func.id)
            if inspect.isfunction(helper) and helper.__module__.startswith(FOLLOWED):
                yield from _paths(helper, visiting, depth + 1)


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[ast.expr, ast.expr]]:
    """`a, b = x, y` → (a, x), (b, y); `a = x` → (a, x)."""
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        if len(target.elts) == len(value.elts):
            return list(zip(target.elts, value.elts, strict=True))
        return []
    return [(target, value)]


def _services_path(node: ast.expr, aliases: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """`ctx.services.a.b` → ("a", "b"); through a local alias too; else None."""
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    chain.reverse()
    if node.id in aliases:
        return (*aliases[node.id], *chain)
    if node.id == "ctx" and chain[:1] == ["services"]:
        return tuple(chain[1:])
    return None


# ---------------------------------------------------------------------- resolving classes


def _owner(path: tuple[str, ...]) -> type | None:
    """The class whose method `path[-1]` is, walking `Services` down `path[:-1]`."""
    owner: type | None = Services
    for name in path[:-1]:
        owner = _attribute_type(owner, name) if owner is not None else None
    if owner is None or not callable(getattr(owner, path[-1], None)):
        return None
    return owner


@cache
def _attribute_type(owner: type, name: str) -> type | None:
    hints = _hints(owner)
    if name in hints:
        return _plain(hints[name])
    member = inspect.getattr_static(owner, name, None)
    if isinstance(member, property) and member.fget is not None:
        return _plain(_hints(member.fget).get("return"))
    return _stored_from_parameter(owner, name)


def _stored_from_parameter(owner: type, name: str) -> type | None:
    """`self.<name> = <parameter>` (or `<parameter> or …`) in `__init__`: its annotation."""
    init = owner.__dict__.get("__init__")
    if not inspect.isfunction(init):
        return None
    parameters = _hints(init)
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(init)))):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if isinstance(value, ast.BoolOp):
            value = value.values[0]
        if (
            isinstance(target, ast.Attribute)
            and target.attr == name
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(value, ast.Name)
            and value.id in parameters
        ):
            return _plain(parameters[value.id])
    return None


def _hints(thing: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(thing)
    except (NameError, TypeError):
        return {}


def _plain(hint: Any) -> type | None:
    """`X`, `X | None`, `X[T]` → X; anything else (a union of several) → None."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else None
    origin = typing.get_origin(hint)
    if isinstance(origin, type):
        hint = origin
    return hint if isinstance(hint, type) else None


def _module_path(function: Callable[..., Any]) -> str:
    return function.__module__.replace(".", "/") + ".py"


def main(argv: list[str]) -> int:
    from bot.commands import build_registry

    table = markdown(rows(build_registry()))
    if "--write" in argv:
        DOC.write_text(rewrite(DOC.read_text(encoding="utf-8"), table), encoding="utf-8")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
