"""Statements composed from pypika query objects (tortoise's own query builder), written to
text once per shape and run with each request's values.

Hot paths (a feed page, its impressions) compose their SQL from query objects rather than
gluing strings, and still pay for the composing only once: a statement is written with
`Slot`s where the request's values go (`write`, cached by the caller per shape), and each
request binds its values to the slots (`Written.bind`) and runs the text as it is, so
PostgreSQL reuses its prepared statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from pypika_tortoise import Query, Table
from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import NullCriterion, Parameter, Parameterizer, Term, ValueWrapper
from tortoise.models import Model

M = TypeVar("M", bound=Model)
N = TypeVar("N", bound=Model)


@dataclass(frozen=True, slots=True)
class Slot:
    """A value of the request (a viewer, a bucket, the n-th cell of a row …) in a statement
    written once."""

    name: str
    index: int = 0


@dataclass(frozen=True, slots=True)
class Written:
    sql: str  # in the connection's placeholder style (`?` or `$1…$k`)
    values: tuple[object, ...]  # constants, and `Slot`s for the request's values

    def bind(self, bound: Mapping[Slot, object]) -> list[object]:
        return [bound[v] if isinstance(v, Slot) else v for v in self.values]


def write(query_class: type[Query], statement: Any) -> Written:
    """`statement` (a query, or a UNION of queries) as text in the dialect of `query_class`,
    every value a placeholder."""
    # Placeholders from the query class's own context: pypika gives the parts of a UNION a
    # context without the dialect, where every placeholder would come out as `?`.
    dialect: SqlContext = query_class.SQL_CONTEXT
    placeholders = _Placeholders(lambda index: Parameter(idx=index).get_sql(dialect))
    sql = statement.get_sql(dialect.copy(parameterizer=placeholders))
    return Written(sql, tuple(placeholders.values))


class _Placeholders(Parameterizer):
    """Values become placeholders; expressions stay expressions (pypika wraps the new value
    of an `ON CONFLICT … DO UPDATE` as a value even when it is an expression)."""

    def should_parameterize(self, value: Any) -> bool:
        return not isinstance(value, Term) and super().should_parameterize(value)


def value(item: object) -> ValueWrapper:
    """A value that becomes a placeholder (a `Slot`, or a constant)."""
    return ValueWrapper(item)


def db_value(model: type[Model], field: str, item: Any) -> Any:
    """`item` as the column of `model.field` stores it (JSON as text, an aware datetime …),
    for a statement that passes it as a value."""
    return model._meta.fields_map[field].to_db_value(item, model)


def literal(item: str | int) -> ValueWrapper:
    """A constant written into the text, never a placeholder (a source's name, a limit: the
    planner sees limits, which PostgreSQL's generic plan would have to guess)."""
    return ValueWrapper(item, allow_parametrize=False)


class IsNotNull(NullCriterion):
    """`x IS NOT NULL` (pypika writes `NOT x IS NULL`; SQLite uses only this form to skip
    NULLs in an index)."""

    def get_sql(self, ctx: SqlContext) -> str:
        return f"{self.term.get_sql(ctx)} IS NOT NULL"


class BitwiseOr(Term):
    """`left | right` (pypika has AND of bits only)."""

    def __init__(self, left: Term, right: Term) -> None:
        super().__init__()
        self.left, self.right = left, right

    def get_sql(self, ctx: SqlContext) -> str:
        return f"{self.left.get_sql(ctx)}|{self.right.get_sql(ctx)}"


_KEY = Slot("key")


async def one_by(model: type[M], column: str, key: object) -> M | None:
    """The row of `model` whose unique `column` is `key`, or None: what
    `model.get_or_none(column=key)` returns, with its statement written once per model and
    column (the ORM composes it anew on each call; a feed page reads two such rows)."""
    db = model._meta.db
    written = _selecting_one(db.query_class, model, column)  # type: ignore[arg-type]
    _, rows = await db.execute_query(written.sql, written.bind({_KEY: key}))
    return model._init_from_db(**rows[0]) if rows else None


async def two_by(
    first: type[M], second: type[N], column: str, key: object
) -> tuple[M | None, N | None]:
    """The rows of `first` and of `second` whose unique `column` is `key` (each or None): what
    two `one_by` calls return, in one statement, so one round trip (a feed page reads its
    session and its taste profile so). Both models live in one database."""
    db = first._meta.db
    if second._meta.db is not db:
        raise ValueError(f"{first.__name__} and {second.__name__} are in different databases")
    written = _selecting_two(db.query_class, first, second, column)  # type: ignore[arg-type]
    _, rows = await db.execute_query(written.sql, written.bind({_KEY: key}))
    row = rows[0]  # always one: the one-row table with both rows joined to it, or NULLs
    return _joined_row(first, row, _FIRST), _joined_row(second, row, _SECOND)


_FIRST, _SECOND = "first.", "second."  # the prefixes of the two models' columns


def _joined_row(model: type[M], row: Any, prefix: str) -> M | None:
    columns = model._meta.fields_db_projection
    if row[prefix + columns[model._meta.pk_attr]] is None:  # the LEFT JOIN found no row
        return None
    return model._init_from_db(**{c: row[prefix + c] for c in columns.values()})


@lru_cache(maxsize=8)
def _selecting_two(
    query_class: type[Query], first: type[Model], second: type[Model], column: str
) -> Written:
    """SELECT <first's columns as "first.<column>">, <second's as "second.<column>"> FROM a
    one-row table LEFT JOIN first ON first.column = key LEFT JOIN second ON … = key."""
    one = query_class.select(literal(1).as_("one")).as_("one")
    statement = query_class.from_(one)
    for model, prefix in ((first, _FIRST), (second, _SECOND)):
        meta = model._meta
        table = Table(meta.db_table)
        statement = (
            statement.left_join(table)
            .on(table.field(meta.fields_db_projection[column]) == value(_KEY))
            .select(*(table.field(c).as_(prefix + c) for c in meta.fields_db_projection.values()))
        )
    return write(query_class, statement)


@lru_cache(maxsize=32)
def _selecting_one(query_class: type[Query], model: type[Model], column: str) -> Written:
    meta = model._meta
    table = Table(meta.db_table)
    statement = (
        query_class.from_(table)
        .select(*(table.field(name) for name in meta.fields_db_projection.values()))
        .where(table.field(meta.fields_db_projection[column]) == value(_KEY))
        .limit(literal(1))
    )
    return write(query_class, statement)


# PostgreSQL plans a prepared statement anew ("custom") for its first 5 executions on each
# connection before it may settle on one generic plan, and asyncpg prepares per pooled
# connection. A like sample's candidates statement (a UNION of ten sources) took 17-27 ms to
# plan and 6-9 ms to run, so with pools of 30 a press bench spent ~2/3 of those executions
# planning (docs/benchmarks.md, "cifresh, stop 23"). Within one transaction, this asks for the
# generic plan at once: planned once per connection and statement text, then reused.
GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"


async def generic_plans_in_transaction(db: Any) -> None:
    """Let the rest of the current transaction on `db` run prepared statements on their
    generic plans (PostgreSQL; SQLite has no plan cache to steer). Only in a transaction:
    outside one, PostgreSQL ignores SET LOCAL with a warning."""
    if db.capabilities.dialect == "postgres":
        await db.execute_script(GENERIC_PLANS)
