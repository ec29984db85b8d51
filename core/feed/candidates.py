"""Where feed candidates come from: several sources, gathered with their features in one
round trip.

Each source is a small indexed top-N query; all of them are glued with UNION ALL into one
statement, composed from pypika query objects (the ORM has no UNION), that runs on SQLite and
PostgreSQL alike:

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
| `peers`    | the posts most co-liked by the viewer's peers, people    | reaction(post, …),     |
|            | whose likes overlap the viewer's, counted in SQL          | reaction(account, at)  |
| `authors`  | the newest posts of the last two weeks of each of the    | post(author, created)  |
|            | authors the viewer engaged with most, followed or not    |                        |

`peers` is collaborative filtering (item co-likes) kept to one bounded subquery, counted by
the database: the viewer's last `PEER_SEEDS` engaged posts → the newest `peer_likers` likes
of them by others (within `peer_window`), grouped by who gave them: each such peer's
*overlap* with the viewer is how many of the seeds they liked → the newest `peer_likes` likes
of those peers (within `peer_likes_window`) → grouped by post, each post's *co-like weight*
is the sum of the overlaps of the peers who liked it → the `peer_posts` posts of the
highest weight, the most recently liked first among equals. It reaches posts of people the
viewer does not follow and that have no #tags (where `tags` finds nothing). The weight,
relative to the viewer's highest, is the `peers` score part (`Candidates.peer_likes`); its
weight in the prior is the one the fits found (`scoring.Weights.peers`), and what a fitted
ranker finds, beside `engagement`, which takes popularity.

Visibility (audience, blocks, deletions) is *not* decided here: the visible posts' feature
columns are the ORM's query from `core.social.visible_to`, the one rule, put into the
statement as a query object (tortoise's `Subquery`), and the candidates are joined to it (see
`_statement`).

The statement's text depends only on its shape (the kind of database, `safe`, how many
buckets, #tags and terms, whether there are seeds for `peers`, the limits), so it is composed
and written once per shape (`_written`); each request only binds its values to the slots.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pypika_tortoise import Order, Query, Table
from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.functions import Count, Max, Sum
from pypika_tortoise.queries import QueryBuilder
from pypika_tortoise.terms import Case, Criterion, NullValue, Star, Term
from tortoise.expressions import RawSQL, Subquery
from tortoise.queryset import QuerySet, ValuesQuery

from core.domain import Audience
from core.feed.features import SOURCES
from core.persistence.models import Post
from core.persistence.statements import IsNotNull, Slot, Written, literal, value, write
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
    # `peers`: the newest likes of the viewer's seeds that say who the peers are: a few
    # hundred, so a peer who liked several seeds shows it (the overlap) …
    peer_likers: int = 300
    # … the newest likes of those peers that are counted: the bound on the rows the source
    # reads and groups (a sort of a thousand short rows, about what `network` reads) …
    peer_likes: int = 1000
    # … and the posts of the highest co-like weight kept: three pages, as `network` has four
    peer_posts: int = 60
    network_window: timedelta = timedelta(days=14)  # older ones: only a followee's latest
    latest_followees: int = 200  # followees (latest followed first) whose latest is a candidate
    peer_window: timedelta = timedelta(days=14)  # whose likes of the seeds count
    peer_likes_window: timedelta = timedelta(days=3)  # what those peers liked lately
    # `new`: per taste bucket, the newest posts of the last `new_window`. Twelve hours: a post
    # older than that has had its chance at likes, and `similar` (by hotness) finds it if it
    # took off; five a bucket, as `similar_per_bucket`, keeps the statement's size.
    new_per_bucket: int = 5
    new_window: timedelta = timedelta(hours=12)
    # `authors`: per author the viewer engaged with most (`ranking.ENGAGED_AUTHORS`), their
    # newest posts of the last `authors_window`, followed or not. Liking someone's posts is
    # the plainest sign of wanting more of them, whether one follows them (`network` caps a
    # followee at `network_per_author`, whom one may never like) or not (then no other
    # source asks for their posts by author). Per author as many as one author may have on a
    # page of 20 (`diversity.AUTHOR_SHARE`); the window is `network_window`'s, the same
    # horizon for the same kind of source.
    per_engaged_author: int = 5
    authors_window: timedelta = timedelta(days=14)


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
    "quality",
    "prompt",
    "caption",
)


@dataclass(slots=True)
class Candidates:
    followees: set[int] = field(default_factory=set)
    # the sources that brought each candidate the viewer may see
    sources: dict[int, AbstractSet[str]] = field(default_factory=dict)
    # rows of `features_of` (and their `bits` and `weight`), as the driver gives them
    features: list[Any] = field(default_factory=list)
    # post id → its co-like weight among the viewer's peers (`peers` source): the sum of the
    # overlaps of the peers who liked it lately
    peer_likes: dict[int, float] = field(default_factory=dict)
    # post id → the bits (`SOURCES`) of the sources that brought it (`sources` as a number)
    bits: dict[int, int] = field(default_factory=dict)


async def gather(
    viewer_id: int,
    *,
    safe: bool = False,
    buckets: Sequence[int],
    terms: Sequence[str],
    tags: Sequence[str] = (),
    now: datetime,
    engaged: Sequence[int] = (),
    authors: Sequence[int] = (),
    limits: SourceLimits = SourceLimits(),
) -> Candidates:
    """The candidates of every source, whom the viewer follows, and the features of the
    candidates the viewer may see (`safe`: and that are not sensitive): one statement, so one
    round trip and one plan (see `_statement`)."""
    db = Post._meta.db
    seeds = list(engaged)[-PEER_SEEDS:]
    # The seeds are padded to `PEER_SEEDS` (id 0 is no post), so the statement keeps one text.
    seeds += [0] * (PEER_SEEDS - len(seeds))
    shape = _Shape(safe, len(buckets), len(tags), len(terms), bool(engaged), len(authors), limits)
    # a class is hashable; mypy checks the Hashable protocol against pypika's instance __hash__
    written = _written(db.query_class, shape)  # type: ignore[arg-type]
    bound = {
        _VIEWER: viewer_id,
        _NETWORK_SINCE: now - limits.network_window,
        _NEW_SINCE: now - limits.new_window,
        _PEERS_SINCE: now - limits.peer_window,
        _PEERS_LATELY: now - limits.peer_likes_window,
        _AUTHORS_SINCE: now - limits.authors_window,
        **{Slot("author", i): author for i, author in enumerate(authors)},
        **{Slot("bucket", i): bucket for i, bucket in enumerate(buckets)},
        **{Slot("tag", i): tag for i, tag in enumerate(tags)},
        **{Slot("term", i): term for i, term in enumerate(terms)},
        **{Slot("seed", i): seed for i, seed in enumerate(seeds)},
    }
    _, rows = await db.execute_query(written.sql, written.bind(bound))
    found = Candidates()
    for row in rows:
        if row["source"] == "follows":
            found.followees.add(int(row["id"]))
            continue
        found.features.append(row)
        post_id, bits = int(row["id"]), int(row["bits"])
        found.sources[post_id] = _source_names(bits)
        found.bits[post_id] = bits
        if bits & _PEERS_BIT:
            found.peer_likes[post_id] = float(row["weight"])
    return found


_PEERS_BIT = 1 << SOURCES.index("peers")


@lru_cache(maxsize=1024)
def _source_names(bits: int) -> frozenset[str]:
    """The names of the sources (`SOURCES`) whose bits are set."""
    return frozenset(name for number, name in enumerate(SOURCES) if bits >> number & 1)


def features_of(query: QuerySet[Post]) -> ValuesQuery[Literal[False]]:
    """The columns the ranker reads, `created_at` raw (as `created`, parsed by the ranking):
    the ORM's pure-Python ISO parser took ~8 ms of a SQLite page for ~400 candidates,
    `datetime.fromisoformat` is C."""
    created = RawSQL('"post"."created_at"')
    return query.annotate(created=created).values(*FEATURE_FIELDS, "created")


# ---------------------------------------------------------------------- the statement


_VIEWER = Slot("viewer")
_NETWORK_SINCE, _NEW_SINCE = Slot("network since"), Slot("new since")
_PEERS_SINCE, _PEERS_LATELY = Slot("peers since"), Slot("peers lately")
_AUTHORS_SINCE = Slot("authors since")
# No account's id: passed to `visible_to` to find the viewer's places in the ORM's query.
_ANY_VIEWER = -7_340_033


@dataclass(frozen=True, slots=True)
class _Shape:
    safe: bool
    buckets: int
    tags: int
    terms: int
    peers: bool
    authors: int
    limits: SourceLimits


@lru_cache(maxsize=32)
def _written(query_class: type[Query], shape: _Shape) -> Written:
    """`_statement` as text with its values, once per shape. Composing and writing it (the
    ORM's visibility query included) takes about as long as ranking a page's candidates."""
    written = write(query_class, _statement(_Sources(query_class), shape))
    if str(_ANY_VIEWER) in written.sql:  # written into the text, not a parameter: unusable
        raise RuntimeError("visible_to wrote the viewer's id into the SQL text")
    return Written(written.sql, tuple(_VIEWER if v == _ANY_VIEWER else v for v in written.values))


_POST, _FOLLOW, _TERM, _REACTION = (
    Table("post"),
    Table("follow"),
    Table("post_term"),
    Table("reaction"),
)
_PUBLIC = Audience.PUBLIC.value
# Every source's rows carry a `weight` (only `peers` has one): a 0 written into the text, an
# integer, so that PostgreSQL types the UNION's column from its parts (a bare NULL in each
# would be typed text there, and the peers' sums could not join it).
_NO_WEIGHT = literal(0).as_("weight")


class _Sources:
    """The sources as query objects of one kind of database (its `Query` class)."""

    def __init__(self, query_class: type[Query]) -> None:
        self.query = query_class

    def from_(self, selectable: Any) -> QueryBuilder:
        # No parentheses around the parts of a UNION: SQLite refuses them.
        return self.query.from_(selectable, wrap_set_operation_queries=False)

    def union_all(self, parts: list[QueryBuilder]) -> Any:
        union: Any = parts[0]
        for part in parts[1:]:
            union = union.union_all(part)
        return union

    def top(
        self,
        source: str,
        table: Table,
        where: Criterion,
        order: Sequence[tuple[Term, Order]],
        limit: int,
        alias: str,
        *,
        column: str = "id",
    ) -> QueryBuilder:
        """One source: the first `limit` rows of `table` in `order` (wrapped, so that SQLite
        accepts ORDER BY and LIMIT inside a UNION)."""
        inner = self.from_(table).select(table.field(column).as_("id")).where(where)
        for term, direction in order:
            inner = inner.orderby(term, order=direction)
        inner = inner.limit(literal(int(limit))).as_(alias)
        return self.from_(inner).select(literal(source).as_("source"), inner.id, _NO_WEIGHT)

    def followees(self) -> QueryBuilder:
        return (
            self.from_(_FOLLOW)
            .select(_FOLLOW.followee_id)
            .where(_FOLLOW.follower_id == value(_VIEWER))
        )

    def network(self, limits: SourceLimits, alias: str) -> QueryBuilder:
        """The `network` source: the latest `network_per_author` posts of each followee (and
        of the viewer), newest first, so one prolific followee cannot crowd out the others."""
        # The viewer's own id goes inside the IN, not in an OR beside it: with the OR,
        # PostgreSQL walks the whole post(created_at) index backwards filtering (0.3 s at a
        # million posts); without it, it looks up each followee's posts by index.
        # (A UNION inside IN is written as a derived table: pypika cannot write it bare there.)
        followees_and_viewer = (
            self.from_(_FOLLOW)
            .select(_FOLLOW.followee_id.as_("id"))
            .where(_FOLLOW.follower_id == value(_VIEWER))
            .union_all(self.query.select(value(_VIEWER)))
            .as_(f"{alias}a")
        )
        authors = self.from_(followees_and_viewer).select(followees_and_viewer.id)
        nth = (
            RowNumber()
            .over(_POST.author_id)
            .orderby(_POST.created_at, order=Order.desc)
            .orderby(_POST.id, order=Order.desc)
        )
        latest = (
            self.from_(_POST)
            .select(_POST.id, _POST.created_at, nth.as_("nth"))
            .where(_POST.author_id.isin(authors))
            .where(_POST.created_at >= value(_NETWORK_SINCE))
            .where(_POST.deleted_at.isnull())
            .as_(f"{alias}n")
        )
        newest = (
            self.from_(latest)
            .select(latest.id)
            .where(latest.nth <= literal(int(limits.network_per_author)))
            .orderby(latest.created_at, order=Order.desc)
            .limit(literal(int(limits.network)))
            .as_(alias)
        )
        return self.from_(newest).select(literal("network").as_("source"), newest.id, _NO_WEIGHT)

    def latest_of_followees(self, limits: SourceLimits, alias: str) -> QueryBuilder:
        """The rest of the `network` source: each followee's latest post, however old (it
        stays news until they post again, see `scoring`), one index lookup per followee."""
        post, follow = _POST.as_("p"), _FOLLOW.as_("f")
        latest = (
            self.from_(post)
            .select(post.id)
            .where(post.author_id == follow.followee_id)
            .where(post.deleted_at.isnull())
            .orderby(post.created_at, order=Order.desc)
            .limit(literal(1))
        )
        followed = (
            self.from_(follow)
            .select(latest.as_("id"))
            .where(follow.follower_id == value(_VIEWER))
            .orderby(follow.created_at, order=Order.desc)
            .limit(literal(int(limits.latest_followees)))
            .as_(alias)
        )
        return (
            self.from_(followed)
            .select(literal("network").as_("source"), followed.id, _NO_WEIGHT)
            .where(IsNotNull(followed.id))
        )

    def new(self, bucket: Slot, limits: SourceLimits, alias: str) -> QueryBuilder:
        """The `new` source for one taste bucket: its newest public posts of the last hours
        by people the viewer does not follow (nor the viewer's own)."""
        where = (
            (_POST.taste_bucket == value(bucket))
            & (_POST.created_at >= value(_NEW_SINCE))
            & (_POST.audience == value(_PUBLIC))
            & _POST.deleted_at.isnull()
            & (_POST.author_id != value(_VIEWER))
            & _POST.author_id.notin(self.followees())
        )
        order = [(_POST.created_at, Order.desc), (_POST.id, Order.desc)]
        return self.top("new", _POST, where, order, limits.new_per_bucket, alias)

    def authors(self, author: Slot, limits: SourceLimits, alias: str) -> QueryBuilder:
        """The `authors` source for one author the viewer engaged with: their newest posts of
        the last `authors_window` (not the viewer's own), one top-N of the post(author,
        created) index."""
        where = (
            (_POST.author_id == value(author))
            & (_POST.author_id != value(_VIEWER))
            & (_POST.created_at >= value(_AUTHORS_SINCE))
            & _POST.deleted_at.isnull()
        )
        order = [(_POST.created_at, Order.desc), (_POST.id, Order.desc)]
        return self.top("authors", _POST, where, order, limits.per_engaged_author, alias)

    def peers(self, limits: SourceLimits, alias: str) -> QueryBuilder:
        """The `peers` source: posts by co-like weight (see the module's docstring), one row
        each with its weight. Every step is a top-N or a GROUP BY of one: the rows read are
        the seeds' newest likes and the peers' likes of the last days, each bounded."""
        seeds = [value(Slot("seed", i)) for i in range(PEER_SEEDS)]
        seed_likes = (
            self.from_(_REACTION)
            .select(_REACTION.account_id)
            .where(_REACTION.post_id.isin(seeds))
            .where(_REACTION.account_id != value(_VIEWER))
            .where(_REACTION.created_at >= value(_PEERS_SINCE))
            .orderby(_REACTION.created_at, order=Order.desc)
            .limit(literal(int(limits.peer_likers)))
            .as_(f"{alias}l")
        )
        peers = (
            self.from_(seed_likes)
            .select(seed_likes.account_id, Count(Star()).as_("overlap"))
            .groupby(seed_likes.account_id)
            .as_(f"{alias}p")
        )
        like = _REACTION.as_(f"{alias}r")
        their_likes = (
            self.from_(like)
            .join(peers)
            .on(peers.account_id == like.account_id)
            .select(like.post_id, peers.overlap, like.created_at)
            .where(like.created_at >= value(_PEERS_LATELY))
            .orderby(like.created_at, order=Order.desc)
            .limit(literal(int(limits.peer_likes)))
            .as_(f"{alias}k")
        )
        weight = Sum(their_likes.overlap)
        top = (
            self.from_(their_likes)
            .select(their_likes.post_id.as_("id"), weight.as_("weight"))
            .groupby(their_likes.post_id)
            .orderby(weight, order=Order.desc)
            .orderby(Max(their_likes.created_at), order=Order.desc)
            .limit(literal(int(limits.peer_posts)))
            .as_(alias)
        )
        return self.from_(top).select(literal("peers").as_("source"), top.id, top.weight)


def _statement(sources: _Sources, shape: _Shape) -> Any:
    """One statement for the candidates and their features:

        WITH visible AS (<the ORM's visible posts>), c AS (<the sources, UNION ALL>)
        SELECT 'post' AS source, v.id, v.author_id, …, d.weight, d.bits FROM (SELECT id,
            SUM(DISTINCT <source's bit>) AS bits, MAX(weight) AS weight FROM c
            WHERE source <> 'follows' GROUP BY id) AS d JOIN visible AS v ON v.id = d.id
        UNION ALL
        SELECT source, id, NULL, … FROM c WHERE source = 'follows'       -- followee ids

    One round trip and one plan instead of two, and no list of hundreds of ids sent back as
    parameters. Each visible candidate comes once, with its features and the sources that
    brought it (a row per candidate and source, each decoded and looped over in Python, cost
    a page ~0.4 ms of client CPU); `follows` rows are followee ids, never posts. `visible`
    comes first in the text, as its values come first (`?` is positional); PostgreSQL
    inlines it (used once) and computes `c` once (used twice). The feature rows come first:
    the other way round, SQLite (3.40) took ~50 ms instead of ~2 ms for the same rows at 100k
    posts. Every derived table has a name of its own (`s0`, `s1`, …)."""
    limits = shape.limits
    names = (f"s{index}" for index in itertools.count())
    public = value(_PUBLIC)
    hot_first = [(_POST.hot, Order.desc), (_POST.id, Order.desc)]
    parts = [
        sources.from_(_FOLLOW)
        .select(literal("follows").as_("source"), _FOLLOW.followee_id.as_("id"), _NO_WEIGHT)
        .where(_FOLLOW.follower_id == value(_VIEWER)),
        sources.network(limits, next(names)),
        sources.latest_of_followees(limits, next(names)),
        sources.top(
            "trending",
            _POST,
            (_POST.audience == public) & IsNotNull(_POST.hot) & _POST.deleted_at.isnull(),
            hot_first,
            limits.trending,
            next(names),
        ),
        sources.top(
            "fresh",
            _POST,
            (_POST.newcomer == value(True))
            & (_POST.audience == public)
            & _POST.deleted_at.isnull(),
            [(_POST.created_at, Order.desc)],
            limits.fresh,
            next(names),
        ),
    ]
    where: Criterion
    for index in range(shape.buckets):
        where = (
            (_POST.taste_bucket == value(Slot("bucket", index)))
            & IsNotNull(_POST.hot)
            & (_POST.audience == public)
            & _POST.deleted_at.isnull()
        )
        parts.append(
            sources.top("similar", _POST, where, hot_first, limits.similar_per_bucket, next(names))
        )
    for index in range(shape.buckets):
        parts.append(sources.new(Slot("bucket", index), limits, next(names)))
    newest_first = [(_TERM.post_id, Order.desc)]
    for index in range(shape.tags):
        where = (_TERM.term == value(Slot("tag", index))) & (_TERM.tag == value(True))
        parts.append(
            sources.top(
                "tags",
                _TERM,
                where,
                newest_first,
                limits.per_liked_tag,
                next(names),
                column="post_id",
            )
        )
    for index in range(shape.terms):
        where = _TERM.term == value(Slot("term", index))
        parts.append(
            sources.top(
                "tagged",
                _TERM,
                where,
                newest_first,
                limits.tagged_per_term,
                next(names),
                column="post_id",
            )
        )
    if shape.peers:
        parts.append(sources.peers(limits, next(names)))
    for index in range(shape.authors):
        parts.append(sources.authors(Slot("author", index), limits, next(names)))
    return _joined(sources, sources.union_all(parts), shape.safe)


def _joined(sources: _Sources, union: Any, safe: bool) -> Any:
    allowed = Post.filter(visible_to(_ANY_VIEWER))
    visible_query = features_of(allowed.filter(sensitive=False) if safe else allowed)
    columns = (*FEATURE_FIELDS, "created")
    c, visible = Table("c"), Table("visible").as_("v")
    # Each candidate once, with the bits (`SOURCES`) of the sources that brought it (the sum
    # of distinct powers of two is their OR, on both databases) and its `peers` weight (the
    # other sources' rows weigh 0).
    bit = Case()
    for number, name in enumerate(SOURCES):
        bit = bit.when(c.source == literal(name), literal(1 << number))
    distinct = (
        sources.from_(c)
        .select(c.id, Sum(bit).distinct().as_("bits"), Max(c.weight).as_("weight"))
        .where(c.source != literal("follows"))
        .groupby(c.id)
        .as_("d")
    )
    # A WITH takes queries, not a UNION as such: `c` selects from the union of the sources.
    every = union.as_("u")
    candidates = sources.from_(every).select(every.source, every.id, every.weight)
    features = (
        sources.from_(distinct)
        .with_(Subquery(visible_query).as_("visible"), "visible")
        .with_(candidates, "c")
        .join(visible)
        .on(visible.field(columns[0]) == distinct.id)
        .select(
            literal("post").as_("source"),
            *(visible.field(name) for name in columns),
            distinct.weight,
            distinct.bits,
        )
    )
    followees = (
        sources.from_(c)
        .select(c.source, c.id, *(NullValue() for _ in columns[1:]), c.weight, literal(0))
        .where(c.source == literal("follows"))
    )
    return features.union_all(followees)
