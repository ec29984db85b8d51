"""`ObjectStore` on an S3-compatible store (AWS S3, SeaweedFS, MinIO, R2…), through obstore.

Configured by `MOSAIC_STORAGE_URL=s3://bucket/prefix` and the standard AWS variables
(`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`). The secret
key is a `SecretStr` here and is handed to the client only; repr and errors name the endpoint
and bucket, never a credential.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store
from pydantic import SecretStr

from core.errors import ConfigurationError
from core.storage import ObjectStore, StorageUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# A store that is down must fail a command in seconds, not after obstore's 3 minutes.
RETRIES = 2
RETRY_TIMEOUT = timedelta(seconds=10)
REQUEST_TIMEOUT = "30s"
CONNECT_TIMEOUT = "5s"


def parse_storage_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix without slashes at either end)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigurationError(
            f"MOSAIC_STORAGE_URL must look like s3://bucket/prefix (got {parts.scheme}://…); "
            "leave it empty to keep images in MOSAIC_DATA_DIR/images"
        )
    return parts.netloc, parts.path.strip("/")


class S3ObjectStore(ObjectStore):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: SecretStr | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = endpoint
        config: dict[str, Any] = {"region": region or "us-east-1"}
        if endpoint:
            config["endpoint"] = endpoint
            # self-hosted stores (SeaweedFS, MinIO) address buckets by path
            config["virtual_hosted_style_request"] = False
        if access_key_id:
            config["access_key_id"] = access_key_id
        if secret_access_key is not None:
            config["secret_access_key"] = secret_access_key.get_secret_value()
        self._store = S3Store(
            bucket,
            client_options={
                "allow_http": bool(endpoint and endpoint.startswith("http://")),
                "timeout": REQUEST_TIMEOUT,
                "connect_timeout": CONNECT_TIMEOUT,
            },
            retry_config={"max_retries": RETRIES, "retry_timeout": RETRY_TIMEOUT},
            **config,
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: SecretStr | None = None,
    ) -> S3ObjectStore:
        bucket, prefix = parse_storage_url(url)
        return cls(
            bucket,
            prefix,
            endpoint=endpoint,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {self.endpoint}" if self.endpoint else where

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _unavailable(self, operation: str, key: str, exc: BaseError) -> StorageUnavailable:
        # obstore's message names the URL and the server's answer, not the credentials; its
        # first line says what failed, the rest is a debug dump.
        cause = str(exc).splitlines()[0][:300] if str(exc) else ""
        log.error(
            "object store %s: %s %s failed: %s: %s",
            self.describe(),
            operation,
            key,
            type(exc).__name__,
            cause,
        )
        return StorageUnavailable(f"{operation} failed: {type(exc).__name__}: {cause}")

    async def _call(self, operation: str, key: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except NotFoundError as exc:
            if operation == "put":  # nothing to find on a write: the bucket is missing
                raise self._unavailable(operation, key, exc) from None
            raise FileNotFoundError(key) from None
        except BaseError as exc:
            raise self._unavailable(operation, key, exc) from None

    async def put(self, key: str, data: bytes) -> None:
        await self._call("put", key, lambda: obstore.put_async(self._store, self._key(key), data))

    async def get(self, key: str) -> bytes:
        async def fetch() -> bytes:
            result = await obstore.get_async(self._store, self._key(key))
            return bytes(await result.bytes_async())

        return await self._call("get", key, fetch)

    def read_now(self, key: str) -> bytes:
        try:
            return bytes(obstore.get(self._store, self._key(key)).bytes())
        except NotFoundError:
            raise FileNotFoundError(key) from None
        except BaseError as exc:
            raise self._unavailable("get", key, exc) from None

    async def exists(self, key: str) -> bool:
        try:
            await self._call("head", key, lambda: obstore.head_async(self._store, self._key(key)))
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        await self._call("delete", key, lambda: obstore.delete_async(self._store, self._key(key)))
