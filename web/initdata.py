"""Telegram Mini App init data: who opened the app, signed by Telegram with the bot's key.

As Telegram documents it: the data-check string is every `key=value` pair but `hash`, sorted
by key and joined with newlines (values URL-decoded); the secret key is
HMAC-SHA256(key="WebAppData", msg=bot token); the data is genuine when
hex(HMAC-SHA256(key=secret key, msg=data-check string)) equals `hash`. An `auth_date` older
than the window (or in the future) is refused too, so a leaked init data string stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

CLOCK_SKEW_SECONDS = 60  # an auth_date this far in the future is still accepted


class InitDataRefused(Exception):
    """The init data is missing, malformed, forged, tampered with or too old."""


@dataclass(frozen=True, slots=True)
class TelegramUser:
    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    language_code: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username or str(self.id)


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def validate_init_data(
    init_data: str, bot_token: str, *, now: float, max_age_seconds: float
) -> TelegramUser:
    """The user the init data vouches for; raises `InitDataRefused` otherwise."""
    if not init_data or len(init_data) > 8192:
        raise InitDataRefused("missing or oversized init data")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused("init data is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataRefused("a field appears twice")
    received = fields.get("hash", "")
    expected = hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise InitDataRefused("the signature does not match")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError):
        raise InitDataRefused("no auth_date") from None
    if auth_date > now + CLOCK_SKEW_SECONDS or now - auth_date > max_age_seconds:
        raise InitDataRefused("auth_date is outside the window")
    return _user(fields.get("user"))


def _user(raw: str | None) -> TelegramUser:
    try:
        data = json.loads(raw or "")
        user_id = data["id"]
    except (ValueError, KeyError, TypeError):
        raise InitDataRefused("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataRefused("no user id")

    def text(name: str) -> str:
        value = data.get(name, "")
        return value[:64] if isinstance(value, str) else ""

    return TelegramUser(
        id=user_id,
        first_name=text("first_name"),
        last_name=text("last_name"),
        username=text("username"),
        language_code=text("language_code"),
    )
