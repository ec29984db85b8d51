"""Where feed candidates come from: several sources, gathered with their features in one
round trip.

Each source is a small indexed top-N query; all of them are glued with UNION ALL into one
statement (the ORM has no UNION, hence plain SQL that runs on SQLite and PostgreSQL alike):

| source     | what                                                     | index                  |
|------------|----------------------------------------------------------|------------------------|
| `follows`  | whom the viewer follows (for ranking, not a candidate)   | follow unique          |
| `network`  | the latest few posts of each followee and the viewer's   | post(author, created)  |
|            | own, of the last two weeks, newest first; and the latest |                        |
|            | post of each followee, however old                       |                        |
| `similar`  | hottest public posts in the viewer's taste buckets       | post(bucket, hot)      |
| `trending` | hottest public posts (engagement, decayed by age)        | post(audience, hot)    |
| `fresh`    | newest public posts among their authors' first ones      | post(newcomer, created)|
| `new`      | posts of the last hours in the viewer's taste buckets, by | post(bucket, created)  |
|            | people they don't follow, newest first (not by likes:    |                        |
|            | a post minutes old has none yet)                         |                        |
| `tags`     | newest posts with the #tags the viewer engaged with most | post_term(term, post)  |
| `tagged`   | newest posts tagged or worded like the viewer's tuning   | post_term(term, post)  |
| `peers`    | posts liked lately by the latest people who liked what   | reaction(post, …),     |
|            | the viewer engaged with lately (co-engagement)           | reaction(account, at)  |

`peers` is collaborative filtering kept to one bounded subquery: the viewer's last
`PEER_SEEDS` engaged posts → the `peer_likers` people who liked them most recently (within
`peer_window`) → the last `peer_likes` likes of those people (within `peer_likes_window`).
It only widens the candidates; the posts it brings are scored like any other (a "liked by
n peers" score part was tried and ranked worse: the counts follow popularity).

Visibility (audience, blocks, deletions) is *not* decided here: the caller passes the visible
posts' feature columns as a SELECT the ORM wrote from `core.social.visible_to`, the one rule
(`Visible`), and the statement joins the candidates to it (see `gather`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet, ValuesQuery

from core.domain import Audience
from core.persistence.models import Post
from core.social.visibility import visible_to


@dataclass(frozen=True, slots=True)
class SourceLimits:
    """How many candidates each source may bring. Together a few hundred: enough for several
    pages of 5–20 and for the scoring to choose, few enough that a page's one statement and
    its numpy scoring stay within a few milliseconds (docs/benchmarks.md, speed rounds)."""

    network: int = 80  # four pages of 20 of the people one follows
    network_per_author: int = 3  # so one prolific followee cannot fill the source
    similar_per_bucket: int = 5  # buckets mix kinds of posts: #tags find them better
    trending: int = 20  # one page of what everyone likes
    fresh: int = 10  # half a page of newcomers' first posts
    tagged_per_term: int = 20  # a page per `/feed tune` term
    per_liked_tag: int = 30  # a page and a half per favourite #tag
    peer_likers: int = 100  # people with the viewer's taste whose recent likes count …
    peer_likes: int = 50  # … and the newest of their likes (a statement of bounded cost)
    network_window: timedelta = timedelta(days=14)  # older ones: only a followee's latest
    latest_followees: int = 200  # followees (latest followed first) whose latest is a candidate
    peer_window: timedelta = timedelta(days=14)  # whose likes of the seeds count
    peer_likes_window: timedelta = timedelta(days=3)  # what those peers liked lately
    # `new`: per taste bucket, the newest posts of the last `new_window`. Twelve hours: a post
    # older than that has had its chance at likes, and `similar` (by hotness) finds it if it
    # took off; five a bucket, as `similar_per_bucket`, keeps the statement's size.
    new_per_bucket: int = 5
    new_window: timedelta = timedelta(hours=12)


PEER_SEEDS = 50  # the viewer's most recent engaged posts that start the `peers` source

FEATURE_FIELDS = (
    "id",
    "author_id",
    "like_count",
    "comment_count",
    "remix_count",
    "embedding",
    "embedding_model",
    "newcomer",
    "shown",
    "fan_likes",
    "prompt",
    "caption",
)


@dataclass(frozen=True, slots=True)
class Visible:
    """The feature columns of the posts the viewer may see, as one SELECT written by the ORM
    (so `visible_to` stays the one rule): its text, its values (in the connection's
    placeholder style, `?` or `$1…$k`), and the names of its columns, `id` first."""

    sql: str
    values: list[object]
    columns: tuple[str, ...]


@dataclass(slots=True)
class Candidates:
    followees: set[int] = field(default_factory=set)
    sources: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    features: list[Any] = field(default_factory=list)  # rows of `Visible`, as the driver gives


class _Statement:
    """SQL text plus its parameters, in the placeholder style of the connection. It may start
    from the values of text written before it (`$k+1…` continues their numbering; `?` is
    positional, so that text must come first in the statement)."""

    def __init__(self, dialect: str, values: Sequence[object] = ()) -> None:
        self._postgres = dialect == "postgres"
        self.values: list[object] = list(values)

    def param(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self._postgres else "?"


async def gather(
    viewer_id: int,
    visible: Visible,
    *,
    buckets: list[int],
    terms: list[str],
    tags: Sequence[str] = (),
    now: datetime,
    engaged: Sequence[int] = (),
    limits: SourceLimits = SourceLimits(),
) -> Candidates:
    """The candidates of every source, whom the viewer follows, and the features of the
    candidates the viewer may see: one statement, so one round trip and one plan (see
    `_joined`)."""
    db = Post._meta.db
    sql = _Statement(db.capabilities.dialect, visible.values)
    public = Audience.PUBLIC.value
    parts = [
        f"SELECT 'follows' AS source, followee_id AS id FROM follow "
        f"WHERE follower_id = {sql.param(viewer_id)}",
        _network(sql, viewer_id, now, limits),
        _latest_of_followees(sql, viewer_id, limits),
        _top(
            "trending",
            "post",
            f"audience = {sql.param(public)} AND hot IS NOT NULL AND deleted_at IS NULL",
            "hot DESC, id DESC",
            limits.trending,
        ),
        _top(
            "fresh",
            "post",
            f"newcomer = {sql.param(True)} AND audience = {sql.param(public)} "
            "AND deleted_at IS NULL",
            "created_at DESC",
            limits.fresh,
        ),
    ]
    for bucket in buckets:
        parts.append(
            _top(
                "similar",
                "post",
                f"taste_bucket = {sql.param(bucket)} AND hot IS NOT NULL "
                f"AND audience = {sql.param(public)} AND deleted_at IS NULL",
                "hot DESC, id DESC",
                limits.similar_per_bucket,
            )
        )
    for bucket in buckets:
        parts.append(_new(sql, viewer_id, bucket, now, limits))
    for tag in tags:
        parts.append(
            _top(
                "tags",
                "post_term",
                f"term = {sql.param(tag)} AND tag = {sql.param(True)}",
                "post_id DESC",
                limits.per_liked_tag,
                column="post_id",
            )
        )
    for term in terms:
        parts.append(
            _top(
                "tagged",
                "post_term",
                f"term = {sql.param(term)}",
                "post_id DESC",
                limits.tagged_per_term,
                column="post_id",
            )
        )
    if engaged:
        parts.append(_peers(sql, viewer_id, engaged, now, limits))
    # Every derived table needs its own name; the same shape of statement keeps the same text,
    # so PostgreSQL's prepared-statement cache is reused.
    sources = " UNION ALL ".join(
        part.replace("{alias}", f"s{index}") for index, part in enumerate(parts)
    )
    _, rows = await db.execute_query(_joined(sources, visible), sql.values)
    found = Candidates()
    for row in rows:
        source = row["source"]
        if source == "post":
            found.features.append(row)
        elif source == "follows":
            found.followees.add(int(row["id"]))
        else:
            found.sources[int(row["id"])].add(source)
    return found


def _joined(sources: str, visible: Visible) -> str:
    """One statement for the candidates and their features:

        WITH visible AS (<Visible>), c AS (<the sources, UNION ALL>)
        SELECT 'post' AS source, v.id, v.author_id, … FROM (SELECT DISTINCT id FROM c
            WHERE source <> 'follows') AS d JOIN visible AS v ON v.id = d.id
        UNION ALL
        SELECT source, id, NULL, … FROM c                                -- small rows

    One round trip and one plan instead of two, and no list of hundreds of ids sent back as
    parameters. Each visible candidate's features come once, however many sources brought it;
    `follows` rows are followee ids, never posts. `visible` comes first in the text, as its
    values come first (`?` is positional); PostgreSQL inlines it (used once) and computes `c`
    once (used twice). The feature rows come first: the other way round, SQLite (3.40) took
    ~50 ms instead of ~2 ms for the same rows at 100k posts."""
    first, *rest = visible.columns
    empty = ", ".join("NULL" for _ in rest)
    features = ", ".join(f'v."{column}"' for column in visible.columns)
    return (
        f"WITH visible AS ({visible.sql}), c AS ({sources}) "
        f"SELECT 'post' AS source, {features} FROM "
        f"(SELECT DISTINCT id FROM c WHERE source <> 'follows') AS d "
        f'JOIN visible AS v ON v."{first}" = d.id '
        f"UNION ALL SELECT source, id, {empty} FROM c"
    )


def _top(source: str, table: str, where: str, order: str, limit: int, *, column: str = "id") -> str:
    """One source: the first `limit` rows of `table` in `order` (wrapped, so that SQLite
    accepts ORDER BY and LIMIT inside a UNION)."""
    return (
        f"SELECT '{source}' AS source, id FROM (SELECT {column} AS id FROM {table} "
        f"WHERE {where} ORDER BY {order} LIMIT {int(limit)}) AS {{alias}}"
    )


def _new(sql: _Statement, viewer_id: int, bucket: int, now: datetime, limits: SourceLimits) -> str:
    """The `new` source for one taste bucket: its newest public posts of the last hours by
    people the viewer does not follow (nor the viewer's own)."""
    since = now - limits.new_window
    where = (
        f"taste_bucket = {sql.param(bucket)} AND created_at >= {sql.param(since)} "
        f"AND audience = {sql.param(Audience.PUBLIC.value)} AND deleted_at IS NULL "
        f"AND author_id <> {sql.param(viewer_id)} AND author_id NOT IN "
        f"(SELECT followee_id FROM follow WHERE follower_id = {sql.param(viewer_id)})"
    )
    return _top("new", "post", where, "created_at DESC, id DESC", limits.new_per_bucket)


def _network(sql: _Statement, viewer_id: int, now: datetime, limits: SourceLimits) -> str:
    """The `network` source: the latest `network_per_author` posts of each followee (and of
    the viewer), newest first, so one prolific followee cannot crowd out the others."""
    # The viewer's own id goes inside the IN, not in an OR beside it: with the OR, PostgreSQL
    # walks the whole post(created_at) index backwards filtering (0.3 s at a million posts);
    # without it, it looks up each followee's posts by index.
    latest = (
        f"SELECT id, created_at, ROW_NUMBER() OVER "
        f"(PARTITION BY author_id ORDER BY created_at DESC, id DESC) AS nth FROM post "
        f"WHERE author_id IN (SELECT followee_id FROM follow WHERE follower_id = "
        f"{sql.param(viewer_id)} UNION ALL SELECT {sql.param(viewer_id)}) "
        f"AND created_at >= {sql.param(now - limits.network_window)} AND deleted_at IS NULL"
    )
    return (
        f"SELECT 'network' AS source, id FROM (SELECT id FROM ({latest}) AS {{alias}}n "
        f"WHERE nth <= {int(limits.network_per_author)} ORDER BY created_at DESC "
        f"LIMIT {int(limits.network)}) AS {{alias}}"
    )


def _latest_of_followees(sql: _Statement, viewer_id: int, limits: SourceLimits) -> str:
    """The rest of the `network` source: each followee's latest post, however old (it stays
    news until they post again, see `scoring`), one index lookup per followee."""
    latest = (
        "SELECT p.id FROM post AS p WHERE p.author_id = f.followee_id "
        "AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 1"
    )
    return (
        f"SELECT 'network' AS source, id FROM (SELECT ({latest}) AS id FROM follow AS f "
        f"WHERE f.follower_id = {sql.param(viewer_id)} ORDER BY f.created_at DESC "
        f"LIMIT {int(limits.latest_followees)}) AS {{alias}} WHERE id IS NOT NULL"
    )


def _peers(
    sql: _Statement, viewer_id: int, engaged: Sequence[int], now: datetime, limits: SourceLimits
) -> str:
    """The `peers` source (a post liked by several peers comes back once per like). The
    seeds are padded to `PEER_SEEDS` (id 0 is no post) so the statement
    keeps one text, and PostgreSQL its prepared plan."""
    seeds = list(engaged)[-PEER_SEEDS:]
    seeds += [0] * (PEER_SEEDS - len(seeds))
    since = now - limits.peer_window
    lately = now - limits.peer_likes_window
    placeholders = ", ".join(sql.param(seed) for seed in seeds)
    likers = (
        f"SELECT account_id FROM (SELECT account_id FROM reaction WHERE post_id IN "
        f"({placeholders}) AND account_id <> {sql.param(viewer_id)} "
        f"AND created_at >= {sql.param(since)} "
        f"ORDER BY created_at DESC LIMIT {int(limits.peer_likers)}) AS {{alias}}l"
    )
    return (
        f"SELECT 'peers' AS source, id FROM (SELECT post_id AS id FROM reaction "
        f"WHERE account_id IN ({likers}) AND created_at >= {sql.param(lately)} "
        f"ORDER BY created_at DESC LIMIT {int(limits.peer_likes)}) AS {{alias}}"
    )


def features_of(query: QuerySet[Post]) -> ValuesQuery[Literal[False]]:
    """The columns the ranker reads, `created_at` raw (as `created`, parsed by the ranking):
    the ORM's pure-Python ISO parser took ~8 ms of a SQLite page for ~400 candidates,
    `datetime.fromisoformat` is C."""
    created = RawSQL('"post"."created_at"')
    return query.annotate(created=created).values(*FEATURE_FIELDS, "created")


def visible_features(viewer_id: int, *, safe: bool) -> Visible:
    """The features of the posts the viewer may see (and, if `safe`, that are not sensitive),
    as SQL for the candidate statement, written by the ORM from `visible_to` (never restated
    by hand): once per kind of database, with the viewer's id put in its places."""
    written = _visible_for_anyone(safe, Post._meta.db.capabilities.dialect)
    values = [viewer_id if value == _ANY_VIEWER else value for value in written.values]
    return Visible(written.sql, values, written.columns)


_ANY_VIEWER = -7_340_033  # no account's id: marks the viewer's places in the written SQL


@lru_cache(maxsize=8)
def _visible_for_anyone(safe: bool, dialect: str) -> Visible:
    """`visible_features` for `_ANY_VIEWER`. Writing it took the ORM ~1 ms, as long as
    ranking a page's candidates; the text is the same for every viewer (the id is a
    parameter), so it is written once per `dialect`."""
    allowed = Post.filter(visible_to(_ANY_VIEWER))
    query = features_of(allowed.filter(sensitive=False) if safe else allowed)
    query.sql()  # builds `query.query`, whose parameters are then read in placeholder style
    text, values = query.query.get_parameterized_sql()
    if str(_ANY_VIEWER) in text:  # written into the text, not a parameter: cannot be reused
        raise RuntimeError("visible_to wrote the viewer's id into the SQL text")
    return Visible(text, list(values), (*FEATURE_FIELDS, "created"))
