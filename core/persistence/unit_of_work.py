"""A unit of work: the writes of one use case, committed together or not at all.

The service layer opens one around a use case that writes more than once; command handlers
never do (they call a service). Leaving the block normally commits; leaving it by an
exception rolls back and lets the exception go on.

A unit opened while another is open in the same task joins it: its writes become part of
the outer unit (on a database, inside a savepoint, so a caller may catch its failure and
keep the rest), and its `after_commit` effects wait for the outermost commit. So a service
that is a use case on its own (`Posts.create`) can also be one step of a larger one
(publishing a preview) without committing half of it. As with tortoise's transactions,
do not open units in tasks started (`asyncio.gather`, `create_task`) inside an open unit:
they would join it from another task.

`after_commit` is for effects outside the database that must not happen for writes that
are rolled back: removing image files, calling an embeddings API, notifying. They run in
order once the outermost unit has committed; one that fails is logged and the others still
run (the use case happened: its caller is not told it failed).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Self

from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction

__all__ = ["TortoiseUnitOfWork", "UnitOfWork", "UnitOfWorkFactory", "open_unit"]

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[Any]]

_open: ContextVar[UnitOfWork | None] = ContextVar("mosaic_unit_of_work", default=None)


class UnitOfWork(ABC):
    """Commit on success, roll back on error; effects registered with `after_commit` run
    once the outermost unit has committed, and never after a rollback."""

    def __init__(self) -> None:
        self._outer: UnitOfWork | None = None
        self._token: Token[UnitOfWork | None] | None = None  # set while the block runs
        self._entered = False
        self._effects: list[AfterCommit] = []

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work is entered once")
        self._entered = True
        outer = _open.get()
        # a task started inside a unit inherits it; once that unit has ended, do not join it
        self._outer = outer if outer is not None and outer._token is not None else None
        await self._begin()
        self._token = _open.set(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._token is not None
        _open.reset(self._token)
        self._token = None
        effects, self._effects = self._effects, []
        if exc is not None:
            await self._rollback(exc)
            return  # the exception goes on
        await self._commit()
        if self._outer is not None:
            self._outer._effects.extend(effects)  # they wait for the outermost commit
            return
        for effect in effects:
            try:
                await effect()
            except Exception:  # the writes stand: the use case did happen
                log.exception("an effect after a committed unit of work failed")

    @property
    def joined(self) -> bool:
        """Whether this unit is part of an outer one (its commit is not final)."""
        return self._outer is not None

    def after_commit(self, effect: AfterCommit) -> None:
        """Run `effect` once the writes are committed (not at all if they are rolled back)."""
        if self._token is None:
            raise RuntimeError("after_commit outside the unit of work's block")
        self._effects.append(effect)

    @abstractmethod
    async def _begin(self) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def _rollback(self, error: BaseException) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


def open_unit() -> UnitOfWork | None:
    """The unit of work whose block is running in this task, if any."""
    unit = _open.get()
    return unit if unit is not None and unit._token is not None else None


class TortoiseUnitOfWork(UnitOfWork):
    """A database transaction through tortoise's `in_transaction` (a savepoint when joined).

    On SQLite the transaction starts with BEGIN IMMEDIATE (core.persistence.sqlite), so a
    unit that reads before it writes waits for other writers instead of failing.
    """

    def __init__(self, connection_name: str | None = None) -> None:
        super().__init__()
        self._connection_name = connection_name
        self._transaction: TransactionContext | None = None

    async def _begin(self) -> None:
        self._transaction = in_transaction(self._connection_name)
        await self._transaction.__aenter__()

    async def _commit(self) -> None:
        assert self._transaction is not None
        await self._transaction.__aexit__(None, None, None)

    async def _rollback(self, error: BaseException) -> None:
        assert self._transaction is not None
        await self._transaction.__aexit__(type(error), error, error.__traceback__)
