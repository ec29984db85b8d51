"""ORM reads compiled to SQL once and run again with new values; several of them in one
statement.

A page's queries are written with the ORM and core's visibility rules
(`shown_on_the_web`), so they stay exactly what core says; but building a query (resolving
filters, joins and pypika's SQL) costs several times what PostgreSQL takes to answer it. A
`CompiledQuery` builds its queryset once with stand-in values for its arguments, keeps the
SQL with its placeholders, and on every call only swaps the real values in.

Compiling twice, with two different sets of stand-ins, proves that each placeholder either
holds an argument or a constant: a value the query derived from an argument (say `now - 1 h`)
would differ between the two and is refused, since swapping could not reproduce it.

A `CompiledBatch` answers several compiled queries with one statement, each one's rows as a
JSON array (PostgreSQL `json_agg`, SQLite `json_group_array`): one round trip and one pooled
connection per page instead of one per query. Under load a page's wait for a free connection,
not the database's work, was most of its time. The arrays keep the order of each query's
`ORDER BY` (the aggregate reads its sorted, limited subquery in order: what PostgreSQL
documents as the way to order an aggregate's input without `ORDER BY` inside it, and what
SQLite does); tests/web/test_rendered.py checks it on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.fields import BooleanField, DatetimeField, Field
from tortoise.models import Model
from tortoise.queryset import ValuesQuery

Build = Callable[..., ValuesQuery[Any]]
Row = dict[str, Any]
Convert = Callable[[Any], Any]

# Stand-ins: values no real query holds as a constant, different for every argument.
_INT = 7_340_912_006_118_231
_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
_PLACEHOLDER = re.compile(r"\$(\d+)")


def _stand_in(kind: type, number: int) -> Any:
    if kind is int:
        return _INT + 7919 * number
    if kind is datetime:
        return _TIME + timedelta(days=number, microseconds=number)
    raise TypeError(f"compiled queries take ints and datetimes, not {kind.__name__}")


def _field(model: type[Model], path: str) -> Field[Any] | None:
    """The field behind a `values()` path such as `author__display_name` (None: an
    annotation, such as a count)."""
    name, _, rest = path.partition("__")
    field = model._meta.fields_map.get(name)
    if field is None:
        return None
    if rest:
        return _field(field.related_model, rest)  # type: ignore[attr-defined]
    return field


def _renumber(sql: str, offset: int) -> str:
    """PostgreSQL's `$n` placeholders moved up by `offset` (pypika writes every value as a
    placeholder, so a `$` followed by digits in the SQL is always one)."""
    return _PLACEHOLDER.sub(lambda found: f"${int(found.group(1)) + offset}", sql)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    slots: tuple[tuple[str | None, Any], ...]  # (argument, or None: this constant)
    from_json: tuple[tuple[str, Convert], ...]  # converters of values read from JSON
    aliases: tuple[str, ...]
    model: type[Model]
    dialect: str

    def values(self, arguments: dict[str, Any]) -> list[Any]:
        return [arguments[name] if name is not None else value for name, value in self.slots]


class CompiledQuery:
    """`build(**arguments)` — a `.values(...)` queryset — compiled on first use. Arguments
    are ints or aware datetimes, passed by name."""

    def __init__(self, build: Build, **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: _Compiled | None = None

    @property
    def compiled(self) -> _Compiled:
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled

    def _compile(self) -> _Compiled:
        name = self._build.__qualname__
        runs = []
        for pick in (0, 1):
            stand_ins = {
                argument: _stand_in(kind, 2 * number + pick)
                for number, (argument, kind) in enumerate(self._kinds.items())
            }
            query = self._build(**stand_ins)
            query._choose_db_if_not_chosen()
            query._make_query()
            runs.append((query, stand_ins, *query.query.get_parameterized_sql()))
        (query, first, sql, values), (_, second, sql_again, values_again) = runs
        if sql != sql_again or len(values) != len(values_again):
            raise ValueError(f"{name}: its SQL depends on its arguments")
        by_value = {value: argument for argument, value in first.items()}
        slots: list[tuple[str | None, Any]] = []
        for value, other in zip(values, values_again, strict=True):
            argument = by_value.get(value) if type(value) in (int, datetime) else None
            if argument is not None and second[argument] == other:
                slots.append((argument, None))
            elif value == other:
                slots.append((None, value))
            else:
                raise ValueError(
                    f"{name}: a value derived from an argument ({value!r}); "
                    "pass it as an argument of its own"
                )
        unused = set(self._kinds) - {argument for argument, _ in slots if argument is not None}
        if unused:
            raise ValueError(f"{name}: arguments unused: {sorted(unused)}")
        selected = query._fields_for_select.items()
        from_json = [
            (alias, _utc if isinstance(field, DatetimeField) else field.to_python_value)
            for alias, path in selected
            if isinstance(field := _field(query.model, path), DatetimeField | BooleanField)
        ]
        assert query._db is not None
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            from_json=tuple(from_json),
            aliases=tuple(alias for alias, _ in selected),
            model=query.model,
            dialect=query._db.capabilities.dialect,
        )


class CompiledBatch:
    """Compiled queries answered together by one statement; each takes the arguments it
    names from those passed to `rows`."""

    def __init__(self, **queries: CompiledQuery) -> None:
        self._queries = queries
        self._statement: tuple[str, tuple[tuple[str, _Compiled], ...]] | None = None

    def _compile(self) -> tuple[str, tuple[tuple[str, _Compiled], ...]]:
        parts = tuple((name, query.compiled) for name, query in self._queries.items())
        selects, offset = [], 0
        for name, compiled in parts:
            if compiled.dialect == "postgres":
                sql = _renumber(compiled.sql, offset)
                rows = "coalesce(json_agg(q), '[]'::json)"
            else:
                sql = compiled.sql  # SQLite's `?` placeholders count in order
                fields = ", ".join(f"'{alias}', q.\"{alias}\"" for alias in compiled.aliases)
                rows = f"coalesce(json_group_array(json_object({fields})), '[]')"
            selects.append(f'(SELECT {rows} FROM ({sql}) q) "{name}"')
            offset += len(compiled.slots)
        return "SELECT " + ", ".join(selects), parts

    async def answer(self, **arguments: Any) -> BatchAnswer:
        if self._statement is None:
            self._statement = self._compile()
        sql, parts = self._statement
        values = [value for _, compiled in parts for value in compiled.values(arguments)]
        database = parts[0][1].model._choose_db()  # this task's (a transaction's, if any)
        (found,) = await database.execute_query_dict(sql, values)
        return BatchAnswer(tuple(found[name] for name, _ in parts), parts)


def _utc(value: str | None) -> datetime | None:
    """A timestamp as JSON gives it (ISO 8601, with its offset; SQLite's without one is UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """The rows of a batch's queries. `texts` is each one's rows as the database wrote them
    (JSON): everything the answer holds, cheap to compare and to use as a key."""

    texts: tuple[str, ...]
    _parts: tuple[tuple[str, _Compiled], ...]

    def _index(self, name: str) -> int:
        return next(n for n, (part, _) in enumerate(self._parts) if part == name)

    def empty(self, name: str) -> bool:
        return self.texts[self._index(name)] == "[]"

    def rows(self, name: str) -> list[Row]:
        index = self._index(name)
        rows: list[Row] = json.loads(self.texts[index])
        converts = self._parts[index][1].from_json
        for row in rows:
            for column, convert in converts:
                row[column] = convert(row[column])
        return rows
