"""The test and storage infrastructure itself: network guard, migrations, the connection pool,
images."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket

import pytest
from PIL import Image
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from core.errors import InvalidInput
from core.images import ContentImageStore
from core.persistence.database import Database, connection_name, tortoise_config
from core.persistence.sqlite import ImmediateTransaction
from tests.conftest import NetworkBlocked
from tests.support.databases import DatabaseFactory, run_isolated
from tests.support.images import png_bytes


def test_network_guard_refuses_the_internet() -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.com", 443)


def test_network_guard_allows_loopback() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_migrations_match_the_models() -> None:
    """`tortoise makemigrations` would find nothing to do: no model change lacks a migration."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    async def pending() -> list[str]:
        config = tortoise_config("sqlite://:memory:")
        async with TortoiseContext() as ctx:
            await ctx.init(config=config)
            detector = MigrationAutodetector(ctx.apps, config["apps"])
            writers = await detector.changes()
            await ctx.close_connections()
        return [writer.name for writer in writers]

    assert run_isolated(pending()) == []


async def test_images_lose_metadata_and_are_stored_once(tmp_path) -> None:
    store = ContentImageStore(tmp_path)
    with_exif = png_bytes(exif=True)
    assert b"SecretCam" in with_exif
    first = await store.put(with_exif)
    again = await store.put(with_exif)
    assert first.sha256 == again.sha256
    stored = first.path.read_bytes()
    assert b"SecretCam" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert await store.thumbnail(first.sha256) == first.thumbnail_path
    assert first.thumbnail_path.exists()
    await store.remove(first.sha256)
    assert not first.path.exists() and not first.thumbnail_path.exists()


async def test_trusted_pngs_keep_their_pixels_and_lose_their_text(tmp_path) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretPerson")
    raw = io.BytesIO()
    Image.new("RGB", (300, 200), (1, 2, 3)).save(raw, format="PNG", pnginfo=info)
    stored = await ContentImageStore(tmp_path).put(raw.getvalue(), trusted=True)
    data = stored.path.read_bytes()
    assert b"SecretPerson" not in data
    assert (stored.width, stored.height) == (300, 200)
    assert Image.open(io.BytesIO(data)).getpixel((5, 5)) == (1, 2, 3)


async def test_trusted_but_broken_or_odd_images_take_the_careful_path(tmp_path) -> None:
    store = ContentImageStore(tmp_path)
    with pytest.raises(InvalidInput):
        await store.put(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, trusted=True)
    with pytest.raises(InvalidInput) as shape:  # aspect 42: no platform takes it
        await store.put(png_bytes(size=(2100, 50)), trusted=True)
    assert shape.value.key == "error.image_shape"


async def test_oversized_images_are_reencoded_under_the_cap(tmp_path) -> None:
    noise = Image.effect_noise((1500, 1500), 120).convert("RGB")
    raw = io.BytesIO()
    noise.save(raw, format="PNG")
    store = ContentImageStore(tmp_path, max_bytes=400_000)
    assert raw.tell() > 400_000
    stored = await store.put(raw.getvalue())
    assert stored.size_bytes <= 400_000
    assert stored.format == "webp"


async def test_non_images_are_refused_clearly(tmp_path) -> None:
    with pytest.raises(InvalidInput) as error:
        await ContentImageStore(tmp_path).put(b"not an image at all")
    assert error.value.key == "error.bad_image"


async def test_the_same_picture_stored_concurrently_is_one_file(tmp_path) -> None:
    import asyncio

    store = ContentImageStore(tmp_path)
    data = png_bytes((7, 7, 7), (400, 400))
    stored = await asyncio.gather(*(store.put(data, trusted=True) for _ in range(20)))
    assert len({s.sha256 for s in stored}) == 1
    assert stored[0].path.read_bytes() == (await store.put(data)).path.read_bytes()
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.postgres
async def test_pooled_connections_come_back_as_left_but_never_inside_a_transaction(
    databases: DatabaseFactory,
) -> None:
    """The PostgreSQL pool skips asyncpg's reset round trip (`RESET ALL`, …): a session setting
    left on a pooled connection stays (Mosaic leaves none), while a transaction left open is
    still rolled back when the connection goes back."""
    database_url = databases.fresh("postgres")
    database = Database(database_url)
    await database.open(migrate_first=False)
    try:
        client = get_connection(connection_name(database_url))
        async with client.acquire_connection() as raw:
            left = await raw.fetchval("SELECT pg_backend_pid()")
            await raw.execute("SET application_name = 'left-behind'")
            await raw.execute("BEGIN")
            await raw.execute("CREATE TEMPORARY TABLE written_in_a_transaction (x int)")
        async with contextlib.AsyncExitStack() as held:  # take pooled connections until it
            for _ in range(client.pool_maxsize):
                raw = await held.enter_async_context(client.acquire_connection())
                if await raw.fetchval("SELECT pg_backend_pid()") == left:
                    break
            else:
                pytest.fail("the connection did not come back to the pool")
            assert await raw.fetchval("SHOW application_name") == "left-behind"
            assert not raw.is_in_transaction()
            assert await raw.fetchval("SELECT to_regclass('written_in_a_transaction')") is None
    finally:
        await database.close()


async def test_a_transaction_cancelled_while_it_begins_gives_its_connection_back(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task cancelled during BEGIN (an outbox sender stopped while it claims) keeps neither
    its pooled connection (PostgreSQL: closing the pool then waited 10 s for it, at every stop)
    nor the SQLite connection's lock (every later transaction waited for it for ever)."""
    database = Database(database_url)
    await database.open(migrate_first=False)
    name = connection_name(database_url)
    client = get_connection(name)
    began = asyncio.Event()

    async def begin_and_hang(self: object) -> None:
        began.set()
        await asyncio.Event().wait()

    try:
        with monkeypatch.context() as patch:
            patch.setattr(TransactionWrapper, "begin", begin_and_hang)
            patch.setattr(ImmediateTransaction, "begin", begin_and_hang)

            async def claim() -> None:
                async with in_transaction(name):
                    pytest.fail("the transaction began")

            task = asyncio.create_task(claim())
            await began.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if database.dialect == "postgres":
            assert client._pool.get_idle_size() == client._pool.get_size()
        else:
            assert not client._lock.locked()
        async with in_transaction(name) as transaction:  # and the next one runs
            assert await transaction.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
    finally:
        await database.close()
