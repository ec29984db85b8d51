"""Statements composed from query objects (core/persistence/statements.py)."""

from __future__ import annotations

from pypika_tortoise import PostgreSQLQuery, SQLLiteQuery, Table

from bot.bootstrap import App
from core.persistence.models import FeedSession, TasteProfile
from core.persistence.statements import IsNotNull, Slot, literal, one_by, two_by, value, write
from tests.core.test_feed import WATERCOLOR, people, post

POST = Table("post")


def test_placeholders_inside_a_union_follow_the_dialect() -> None:
    """pypika writes the parts of a UNION without the dialect; PostgreSQL still gets `$n`."""
    first = PostgreSQLQuery.from_(POST).select(POST.id).where(POST.author_id == value(Slot("a")))
    second = PostgreSQLQuery.from_(POST).select(POST.id).where(POST.hot > value(0.5))
    written = write(PostgreSQLQuery, first.union_all(second))
    assert '"author_id"=$1' in written.sql and '"hot">$2' in written.sql
    assert written.values == (Slot("a"), 0.5)
    assert "?" not in written.sql


def test_slots_are_bound_per_request_and_constants_stay() -> None:
    query = SQLLiteQuery.from_(POST).select(POST.id).where(POST.author_id == value(Slot("a")))
    written = write(SQLLiteQuery, query.where(POST.audience == value("public")).limit(literal(5)))
    assert written.sql.endswith('"audience"=? LIMIT 5')
    assert written.bind({Slot("a"): 42}) == [42, "public"]


def test_an_upsert_keeps_its_new_value_an_expression() -> None:
    tag_day = Table("tag_day")
    statement = (
        SQLLiteQuery.into(tag_day)
        .columns("tag", "posts")
        .insert(value(Slot("tag")), literal(1))
        .on_conflict("tag")
        .do_update("posts", tag_day.posts + literal(1))
    )
    written = write(SQLLiteQuery, statement)
    assert written.sql.endswith('DO UPDATE SET "posts"="tag_day"."posts"+1')
    assert written.values == (Slot("tag"),)


def test_is_not_null_is_written_as_such() -> None:
    query = SQLLiteQuery.from_(POST).select(POST.id).where(IsNotNull(POST.hot))
    assert write(SQLLiteQuery, query).sql.endswith('WHERE "hot" IS NOT NULL')


async def test_two_rows_by_one_key_come_as_one_by_reads_each(app: App) -> None:
    """`two_by`: the viewer's feed session and taste profile in one statement, each as
    `one_by` reads it, or None where there is no row (on SQLite and PostgreSQL)."""
    author, fresh, liker, reader = await people(app, "author", "fresh", "liker", "reader")
    liked = await post(app, author, WATERCOLOR)
    await app.services.engagement.like(liker, liked.id)
    await app.services.engagement.like(reader, liked.id)
    await app.services.feed.page(reader)  # a session too
    for viewer, has in ((fresh, (False, False)), (liker, (False, True)), (reader, (True, True))):
        session, profile = await two_by(FeedSession, TasteProfile, "account_id", viewer.id)
        alone = (
            await one_by(FeedSession, "account_id", viewer.id),
            await one_by(TasteProfile, "account_id", viewer.id),
        )
        assert (session is not None, profile is not None) == has
        for joined, read in zip((session, profile), alone, strict=True):
            assert (joined is None) == (read is None)
            if joined is not None and read is not None:
                fields = type(read)._meta.fields_db_projection
                assert {f: getattr(joined, f) for f in fields} == {
                    f: getattr(read, f) for f in fields
                }
    assert session is not None and session.pages and profile is not None and profile.engaged
