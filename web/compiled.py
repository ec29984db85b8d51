"""ORM reads compiled to SQL once and run again with new values.

A page's queries are written with the ORM and core's visibility rules
(`shown_on_the_web`), so they stay exactly what core says; but building a query (resolving
filters, joins and pypika's SQL) costs several times what PostgreSQL takes to answer it. A
`CompiledQuery` builds its queryset once with stand-in values for its arguments, keeps the
SQL with its placeholders, and on every call only swaps the real values in.

Compiling twice, with two different sets of stand-ins, proves that each placeholder either
holds an argument or a constant: a value the query derived from an argument (say `now - 1 h`)
would differ between the two and is refused, since swapping could not reproduce it.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.queryset import ValuesQuery

Build = Callable[..., ValuesQuery[Any]]
# Stand-ins: values no real query holds as a constant, different for every argument.
_INT = 7_340_912_006_118_231
_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def _stand_in(kind: type, number: int) -> Any:
    if kind is int:
        return _INT + 7919 * number
    if kind is datetime:
        return _TIME + timedelta(days=number, microseconds=number)
    raise TypeError(f"compiled queries take ints and datetimes, not {kind.__name__}")


class CompiledQuery:
    """`build(**arguments)` — a `.values(...)` queryset — compiled on first use. Arguments
    are ints or aware datetimes, passed by name."""

    def __init__(self, build: Build, **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._sql: str | None = None
        self._slots: list[tuple[str | None, Any]] = []  # (argument, or None: the constant)
        self._columns: list[tuple[str, Callable[[Any], Any]]] = []
        self._query: ValuesQuery[Any] | None = None

    def _compile(self) -> None:
        compiled = []
        for pick in (0, 1):
            stand_ins = {
                name: _stand_in(kind, 2 * number + pick)
                for number, (name, kind) in enumerate(self._kinds.items())
            }
            query = self._build(**stand_ins)
            query._choose_db_if_not_chosen()
            query._make_query()
            compiled.append((query, stand_ins, *query.query.get_parameterized_sql()))
        (query, first, sql, values), (_, second, sql_again, values_again) = compiled
        if sql != sql_again or len(values) != len(values_again):
            raise ValueError(f"{self._build.__qualname__}: its SQL depends on its arguments")
        by_value = {value: name for name, value in first.items()}
        slots: list[tuple[str | None, Any]] = []
        for value, other in zip(values, values_again, strict=True):
            name = by_value.get(value) if type(value) in (int, datetime) else None
            if name is not None and second[name] == other:
                slots.append((name, None))
            elif value == other:
                slots.append((None, value))
            else:
                raise ValueError(
                    f"{self._build.__qualname__}: a value derived from an argument ({value!r}); "
                    "pass it as an argument of its own"
                )
        missing = set(self._kinds) - {name for name, _ in slots if name is not None}
        if missing:
            raise ValueError(f"{self._build.__qualname__}: arguments unused: {sorted(missing)}")
        self._columns = [
            (alias, convert)
            for alias, field in query._fields_for_select.items()
            if not isinstance(
                convert := query.resolve_to_python_value(query.model, field), types.LambdaType
            )
        ]
        self._slots, self._query, self._sql = slots, query, sql

    async def rows(self, **arguments: Any) -> list[dict[str, Any]]:
        if self._sql is None:
            self._compile()
        assert self._query is not None and self._sql is not None
        values = [arguments[name] if name is not None else value for name, value in self._slots]
        database = self._query.model._choose_db()  # this task's (a transaction's, if any)
        rows = await database.execute_query_dict(self._sql, values)
        for row in rows:
            for column, convert in self._columns:
                row[column] = convert(row[column])
        return rows
