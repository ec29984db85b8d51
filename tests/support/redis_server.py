"""The test Redis (127.0.0.1:6379, or MOSAIC_TEST_REDIS_URL): a client per test, and a key
prefix of its own so tests running side by side (xdist) never share a limit.

Unreachable: the test skips with the reason, or fails under MOSAIC_REQUIRE_REDIS=1 (CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("MOSAIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_for_test() -> AsyncIterator[tuple[Redis, str]]:
    """A connected client and a fresh key prefix; the prefix's keys are deleted afterwards."""
    pool = BlockingConnectionPool.from_url(
        REDIS_URL, max_connections=16, timeout=5.0, socket_timeout=2.0, socket_connect_timeout=2.0
    )
    redis = Redis(connection_pool=pool)
    try:
        await redis.ping()
    except (RedisError, OSError) as error:
        await redis.aclose()
        reason = f"no Redis at {REDIS_URL} ({error}); start redis-server or set it"
        reason += " in MOSAIC_TEST_REDIS_URL"
        if os.environ.get("MOSAIC_REQUIRE_REDIS") == "1":
            pytest.fail(reason + " (MOSAIC_REQUIRE_REDIS=1)")
        pytest.skip(reason)
    prefix = f"mosaic-test:{uuid.uuid4().hex}"
    try:
        yield redis, prefix
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
