"""The PostgreSQL pool's ceiling: a default sized for the web role, the URL's own if given."""

from __future__ import annotations

from core.persistence.database import DEFAULT_POOL_SIZE, tortoise_config


def _credentials(url: str) -> dict[str, object]:
    connections = tortoise_config(url)["connections"]
    (connection,) = connections.values()
    return connection["credentials"]


def test_a_postgres_url_without_a_pool_size_gets_the_default() -> None:
    assert _credentials("postgres://postgres@127.0.0.1:5432/test")["maxsize"] == DEFAULT_POOL_SIZE


def test_the_url_s_pool_size_wins() -> None:
    assert _credentials("postgres://postgres@127.0.0.1:5432/test?maxsize=7")["maxsize"] == "7"


def test_sqlite_has_no_pool_to_size() -> None:
    assert "maxsize" not in _credentials("sqlite:///tmp/mosaic.db")
