"""Reading datasets written elsewhere (`bench/dataset.py`): what a spreadsheet or another
exporter does differently without changing the meaning is read; what the format forbids
is still refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.dataset import FormatError, moment, read
from bench.loading import HANDLE_LENGTH, load, unique_handles
from core.feed.local_embeddings import HashedNgramEmbedder
from core.persistence.database import Database, is_postgres
from core.persistence.models import Account


def _files(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plain = {
        "users.csv": "id,handle,created_at\n1,ana,100\n2,bo,100\n3,cy,100\n",
        "follows.csv": "follower_id,followee_id,created_at\n1,2,200\n",
        "posts.csv": (
            "id,author_id,created_at,audience,prompt,caption\n"
            "10,2,300,public,a fox,\n11,3,400,public,ein Fuchs,\n"
        ),
        "likes.csv": "user_id,post_id,created_at\n1,10,500\n2,11,600\n",
    }
    for name, text in {**plain, **{k.replace("_", ".", 1): v for k, v in texts.items()}}.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def test_the_documented_format_reads_as_written(tmp_path: Path) -> None:
    data = read(_files(tmp_path))
    assert data.user_ids.tolist() == [1, 2, 3] and data.handles == ["ana", "bo", "cy"]
    assert data.follows.tolist() == [[1, 2, 200]]
    assert data.post_ids.tolist() == [10, 11] and data.prompts == ["a fox", "ein Fuchs"]
    assert data.likes.tolist() == [[1, 10, 500], [2, 11, 600]]
    assert data.meta == {} and data.impressions is None  # both optional


def test_a_spreadsheets_export_reads_the_same(tmp_path: Path) -> None:
    """A byte-order mark, CRLF, spaces in the header, columns in another order, an extra
    column, a blank last line, non-ASCII text."""
    exported = _files(
        tmp_path / "exported",
        users_csv="\ufeffid, handle ,created_at\r\n1,ana,100\r\n2,bo,100\r\n3,cy,100\r\n\r\n",
        follows_csv="\ufefffollower_id,followee_id,created_at\r\n1,2,200\r\n",
        posts_csv=(
            "\ufeffcaption,id,created_at,author_id,audience,prompt,lang\r\n"
            ",10,300,2,public,a fox,en\r\n,11,400,3,public,ein Fuchs,de\r\n"
        ),
        likes_csv="created_at,post_id,user_id\r\n500,10,1\r\n600,11,2\r\n",
    )
    assert _as_lists(read(exported)) == _as_lists(read(_files(tmp_path / "plain")))


def test_times_in_fractions_or_iso_8601_are_unix_seconds(tmp_path: Path) -> None:
    assert moment("1790000000") == moment("1790000000.9") == 1790000000
    assert moment("1970-01-01T00:05:00Z") == moment("1970-01-01 00:05:00") == 300
    assert moment("1970-01-01T01:05:00+01:00") == 300  # a zone offset is honoured
    data = read(
        _files(
            tmp_path,
            likes_csv="user_id,post_id,created_at\n1,10,1970-01-01T00:08:20Z\n2,11,600.5\n",
        )
    )
    assert data.likes.tolist() == [[1, 10, 500], [2, 11, 600]]
    with pytest.raises(FormatError, match=r"likes\.csv:2"):
        read(_files(tmp_path, likes_csv="user_id,post_id,created_at\n1,10,yesterday\n"))


def test_ids_too_large_for_tables_are_renumbered_in_their_own_order(tmp_path: Path) -> None:
    big = 1_234_567_890_123_456_789  # a 64-bit snowflake
    data = read(
        _files(
            tmp_path,
            users_csv=f"id,handle,created_at\n{big + 5},ana,100\n{big},bo,100\n7,cy,100\n",
            follows_csv=f"follower_id,followee_id,created_at\n{big + 5},{big},200\n",
            posts_csv=(
                "id,author_id,created_at,audience,prompt,caption\n"
                f"{big + 9},{big},300,public,a fox,\n{big + 1},7,400,public,ein Fuchs,\n"
            ),
            likes_csv=(
                f"user_id,post_id,created_at\n{big + 5},{big + 9},500\n{big},{big + 1},600\n"
            ),
        )
    )
    assert data.user_ids.tolist() == [3, 2, 1]  # 7 < big < big + 5
    assert data.post_ids.tolist() == [2, 1] and data.post_authors.tolist() == [2, 1]
    assert data.follows.tolist() == [[3, 2, 200]]
    assert data.likes.tolist() == [[3, 2, 500], [2, 1, 600]]
    assert data.meta["renumbered"] == ["users", "posts"]
    # ids that fit (not 1…n, not in steps of one) are kept
    kept = read(_files(tmp_path / "kept"))
    assert kept.post_ids.tolist() == [10, 11] and "renumbered" not in kept.meta


def test_a_like_stamped_before_its_post_moves_to_the_posts_moment(tmp_path: Path) -> None:
    data = read(_files(tmp_path, likes_csv="user_id,post_id,created_at\n1,10,250\n2,11,600\n"))
    assert data.likes.tolist() == [[1, 10, 300], [2, 11, 600]]
    assert data.meta["likes_moved"] == 1


def test_what_the_format_forbids_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="header"):
        read(_files(tmp_path, likes_csv="user_id,post,created_at\n1,10,500\n"))
    with pytest.raises(FormatError, match="unknown post"):
        read(_files(tmp_path, likes_csv="user_id,post_id,created_at\n1,12,500\n"))
    with pytest.raises(FormatError, match="repeated pair"):
        read(_files(tmp_path, likes_csv="user_id,post_id,created_at\n1,10,500\n1,10,501\n"))
    with pytest.raises(FormatError, match="expected 6 fields"):
        read(
            _files(
                tmp_path,
                posts_csv="id,author_id,created_at,audience,prompt,caption\n10,2,300,public\n",
            )
        )


def _as_lists(data) -> list:
    return [
        np.asarray(column).tolist()
        for column in (
            data.user_ids,
            data.handles,
            data.user_created,
            data.follows,
            data.post_ids,
            data.post_authors,
            data.post_created,
            data.audiences,
            data.prompts,
            data.captions,
            data.likes,
        )
    ]


def test_handles_an_account_cannot_have_are_fitted() -> None:
    fitted = unique_handles(["ana", "ana", "x" * 40, "x" * 40, ""])
    assert fitted == ["ana", "ana~2", "x" * 32, "x" * 30 + "~2", "~"]
    assert len(set(fitted)) == 5 and max(map(len, fitted)) == HANDLE_LENGTH == 32


async def test_a_dataset_with_repeated_and_long_handles_loads(
    database_url: str, tmp_path: Path
) -> None:
    long = "Jürgen_" + "ä" * 40
    data = read(
        _files(tmp_path, users_csv=f"id,handle,created_at\n1,{long},100\n2,{long},100\n3,,100\n")
    )
    database = Database(database_url)
    await database.open(migrate_first=False)
    try:
        await load(
            data, data.likes, HashedNgramEmbedder(), now=700, postgres=is_postgres(database_url)
        )
        handles = await Account.all().order_by("id").values_list("handle", flat=True)
        assert handles == unique_handles([long, long, ""])
    finally:
        await database.close()
