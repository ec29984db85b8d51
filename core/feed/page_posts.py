"""The posts of a feed page, with their authors, in ranking order: one statement written once
per number of posts, read into the ORM's models (the feed's hot path: the ORM's own
`select_related` query took ~1 ms a page to compose)."""

from __future__ import annotations

from functools import lru_cache

from pypika_tortoise import Query, Table

from core.persistence.models import Account, Post
from core.persistence.statements import Slot, Written, value, write

__all__ = ["ranked_posts"]


async def ranked_posts(ids: list[int]) -> list[Post]:
    """The posts just ranked, with authors, in ranking order. `rank` took them from the posts
    `visible_to` allowed in this request, so they are not checked again (the ORM took ~1 ms to
    write that check). One statement written once per number of posts (`_with_authors`), the
    rows made into posts and authors as the ORM's `select_related` does; the posts they remix
    as a prefetch (personal.py's `_in_order` does the same)."""
    if not ids:
        return []
    db = Post._meta.db
    written = _with_authors(db.query_class, len(ids))  # type: ignore[arg-type]
    _, rows = await db.execute_query(
        written.sql, written.bind({Slot("post", i): post_id for i, post_id in enumerate(ids)})
    )
    post_columns, author_columns = _columns(Post), _columns(Account)
    by_id: dict[int, Post] = {}
    for row in rows:
        post = Post._init_from_db(**{column: row[column] for column in post_columns})
        author = Account._init_from_db(**{c: row[_AUTHOR + c] for c in author_columns})
        object.__setattr__(post, "_author", author)
        by_id[post.id] = post
    posts = [by_id[i] for i in ids if i in by_id]
    await Post.fetch_for_list(posts, "remix_of__author")
    return posts


_AUTHOR = "author."  # the prefix of the author's columns in `_with_authors`


def _columns(model: type[Post] | type[Account]) -> tuple[str, ...]:
    return tuple(model._meta.fields_db_projection.values())


@lru_cache(maxsize=64)
def _with_authors(query_class: type[Query], count: int) -> Written:
    """SELECT the posts' columns and their authors' (as "author.<column>") FROM post JOIN
    account WHERE post.id IN (`count` slots)."""
    post, account = Table(Post._meta.db_table), Table(Account._meta.db_table)
    statement = (
        query_class.from_(post)
        .join(account)
        .on(account.id == post.author_id)
        .select(*(post.field(c) for c in _columns(Post)))
        .select(*(account.field(c).as_(_AUTHOR + c) for c in _columns(Account)))
        .where(post.id.isin([value(Slot("post", i)) for i in range(count)]))
    )
    return write(query_class, statement)
