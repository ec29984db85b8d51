"""The counters kept on each account when what they count changes: its posts (not deleted),
its followers and whom it follows; and on each post: its likes, comments and fans' likes
(`post_counts_changed`). Each change updates them in the same unit of work as the rows they
count; `/profile` reads them instead of counting. Read them fresh from the row
(`Accounts.profile`), not from a per-process copy of the account."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from tortoise.expressions import F

from core.errors import NotFound
from core.persistence.models import Account, Follow, Post


async def follows_changed(follower_id: int, followee_id: int, by: int) -> None:
    """`by` follows of `follower_id` to `followee_id` were made (1) or removed (-1)."""
    await Account.filter(id=follower_id).update(following_count=F("following_count") + by)
    await Account.filter(id=followee_id).update(follower_count=F("follower_count") + by)


async def posts_changed(author_id: int, by: int) -> None:
    """`by` posts of `author_id` were made (1) or deleted (-1)."""
    await Account.filter(id=author_id).update(post_count=F("post_count") + by)


async def recount(account_ids: Iterable[int]) -> None:
    """Count again from the rows (after a change too broad to follow one by one: merging
    two accounts; rare, so counting is fine there)."""
    for account_id in sorted(set(account_ids)):
        await Account.filter(id=account_id).update(
            post_count=await Post.filter(author_id=account_id, deleted_at=None).count(),
            follower_count=await Follow.filter(followee_id=account_id).count(),
            following_count=await Follow.filter(follower_id=account_id).count(),
        )


# The new `hot` of a post from its new counts: (dialect, likes, comments) → an SQL expression
# over the row (`core.feed.hot.hot_sql`; the feed supplies it through `TasteUpdater.count`).
HotSql = Callable[[str, str, str], str]


async def post_counts_changed(
    post_id: int,
    *,
    likes: int = 0,
    comments: int = 0,
    fans: int = 0,
    hot: HotSql | None = None,
    read: int | None = None,
) -> int:
    """The post's like and comment counters (and its fans' likes) moved by these, and with
    `hot` its trending score from the new counts, in one UPDATE: it locks the post's row until
    the commit, and every like of the post waits for that lock, so it comes last in its unit
    of work and is the only statement on the row. The new like count.

    With `read` (the like count as the caller read the post, before this change) and an open
    PostgreSQL transaction, the UPDATE goes with the transaction's COMMIT in one message
    (`postgres.EndingTransaction`): the row is then locked only inside PostgreSQL, not while
    the answer travels back and this process gets round to committing. The new like count is
    then `read` moved by `likes` (what this change made of the count the caller saw; likes by
    others committed meanwhile are in the row, not in this figure)."""
    db = Post._meta.db
    dialect = db.capabilities.dialect
    end_with = getattr(db, "end_with", None)  # only a PostgreSQL transaction has it
    if read is not None and end_with is not None:
        statement = _counting(dialect, hot, literal=True)
        if end_with(statement.format(likes, comments, fans, post_id)):
            return read + likes
    rows = await db.execute_query_dict(_counting(dialect, hot), [likes, comments, fans, post_id])
    if not rows:
        raise NotFound("error.unknown_post", post=post_id)
    return int(rows[0]["like_count"])


@lru_cache(maxsize=8)
def _counting(dialect: str, hot: HotSql | None, *, literal: bool = False) -> str:
    """The UPDATE, its values numbered parameters (the new counts are used twice: SQLite's
    `?NNN` is PostgreSQL's `$N`) or, `literal`, `str.format` fields that take integers only
    (`{0:d}`: nothing but digits is ever written into it)."""
    if literal:
        marks = [f"{{{n}:d}}" for n in range(4)]
    else:
        marks = [f"{'$' if dialect == 'postgres' else '?'}{n}" for n in range(1, 5)]
    likes, comments = f'"like_count" + {marks[0]}', f'"comment_count" + {marks[1]}'
    most = "GREATEST" if dialect == "postgres" else "MAX"
    assignments = [
        f'"like_count" = {likes}',
        f'"comment_count" = {comments}',
        f'"fan_likes" = {most}("fan_likes" + {marks[2]}, 0)',
    ]
    if hot is not None:  # from the row as the statement finds it, with the new counts
        assignments.append(f'"hot" = {hot(dialect, likes, comments)}')
    update = f'UPDATE "post" SET {", ".join(assignments)} WHERE "id" = {marks[3]}'
    return update if literal else f'{update} RETURNING "like_count"'
