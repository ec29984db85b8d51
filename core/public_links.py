"""Opaque, non-enumerable addresses of posts, people and images on the web.

A post's address is a keyed MAC of its id (HMAC-SHA256 under a server secret, 72 bits kept)
followed by the id encrypted with a pad derived from that MAC (a synthetic-IV construction):
the id does not show, anybody can open a link they were given, nobody can guess the next one
or forge one, and nothing needs storing.

Images are content-addressed (their SHA-256), so their URLs never change and can be cached
for a year; an image that is not public is served only with a capability (a
MAC of its hash) that the Mini App hands to the person allowed to see it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

SLUGS_CACHED = 65_536
ID_BYTES = 8
MAC_BYTES = 9


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def load_or_create_secret(path: Path) -> bytes:
    """The server secret kept in `path` (made on first use, readable by the owner only), so
    that links stay valid across restarts when MOSAIC_WEB_SECRET is not set."""
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret.hex())
    return secret


class PublicLinks:
    """Builds and reads the web's addresses under `base_url` (no trailing slash). `secret`
    may be a function, called on first use (so that building the app touches no file)."""

    def __init__(self, base_url: str, secret: bytes | Callable[[], bytes]) -> None:
        self.base_url = base_url.rstrip("/")
        self._source = secret
        # A grid page shows dozens of addresses; the same ones come back page after page.
        self._cached_slug = lru_cache(maxsize=SLUGS_CACHED)(self._slug)

    @cached_property
    def _secret(self) -> bytes:
        return self._source if isinstance(self._source, bytes) else self._source()

    def __repr__(self) -> str:  # the secret stays out of logs
        return f"PublicLinks({self.base_url!r})"

    def _mac(self, kind: bytes, data: bytes, size: int = MAC_BYTES) -> bytes:
        return hmac.new(self._secret, kind + b":" + data, hashlib.sha256).digest()[:size]

    def _pad(self, kind: bytes, mac: bytes) -> bytes:
        return hmac.new(self._secret, b"pad:" + kind + mac, hashlib.sha256).digest()[:ID_BYTES]

    def _slug(self, kind: bytes, number: int) -> str:
        raw = number.to_bytes(ID_BYTES, "big")
        mac = self._mac(kind, raw)
        hidden = bytes(a ^ b for a, b in zip(raw, self._pad(kind, mac), strict=True))
        return _b64(mac + hidden)

    def _number(self, kind: bytes, slug: str) -> int | None:
        raw = _unb64(slug) if len(slug) <= 32 else None
        if raw is None or len(raw) != ID_BYTES + MAC_BYTES:
            return None
        mac, hidden = raw[:MAC_BYTES], raw[MAC_BYTES:]
        number = bytes(a ^ b for a, b in zip(hidden, self._pad(kind, mac), strict=True))
        if not hmac.compare_digest(mac, self._mac(kind, number)):
            return None
        return int.from_bytes(number, "big")

    def post_slug(self, post_id: int) -> str:
        return self._cached_slug(b"post", post_id)

    def post_id(self, slug: str) -> int | None:
        """The post behind `slug`, or None for anything this server did not hand out."""
        return self._number(b"post", slug)

    def account_slug(self, account_id: int) -> str:
        return self._cached_slug(b"account", account_id)

    def account_id(self, slug: str) -> int | None:
        return self._number(b"account", slug)

    def image_key(self, sha256: str) -> str:
        """A capability for one image that is not public (the Mini App's feed)."""
        return _b64(self._mac(b"image", sha256.encode(), 12))

    def image_key_valid(self, sha256: str, key: str) -> bool:
        return hmac.compare_digest(key.encode(), self.image_key(sha256).encode())

    def post_url(self, post_id: int) -> str:
        return f"{self.base_url}/p/{self.post_slug(post_id)}"

    def profile_url(self, account_id: int) -> str:
        return f"{self.base_url}/u/{self.account_slug(account_id)}"
