"""The on-disk format of feed workloads, read by every feed benchmark.

A dataset is a directory of four CSV files (UTF-8, comma-separated, a header line, RFC 4180
quoting) and an optional `meta.json`:

| file          | columns                                               |
|---------------|-------------------------------------------------------|
| `users.csv`   | `id`, `handle`, `created_at`                          |
| `follows.csv` | `follower_id`, `followee_id`, `created_at`            |
| `posts.csv`   | `id`, `author_id`, `created_at`, `audience`, `prompt`, `caption` |
| `likes.csv`   | `user_id`, `post_id`, `created_at`                    |

- ids are positive integers; `*_id` columns refer to `users.csv` / `posts.csv` ids.
- `created_at` is whole seconds since the Unix epoch (UTC).
- `audience` is `public`, `followers` or `private` (as in `core.domain.Audience`).
- `prompt` and `caption` are free text (`#tags` are written in them, as users do).
- a (follower, followee) or (user, post) pair appears at most once; nobody follows themselves.
- `meta.json` (optional) describes how the data was made; benchmarks do not need it.
- `impressions.csv` (optional): what some surface showed to whom, one row per post shown:
  `viewer_id`, `post_id`, `surface`, `position`, `shown_at`. `surface` is a short name
  (`following`, `liked`, `latest`, `feed`, `digest`, `suggest`, `trending`, `search`, …),
  `position` counts from 0 (the first post shown), `shown_at` is seconds since the epoch
  like `created_at`. A like that came from an impression is a row of `likes.csv` at or
  after its `shown_at`; nothing else links them. The `exposure` family of
  `bench/workload.py` writes one; datasets without it are just as valid.
- `hidden.npz` (optional, generator-specific: `bench/workload.py` writes it) holds the
  variables the data was drawn from; benchmarks never need it (`bench.ranking` uses it, when
  there, for the ceiling of its quality ratios).

Reading is lenient where a spreadsheet or another exporter differs without changing the
meaning: a UTF-8 byte-order mark, CRLF line ends, spaces around header names, the columns in
another order or extra columns (ignored), times as fractions of seconds or ISO 8601 (with a
zone offset, `Z`, or none: then UTC) — all read as whole Unix seconds. Ids too large for the
benchmarks' id-indexed tables (beyond `DENSE_IDS` × the rows and `DENSE_ANYWAY`, e.g. 64-bit
snowflakes) are renumbered 1… in their own order (so every order by id stays), and
`meta["renumbered"]` says so; ids that fit are kept as they are. A like stamped before its
post is moved to the post's moment (`meta["likes_moved"]` counts them).

Numbers are read with numpy (`users`, `follows`, `likes` as int64 arrays), posts' texts as
Python lists, so a few million rows load in seconds.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

FILES = ("users.csv", "follows.csv", "posts.csv", "likes.csv")
IMPRESSIONS = "impressions.csv"
HEADERS = {
    "users.csv": ("id", "handle", "created_at"),
    "follows.csv": ("follower_id", "followee_id", "created_at"),
    "posts.csv": ("id", "author_id", "created_at", "audience", "prompt", "caption"),
    "likes.csv": ("user_id", "post_id", "created_at"),
    IMPRESSIONS: ("viewer_id", "post_id", "surface", "position", "shown_at"),
}
AUDIENCES = ("public", "followers", "private")
# Ids up to 50 × the rows, or up to 50 million (a 400 MB table at most), are kept; larger
# ones are renumbered.
DENSE_IDS, DENSE_ANYWAY = 50, 50_000_000


class FormatError(ValueError):
    """A dataset file does not follow the documented format."""


@dataclass(slots=True)
class Dataset:
    user_ids: np.ndarray
    handles: list[str]
    user_created: np.ndarray
    follows: np.ndarray  # (n, 3): follower_id, followee_id, created_at
    post_ids: np.ndarray
    post_authors: np.ndarray
    post_created: np.ndarray
    audiences: list[str]
    prompts: list[str]
    captions: list[str]
    likes: np.ndarray  # (n, 3): user_id, post_id, created_at
    meta: dict = field(default_factory=dict)
    # (n, 5): viewer_id, post_id, surface (an index into `surfaces`), position, shown_at
    impressions: np.ndarray | None = None
    surfaces: tuple[str, ...] = ()

    def summary(self) -> str:
        return (
            f"{len(self.user_ids):,} users, {len(self.follows):,} follows, "
            f"{len(self.post_ids):,} posts, {len(self.likes):,} likes"
        )


def write(dataset: Dataset, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "users.csv", "w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(HEADERS["users.csv"])
        rows.writerows(
            zip(
                dataset.user_ids.tolist(),
                dataset.handles,
                dataset.user_created.tolist(),
                strict=True,
            )
        )
    _write_numbers(directory / "follows.csv", dataset.follows)
    with open(directory / "posts.csv", "w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(HEADERS["posts.csv"])
        rows.writerows(
            zip(
                dataset.post_ids.tolist(),
                dataset.post_authors.tolist(),
                dataset.post_created.tolist(),
                dataset.audiences,
                dataset.prompts,
                dataset.captions,
                strict=True,
            )
        )
    _write_numbers(directory / "likes.csv", dataset.likes)
    if dataset.impressions is not None:
        _write_impressions(directory / IMPRESSIONS, dataset.impressions, dataset.surfaces)
    (directory / "meta.json").write_text(json.dumps(dataset.meta, indent=2) + "\n")


def _write_numbers(path: Path, table: np.ndarray) -> None:
    header = ",".join(HEADERS[path.name])
    with open(path, "w", encoding="utf-8") as out:
        out.write(header + "\n")
        for start in range(0, len(table), 500_000):
            chunk = table[start : start + 500_000].tolist()
            out.write("".join(f"{a},{b},{c}\n" for a, b, c in chunk))


def _write_impressions(path: Path, table: np.ndarray, surfaces: tuple[str, ...]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(HEADERS[IMPRESSIONS]) + "\n")
        for start in range(0, len(table), 500_000):
            chunk = table[start : start + 500_000].tolist()
            out.write("".join(f"{v},{p},{surfaces[s]},{n},{t}\n" for v, p, s, n, t in chunk))


def _read_impressions(path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    codes: dict[str, int] = {}
    rows = []
    for row in _rows(path):
        try:
            rows.append(
                (
                    _id(row[0]),
                    _id(row[1]),
                    codes.setdefault(row[2], len(codes)),
                    _id(row[3]),
                    moment(row[4]),
                )
            )
        except ValueError as error:
            raise FormatError(f"{IMPRESSIONS}: {error}") from None
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    if (table[:, 3] < 0).any():
        raise FormatError(f"{IMPRESSIONS}: negative position")
    return table, tuple(codes)


def read(directory: Path, *, impressions: bool = True) -> Dataset:
    """The dataset in `directory` (`impressions=False`: leave `impressions.csv` unread)."""
    for name in FILES:
        if not (directory / name).is_file():
            raise FormatError(f"{directory / name}: missing")
    user_ids, handles, user_created = [], [], []
    for row in _rows(directory / "users.csv"):
        try:
            user_ids.append(_id(row[0]))
            user_created.append(moment(row[2]))
        except ValueError as error:
            raise FormatError(f"users.csv: {error}") from None
        handles.append(row[1])
    post_ids, authors, created, audiences, prompts, captions = [], [], [], [], [], []
    for row in _rows(directory / "posts.csv"):
        try:
            post_ids.append(_id(row[0]))
            authors.append(_id(row[1]))
            created.append(moment(row[2]))
        except ValueError as error:
            raise FormatError(f"posts.csv: {error}") from None
        if row[3] not in AUDIENCES:
            raise FormatError(f"posts.csv: unknown audience {row[3]!r}")
        audiences.append(row[3])
        prompts.append(row[4])
        captions.append(row[5])
    dataset = Dataset(
        user_ids=np.array(user_ids, dtype=np.int64),
        handles=handles,
        user_created=np.array(user_created, dtype=np.int64),
        follows=_read_numbers(directory / "follows.csv"),
        post_ids=np.array(post_ids, dtype=np.int64),
        post_authors=np.array(authors, dtype=np.int64),
        post_created=np.array(created, dtype=np.int64),
        audiences=audiences,
        prompts=prompts,
        captions=captions,
        likes=_read_numbers(directory / "likes.csv"),
    )
    meta = directory / "meta.json"
    if meta.is_file():
        dataset.meta = json.loads(meta.read_text())
    if impressions and (directory / IMPRESSIONS).is_file():
        dataset.impressions, dataset.surfaces = _read_impressions(directory / IMPRESSIONS)
    _renumber(dataset)
    _check(dataset)
    _likes_after_posts(dataset)
    return dataset


def _header(path: Path, header: list[str] | None) -> list[int]:
    """Where each of the file's columns is in a line whose header is `header`."""
    names = [name.strip().lstrip("\ufeff").strip() for name in header or ()]
    wanted = HEADERS[path.name]
    if not set(wanted) <= set(names):
        raise FormatError(f"{path.name}: header must be {','.join(wanted)}")
    return [names.index(name) for name in wanted]


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8-sig") as source:
        rows = csv.reader(source)
        columns = _header(path, next(rows, None))
        width = max(columns) + 1
        for line, row in enumerate(rows, start=2):
            if not row:  # a blank line (one at the end, as some exporters write)
                continue
            if len(row) < width:
                raise FormatError(f"{path.name}:{line}: expected {len(HEADERS[path.name])} fields")
            yield [row[c] for c in columns]


