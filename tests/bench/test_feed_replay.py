"""The replay protocol ranks each held-out like as of just before it, and nothing later."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from bench import ranking, workload
from bench.dataset import write
from bench.families import FAMILIES
from bench.loading import stamp
from bench.oracle import ReplayOracle
from bench.ranking import run_replay
from bench.replay import FOLLOW, LIKE, POST, Fitting, held_out, replay, report, timeline
from bench.workload import simulate
from core.feed import PersonalizedFeed
from core.persistence.database import Database, is_postgres
from core.persistence.models import Post, Reaction, TasteProfile

DAY = 86_400


def test_held_out_likes_are_a_seeded_sample_of_the_window_in_time_order() -> None:
    made, _ = simulate(60, 400, 1500, seed=2, weeks=1, follows_per_user=4, family="fast")
    begin = float(made.likes[-1, 2]) - 2 * DAY
    rows = held_out(made.likes, begin, 40, seed=7)
    assert len(rows) == 40 and (rows[:, 2] > begin).all()
    assert np.all(np.diff(rows[:, 2]) >= 0)
    assert np.array_equal(rows, held_out(made.likes, begin, 40, seed=7))
    assert not np.array_equal(rows, held_out(made.likes, begin, 40, seed=8))
    window = made.likes[made.likes[:, 2] > begin]
    assert {tuple(r) for r in rows.tolist()} <= {tuple(r) for r in window.tolist()}
    assert len(held_out(made.likes, begin, 10**6, seed=7)) == len(window)  # all, if fewer


def test_the_timeline_holds_every_later_event_posts_first_at_a_moment() -> None:
    made, _ = simulate(60, 400, 1500, seed=2, weeks=1, follows_per_user=4)
    begin = float(np.median(made.likes[:, 2]))
    events = timeline(made, begin)
    assert (events[:, 0] > begin).all()
    assert np.all(np.diff(events[:, 0]) >= 0)
    assert (events[:, 1] == POST).sum() == (made.post_created > begin).sum()
    assert (events[:, 1] == FOLLOW).sum() == (made.follows[:, 2] > begin).sum()
    assert (events[:, 1] == LIKE).sum() == (made.likes[:, 2] > begin).sum()
    same = (np.diff(events[:, 0]) == 0) & (np.diff(events[:, 1]) < 0)
    assert not same.any()  # at one moment: posts, then follows, then likes


async def test_each_ranking_sees_only_what_happened_before_its_like(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ~600 events walked over three days (300 posts, 1,000 likes in a week), ~90 like samples
    # and four real refits: every check below has events on both sides of each ranking
    made, hidden = simulate(60, 300, 1000, seed=3, weeks=1, follows_per_user=5, family="fast")
    checked: list[int] = []
    page = PersonalizedFeed.page

    async def page_checked(self: PersonalizedFeed, viewer, *args, **kwargs):
        now = self.clock.now()
        assert await Post.filter(created_at__gte=now).count() == 0
        assert await Reaction.filter(created_at__gte=now).count() == 0
        assert await TasteProfile.filter(updated_at__gt=now).count() == 0
        checked.append(viewer.id)
        return await page(self, viewer, *args, **kwargs)

    async def rank_checked(self: PersonalizedFeed, viewer, *args, **kwargs):
        # A like sample ranks just before its like: events at that very moment that come
        # before a like (posts, follows, earlier likes in the data's order) are applied.
        now = self.clock.now()
        assert await Post.filter(created_at__gt=now).count() == 0
        assert await Reaction.filter(created_at__gt=now).count() == 0
        sampled.append(viewer.id)
        return await rank(self, viewer, *args, **kwargs)

    sampled: list[int] = []
    rank = PersonalizedFeed.rank
    monkeypatch.setattr(PersonalizedFeed, "page", page_checked)
    monkeypatch.setattr(PersonalizedFeed, "rank", rank_checked)
    database = Database(database_url)
    await database.open(migrate_first=False)
    try:
        result = await replay(
            made,
            window_days=1.0,
            count=30,
            seed=7,
            oracle=ReplayOracle(made, hidden, draws=500),
            postgres=is_postgres(database_url),
            coverage=True,
            fitting=Fitting(train_days=2.0, samples=70),
        )
        fits = [f for f in result.fits if f["version"] is not None]
        # The walk applied the window's events up to the last held-out like, no further.
        last = int(result.likes[-1, 2])
        assert await Reaction.all().count() == (made.likes[:, 2] < last).sum()
    finally:
        await database.close()
    assert checked == result.likes[:, 0].tolist()
    # The ranker was fitted on like samples from before the window, and refitted in it.
    assert result.samples > 50 and len(sampled) >= result.samples + len(checked)
    end = int(max(made.likes[:, 2].max(), made.post_created.max()))
    assert fits and fits[0]["at"] == stamp(end - DAY).isoformat(timespec="minutes")
    # Each refit is judged by the paired interval of its held-out gain and switched on only
    # when its lower end is above 0 (at this size a dozen held-out viewers: often not; the
    # check itself is tested in tests/core/test_ranker.py).
    for judged in fits:
        low = float(judged["note"].split("gain ≥ ")[1].split(" ")[0])
        assert judged["active"] == (low > 0), judged["note"]
    assert {len(ranks) for ranks in result.ranks.values()} == {30} == {len(result.covered)}
    assert set(result.ranks) == {"personalized", "chronological", "popularity", "oracle"}
    # `--coverage`: where each liked post was among the candidates, and which sources had it
    assert len(result.places) == len(result.found_by) == len(result.followed) == 30
    for covered, place, found in zip(result.covered, result.places, result.found_by, strict=True):
        assert covered == (place is not None) == bool(found)
    figures = report(result, None)
    assert figures["gap"]["covered"] == sum(result.covered) / 30
    assert sum(figures["gap"]["places"].values()) == pytest.approx(figures["gap"]["covered"])
    assert figures["likes"] == 30 and "personalized/oracle" in figures["ratios"]
    # The oracle knows the process: it finds more of the likes than newest-first does.
    assert figures["scores"]["oracle"]["recall"] > figures["scores"]["chronological"]["recall"]


@pytest.mark.parametrize("family", FAMILIES)
def test_the_ranking_bench_runs_on_each_family_at_smoke_size(
    family: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out = tmp_path / "data", tmp_path / "figures.json"
    # both commands' `main` in this process, as `python -m` runs them: the same arguments and
    # code, without two interpreters importing the bench and the product again (~1.5 s of
    # CPU per family; the figures are the same, bench/ranking.py's caches are pure)
    # the smallest world in which each family's walk still records enough like samples (70
    # drawn before the window) for a real refit: the assertion on `fits` below says so
    generate = ["--users", "80", "--posts", "400", "--likes", "1500", "--weeks", "2"]
    generate += ["--follows-per-user", "6", "--family", family, "--out", str(data)]
    workload.main(generate)
    bench = ["--dataset", str(data), "--likes", "25", "--json", str(out)]
    # one day of window (the default is 2): the same 25 likes, refits and figures, ~25 % less
    # CPU per family (11.8 s against 15.6 s)
    bench += ["--samples", "70", "--train-days", "2", "--window-days", "1"]
    # the product's local embedder (the multilingual model, vectors cached in the dataset's
    # folder) where the prompts are in two languages; the others rank with hashed n-grams, as
    # tests/bench/test_foreign_workload.py does: the embedder is no part of a family
    bench += [] if family == "bilingual" else ["--embedder", "ngram"]
    ranking.main(bench)
    figures = json.loads(out.read_text())
    assert figures["likes"] == 25 and figures["meta"]["family"] == family
    assert figures["embedder"] == ("local" if family == "bilingual" else "ngram")
    assert any(data.glob("vectors-*.npz")) == (family == "bilingual")  # the local one's cache
    assert any(fit["version"] is not None for fit in figures["fits"]), figures["fits"]
    assert set(figures["scores"]) == {"personalized", "chronological", "popularity", "oracle"}
    assert "personalized/chronological" in figures["ratios"]
    assert "Replay: 25 held-out likes" in capsys.readouterr().out


async def test_a_dataset_without_hidden_variables_is_ranked_without_an_oracle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made, _ = simulate(50, 300, 1000, seed=6, weeks=1, follows_per_user=4, family="notags")
    write(made, tmp_path / "data")  # no hidden.npz: a dataset from elsewhere
    out = tmp_path / "figures.json"
    args = argparse.Namespace(
        dataset=tmp_path / "data",
        database_url=None,
        keep=False,
        window_days=1.0,  # 20 of the last day's ~140 likes (the default walks two days)
        likes=20,
        seed=7,
        coverage=False,
        json=out,
        train_days=0.0,
        samples=0,
        embedder="ngram",
    )
    await run_replay(args)
    figures = json.loads(out.read_text())
    assert set(figures["scores"]) == {"personalized", "chronological", "popularity"}
    assert "no oracle: no hidden.npz" in capsys.readouterr().out
