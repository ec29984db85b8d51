"""A unit of work without a database transaction, for unit tests of services."""

from __future__ import annotations

from core.persistence.unit_of_work import UnitOfWork


class FakeUnitOfWork(UnitOfWork):
    """No transaction: counts commits and rollbacks, for unit tests of services.

    Writes made through the ORM inside it are not undone by its rollback; tests use it to
    check what a service commits and when its effects run, not atomicity (the
    kill-between-writes tests check that on real databases).
    """

    def __init__(self) -> None:
        super().__init__()
        self.begun = 0
        self.commits = 0
        self.rollbacks = 0

    async def _begin(self) -> None:
        self.begun += 1

    async def _commit(self) -> None:
        self.commits += 1

    async def _rollback(self, error: BaseException) -> None:
        self.rollbacks += 1


class FakeUnits:
    """A unit-of-work factory for a service under test: every unit it made, in order."""

    def __init__(self) -> None:
        self.made: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork()
        self.made.append(unit)
        return unit

    @property
    def outermost_commits(self) -> int:
        """Units committed on their own (not joined to an outer one)."""
        return sum(unit.commits for unit in self.made if not unit.joined)
