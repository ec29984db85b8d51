"""The storage port's contract, on the local folder and on a real S3 server (SeaweedFS).

The same tests run against both: put/get/exists/delete, content addressing (same bytes, same
key, written once), and images with thumbnails read back by a second machine's image store
(an empty local folder). Then what an operator sees when the store fails: one user-safe
error, a log line naming the store and the cause, and never a secret.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pydantic import SecretStr

from core.errors import ConfigurationError
from core.images import ContentImageStore
from core.persistence.preflight import ExitCode, StartupFailure, check_object_store
from core.storage import LocalFolder, ObjectStore, StorageUnavailable
from core.storage_s3 import S3ObjectStore, parse_storage_url
from tests.support.object_store import S3Server

BACKENDS = ["folder", pytest.param("s3", marks=pytest.mark.slow)]


def s3_store(server: S3Server, url: str, **overrides: object) -> S3ObjectStore:
    options: dict[str, object] = {
        "endpoint": server.endpoint,
        "region": server.region,
        "access_key_id": server.access_key,
        "secret_access_key": server.secret_key,
    }
    options.update(overrides)
    return S3ObjectStore.from_url(url, **options)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "folder":
        yield LocalFolder(tmp_path / "objects")
        return
    server: S3Server = request.getfixturevalue("s3_server")
    yield s3_store(server, request.getfixturevalue("s3_storage_url"))


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_put_get_exists_delete(objects: ObjectStore) -> None:
    assert not await objects.exists("ab/one.png")
    await objects.put("ab/one.png", b"first bytes")
    assert await objects.exists("ab/one.png")
    assert await objects.get("ab/one.png") == b"first bytes"
    assert objects.read_now("ab/one.png") == b"first bytes"
    await objects.delete("ab/one.png")
    assert not await objects.exists("ab/one.png")
    await objects.delete("ab/one.png")  # deleting what is gone is fine


async def test_a_missing_key_is_file_not_found(objects: ObjectStore) -> None:
    with pytest.raises(FileNotFoundError):
        await objects.get("cd/missing.png")
    with pytest.raises(FileNotFoundError):
        objects.read_now("cd/missing.png")


async def test_put_new_writes_a_key_once(objects: ObjectStore) -> None:
    assert await objects.put_new("ef/same.png", b"the picture")
    assert not await objects.put_new("ef/same.png", b"the picture")
    assert await objects.get("ef/same.png") == b"the picture"


async def test_same_bytes_same_key_and_a_second_machine_reads_them(
    objects: ObjectStore, tmp_path: Path
) -> None:
    writer = ContentImageStore(tmp_path / "writer", objects=objects)
    first = await writer.put(png((200, 30, 30)))
    again = await writer.put(png((200, 30, 30)))
    other = await writer.put(png((30, 30, 200)))
    assert first.sha256 == again.sha256 != other.sha256
    key = f"{first.sha256[:2]}/{first.sha256}.png"
    stored = await objects.get(key)
    assert hashlib.sha256(stored).hexdigest() == first.sha256
    await writer.thumbnail(first.sha256)
    assert await objects.exists(f"thumbs/{first.sha256[:2]}/{first.sha256}.webp")

    # another process on another machine: nothing in its folder, everything in the store
    reader = ContentImageStore(tmp_path / "reader", objects=objects)
    copy = await reader.local_copy(first.sha256)
    assert copy.read_bytes() == stored
    assert (await reader.describe(first.sha256)).width == 64
    thumb = await reader.thumbnail(first.sha256)
    assert thumb.read_bytes() == await objects.get(f"thumbs/{first.sha256[:2]}/{first.sha256}.webp")
    blocking_reader = ContentImageStore(tmp_path / "blocking", objects=objects)
    assert blocking_reader.path(other.sha256).read_bytes() == await objects.get(
        f"{other.sha256[:2]}/{other.sha256}.png"
    )

    await reader.remove(first.sha256)
    assert not await objects.exists(key)
    assert not await objects.exists(f"thumbs/{first.sha256[:2]}/{first.sha256}.webp")
    with pytest.raises(FileNotFoundError):
        await ContentImageStore(tmp_path / "third", objects=objects).local_copy(first.sha256)


def test_storage_url_names_a_bucket_and_a_prefix() -> None:
    assert parse_storage_url("s3://pictures/mosaic/prod/") == ("pictures", "mosaic/prod")
    assert parse_storage_url("s3://pictures") == ("pictures", "")
    with pytest.raises(ConfigurationError, match="s3://bucket/prefix"):
        parse_storage_url("https://pictures.example/mosaic")


def test_the_secret_is_in_no_repr() -> None:
    store = S3ObjectStore(
        "pictures",
        "mosaic",
        endpoint="http://127.0.0.1:9",
        access_key_id="AKIDEXAMPLE",
        secret_access_key=SecretStr("wJalrXUtnFEMI-very-secret"),
    )
    assert "very-secret" not in repr(store)
    assert repr(store) == "S3ObjectStore(s3://pictures/mosaic at http://127.0.0.1:9)"


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["unreachable", "wrong credentials", "missing bucket"])
async def test_a_failing_store_gives_one_clear_error_and_a_log_line_without_secrets(
    failure: str,
    s3_server: S3Server,
    s3_storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = SecretStr("the-real-secret-must-not-leak")
    store = {
        "unreachable": lambda: s3_store(
            s3_server, s3_storage_url, endpoint="http://127.0.0.1:9", secret_access_key=secret
        ),
        "wrong credentials": lambda: s3_store(s3_server, s3_storage_url, secret_access_key=secret),
        "missing bucket": lambda: s3_store(s3_server, "s3://no-such-bucket/x"),
    }[failure]()
    caplog.set_level(logging.ERROR, logger="core.storage_s3")
    with pytest.raises(StorageUnavailable) as raised:
        await store.put("ab/x.png", b"bytes")
    assert raised.value.key == "error.storage_unavailable"
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"object store {store.describe()}: put ab/x.png failed: ")

    # the same store at start-up: `mosaic` refuses to start with one line (exit code 7)
    with pytest.raises(StartupFailure) as refused:
        await check_object_store(store)
    assert refused.value.exit_code == ExitCode.STORAGE_UNAVAILABLE == 7
    assert str(refused.value).startswith(f"the object store {store.describe()} cannot be used (")
    assert str(refused.value).endswith(
        "check that the bucket exists, MOSAIC_STORAGE_URL, AWS_ENDPOINT_URL and the AWS credentials"
    )
    for hidden in (secret.get_secret_value(), s3_server.secret_key.get_secret_value()):
        assert hidden not in line
        assert hidden not in repr(raised.value)
        assert hidden not in str(refused.value)
        assert hidden not in caplog.text


@pytest.mark.slow
async def test_a_usable_store_passes_the_start_up_check(
    s3_server: S3Server, s3_storage_url: str
) -> None:
    store = s3_store(s3_server, s3_storage_url)
    await check_object_store(store)
    assert not await store.exists(f".mosaic-write-check-{os.getpid()}")
