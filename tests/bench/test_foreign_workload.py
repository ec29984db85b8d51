"""`bench/foreign_workload.py`: a workload shaped unlike `bench/workload.py`, its oracle, and
`bench.ranking --dataset` on it (`--smoke`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench import ranking
from bench.dataset import read
from bench.foreign_workload import (
    FOREIGN,
    HORIZON,
    Foreign,
    ForeignOracle,
    generate,
    main,
    write,
)


def _made(tmp_path: Path, seed: int = 3) -> Path:
    tables, hidden = generate(90, 700, 3000, days=14, seed=seed)
    write(tables, tmp_path, {"seed": seed})
    hidden.save(tmp_path)
    return tmp_path


def test_the_workload_keeps_its_promises(tmp_path: Path) -> None:
    data = read(_made(tmp_path))
    assert 1800 < len(data.likes) <= 3000 and len(data.post_ids) == 700  # repeats dropped
    # ids are not 1…n; the files are untidy as described (read anyway)
    assert data.user_ids.min() > 10_000 and data.post_ids.min() > 5_000_000
    assert (tmp_path / "users.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (tmp_path / "likes.csv").read_bytes()
    # no #tags; partly German; some captions empty
    assert not any("#" in text for text in data.prompts + data.captions)
    german = sum(any(w in p for w in ("ein", "eine", "Bild", "auf", "im ")) for p in data.prompts)
    assert 0.1 < german / len(data.prompts) < 0.9
    assert 0.2 < sum(c == "" for c in data.captions) / len(data.captions) < 0.6
    # likes: after their post, within the horizon, never one's own, each pair once
    created = dict(zip(data.post_ids.tolist(), data.post_created.tolist(), strict=True))
    author = dict(zip(data.post_ids.tolist(), data.post_authors.tolist(), strict=True))
    for user, post, at in data.likes.tolist():
        assert 0 < at - created[post] <= HORIZON and author[post] != user
    assert len({(u, p) for u, p, _ in data.likes.tolist()}) == len(data.likes)
    # likes come in sessions: most of a user's next like follows within the hour
    likes = data.likes[np.lexsort((data.likes[:, 2], data.likes[:, 0]))]
    same = likes[1:, 0] == likes[:-1, 0]
    gaps = (likes[1:, 2] - likes[:-1, 2])[same]
    assert np.median(gaps) < 3600
    # power-law authors: the top tenth of the users write most posts
    per_author = np.sort(np.bincount(np.searchsorted(data.user_ids, data.post_authors)))[::-1]
    assert per_author[: len(data.user_ids) // 10].sum() > 0.5 * len(data.post_ids)
    # the same seed, the same files
    again = read(_made(tmp_path / "again"))
    assert np.array_equal(again.likes, data.likes) and again.prompts == data.prompts


def test_the_oracle_knows_the_process(tmp_path: Path) -> None:
    """Over likes of the last days, the process's own weights find more of the liked posts
    in their top 20 than the 20 newest posts do (in so small a world, with likes minutes to
    hours after the post, the newest are a strong guess: 434 against 349 hits with seed 4)."""
    folder = _made(tmp_path, seed=4)
    data = read(folder)
    oracle = ForeignOracle(data, Foreign.load(folder))
    order = np.argsort(data.post_created, kind="stable")
    liked: dict[int, set[int]] = {}
    hits = {"oracle": 0, "newest": 0}
    rows = data.likes[np.argsort(data.likes[:, 2], kind="stable")]
    for user, post, at in rows.tolist():
        seen = liked.setdefault(user, set())
        if at > rows[-1, 2] - 3 * 86_400:
            hits["oracle"] += post in oracle.ranking_at(user, at, seen, 20)
            before = order[data.post_created[order] < at]
            newest = [p for p in data.post_ids[before[::-1]].tolist() if p not in seen][:20]
            hits["newest"] += post in newest
        seen.add(post)
    assert hits["oracle"] > 1.15 * hits["newest"], hits


def test_ranking_runs_on_the_smoke_workload(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "figures.json"
    main(["--smoke", "--out", str(data)])
    assert (data / FOREIGN).is_file()
    # `python -m bench.ranking`'s `main`, in this process (see tests/bench/test_feed_replay.py)
    bench = ["--dataset", str(data), "--likes", "25", "--json", str(out)]
    bench += ["--samples", "60", "--train-days", "2", "--window-days", "1", "--embedder", "ngram"]
    ranking.main(bench)
    figures = json.loads(out.read_text())
    assert figures["likes"] == 25
    assert set(figures["scores"]) == {"personalized", "chronological", "popularity", "oracle"}
    assert "personalized/oracle" in figures["ratios"]