def _read_numbers(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8-sig") as source:
        columns = _header(path, source.readline().split(","))
        if columns == [0, 1, 2]:
            try:  # the fast path: numbers only, in the documented order
                table = np.loadtxt(source, delimiter=",", dtype=np.int64, ndmin=2)
            except ValueError:
                table = None
            if table is not None and (table.size == 0 or table.shape[1] == 3):
                return table if table.size else np.zeros((0, 3), dtype=np.int64)
    rows = []
    for line, row in enumerate(_rows(path), start=2):
        try:
            rows.append((_id(row[0]), _id(row[1]), moment(row[2])))
        except ValueError as error:
            raise FormatError(f"{path.name}:{line}: {error}") from None
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _id(text: str) -> int:
    return int(text.strip())


def moment(text: str) -> int:
    """Whole Unix seconds from whole or fractional seconds or ISO 8601 (no zone: UTC)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return math.floor(float(text))
    except ValueError:
        pass
    when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return math.floor(when.timestamp())


def _likes_after_posts(dataset: Dataset) -> None:
    """A like stamped before its post (clocks that disagree) is moved to the post's moment:
    nothing can be liked before it exists, and the benchmarks apply events in time order."""
    order = np.argsort(dataset.post_ids)
    rows = order[np.searchsorted(dataset.post_ids[order], dataset.likes[:, 1])]
    created = dataset.post_created[rows]
    early = dataset.likes[:, 2] < created
    if early.any():
        dataset.likes[early, 2] = created[early]
        dataset.meta = {**dataset.meta, "likes_moved": int(early.sum())}


def _renumber(dataset: Dataset) -> None:
    """Ids 1… in their own order where they are too large for id-indexed tables."""
    renumbered = []
    for name, ids in (("users", dataset.user_ids), ("posts", dataset.post_ids)):
        if len(ids) and int(ids.max()) > max(DENSE_IDS * len(ids), DENSE_ANYWAY):
            renumbered.append(name)
    if not renumbered:
        return
    if "users" in renumbered:
        known = np.sort(dataset.user_ids)
        dataset.user_ids = _dense(known, dataset.user_ids)
        dataset.post_authors = _dense(known, dataset.post_authors)
        dataset.follows[:, :2] = _dense(known, dataset.follows[:, :2])
        dataset.likes[:, 0] = _dense(known, dataset.likes[:, 0])
        if dataset.impressions is not None:
            dataset.impressions[:, 0] = _dense(known, dataset.impressions[:, 0])
    if "posts" in renumbered:
        known = np.sort(dataset.post_ids)
        dataset.post_ids = _dense(known, dataset.post_ids)
        dataset.likes[:, 1] = _dense(known, dataset.likes[:, 1])
        if dataset.impressions is not None:
            dataset.impressions[:, 1] = _dense(known, dataset.impressions[:, 1])
    dataset.meta = {**dataset.meta, "renumbered": renumbered}


def _dense(known: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Each of `ids` as its place (from 1) among the sorted `known` ids; unknown ids (which
    `_check` refuses afterwards) become 0."""
    place = np.searchsorted(known, ids)
    found = (place < len(known)) & (known[np.minimum(place, len(known) - 1)] == ids)
    return np.where(found, place + 1, 0).astype(np.int64)


def _check(dataset: Dataset) -> None:
    users = dataset.user_ids
    if len(np.unique(users)) != len(users):
        raise FormatError("users.csv: repeated id")
    if len(np.unique(dataset.post_ids)) != len(dataset.post_ids):
        raise FormatError("posts.csv: repeated id")
    if not np.isin(dataset.post_authors, users).all():
        raise FormatError("posts.csv: author_id not in users.csv")
    follows, likes = dataset.follows, dataset.likes
    if not np.isin(follows[:, :2], users).all():
        raise FormatError("follows.csv: unknown user")
    if (follows[:, 0] == follows[:, 1]).any():
        raise FormatError("follows.csv: someone follows themselves")
    if not np.isin(likes[:, 0], users).all():
        raise FormatError("likes.csv: unknown user")
    if not np.isin(likes[:, 1], dataset.post_ids).all():
        raise FormatError("likes.csv: unknown post")
    shown = dataset.impressions
    if shown is not None:
        if not np.isin(shown[:, 0], users).all():
            raise FormatError(f"{IMPRESSIONS}: unknown viewer")
        if not np.isin(shown[:, 1], dataset.post_ids).all():
            raise FormatError(f"{IMPRESSIONS}: unknown post")
    for name, table in (("follows.csv", follows), ("likes.csv", likes)):
        if len(np.unique(table[:, :2], axis=0)) != len(table):
            raise FormatError(f"{name}: repeated pair")
