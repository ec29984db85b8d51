"""The unit of work: commit on success, roll back on error, effects only after the outermost
commit; a unit opened inside another joins it. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from core.domain import Audience, Platform
from core.errors import Conflict
from core.generation.previews import Previews
from core.persistence.models import Account, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork
from core.social import Origin
from tests.support.interrupted_writes import finished_preview
from tests.support.unit_of_work import FakeUnits


class Refused(Exception):
    pass


async def handles() -> set[str]:
    return set(await Account.all().values_list("handle", flat=True))


async def test_a_unit_commits_its_writes_together(app: App) -> None:
    async with TortoiseUnitOfWork():
        await Account.create(handle="ann", display_name="Ann")
        await Account.create(handle="ben", display_name="Ben")
    assert await handles() == {"ann", "ben"}


async def test_an_error_rolls_back_every_write_and_goes_on(app: App) -> None:
    ran: list[str] = []
    with pytest.raises(Refused):
        async with TortoiseUnitOfWork() as unit:
            await Account.create(handle="ann", display_name="Ann")
            unit.after_commit(lambda: _append(ran, "told"))
            raise Refused
    assert await handles() == set()
    assert ran == []  # nothing is told of writes that were rolled back


async def test_effects_wait_for_the_outermost_commit(app: App) -> None:
    ran: list[str] = []
    async with TortoiseUnitOfWork() as outer:
        async with TortoiseUnitOfWork() as inner:
            assert inner.joined and not outer.joined
            await Account.create(handle="ann", display_name="Ann")
            inner.after_commit(lambda: _append(ran, "inner"))
        assert ran == []  # the inner unit's commit is not final
        outer.after_commit(lambda: _append(ran, "outer"))
    assert ran == ["inner", "outer"]


async def test_a_failing_effect_is_logged_and_the_others_still_run(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []
    async with TortoiseUnitOfWork() as unit:
        await Account.create(handle="ann", display_name="Ann")
        unit.after_commit(_refuse)
        unit.after_commit(lambda: _append(ran, "second"))
    assert ran == ["second"]
    assert await handles() == {"ann"}
    assert "an effect after a committed unit of work failed" in caplog.text


async def _refuse() -> None:
    raise Refused


async def test_a_failed_inner_unit_rolls_back_alone_when_its_caller_carries_on(
    app: App,
) -> None:
    ran: list[str] = []
    async with TortoiseUnitOfWork():
        await Account.create(handle="ann", display_name="Ann")
        with pytest.raises(Refused):
            async with TortoiseUnitOfWork() as inner:  # a savepoint
                await Account.create(handle="ben", display_name="Ben")
                inner.after_commit(lambda: _append(ran, "inner"))
                raise Refused
    assert await handles() == {"ann"}
    assert ran == []


async def test_an_outer_rollback_takes_a_committed_inner_unit_with_it(app: App) -> None:
    ran: list[str] = []
    with pytest.raises(Refused):
        async with TortoiseUnitOfWork():
            async with TortoiseUnitOfWork() as inner:
                await Account.create(handle="ann", display_name="Ann")
                inner.after_commit(lambda: _append(ran, "inner"))
            raise Refused
    assert await handles() == set()
    assert ran == []


async def test_a_unit_is_entered_once_and_takes_effects_only_while_open(app: App) -> None:
    unit = TortoiseUnitOfWork()
    with pytest.raises(RuntimeError):
        unit.after_commit(lambda: _append([], "early"))
    async with unit:
        pass
    with pytest.raises(RuntimeError):
        async with unit:
            pass


async def test_publishing_a_preview_is_one_unit_committed_once_or_rolled_back(app: App) -> None:
    """With the fake in place of the transaction: the use case opens one unit (the units
    of the services it calls join it) and commits it, or rolls it back when refused."""
    units = FakeUnits()
    previews = Previews(app.services.generation.jobs, app.services.posts, units)
    alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    job = await finished_preview(app, alice)
    where = Origin(Platform.CONSOLE)

    post = await previews.publish(alice, job.id, 0, audience=Audience.PUBLIC, origin=where)
    [unit] = units.made
    assert (unit.begun, unit.commits, unit.rollbacks) == (1, 1, 0)
    assert units.outermost_commits == 1
    with pytest.raises(Conflict) as refused:  # the same button pressed again
        await previews.publish(alice, job.id, 0, audience=Audience.PUBLIC, origin=where)
    assert refused.value.key == "error.already_posted"
    assert (units.made[1].commits, units.made[1].rollbacks) == (0, 1)
    assert await Post.filter(author=alice).values_list("id", flat=True) == [post.id]


async def _append(ran: list[str], what: str) -> None:
    ran.append(what)
