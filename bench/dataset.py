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

Numbers are read with numpy (`users`, `follows`, `likes` as int64 arrays), posts' texts as
Python lists, so a few million rows load in seconds.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
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
                    int(row[0]),
                    int(row[1]),
                    codes.setdefault(row[2], len(codes)),
                    int(row[3]),
                    int(row[4]),
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
        user_ids.append(int(row[0]))
        handles.append(row[1])
        user_created.append(int(row[2]))
    post_ids, authors, created, audiences, prompts, captions = [], [], [], [], [], []
    for row in _rows(directory / "posts.csv"):
        post_ids.append(int(row[0]))
        authors.append(int(row[1]))
        created.append(int(row[2]))
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
    _check(dataset)
    return dataset


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8") as source:
        rows = csv.reader(source)
        header = next(rows, None)
        if tuple(header or ()) != HEADERS[path.name]:
            raise FormatError(f"{path.name}: header must be {','.join(HEADERS[path.name])}")
        for line, row in enumerate(rows, start=2):
            if len(row) != len(HEADERS[path.name]):
                raise FormatError(f"{path.name}:{line}: expected {len(HEADERS[path.name])} fields")
            yield row


def _read_numbers(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8") as source:
        header = source.readline().strip()
        if tuple(header.split(",")) != HEADERS[path.name]:
            raise FormatError(f"{path.name}: header must be {','.join(HEADERS[path.name])}")
        try:
            table = np.loadtxt(source, delimiter=",", dtype=np.int64, ndmin=2)
        except ValueError as error:
            raise FormatError(f"{path.name}: {error}") from None
    if table.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    if table.shape[1] != 3:
        raise FormatError(f"{path.name}: expected 3 columns")
    return table


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
        codes = table[:, 0] * (int(table[:, 1].max(initial=0)) + 1) + table[:, 1]
        if len(np.unique(codes)) != len(table):
            raise FormatError(f"{name}: repeated pair")
