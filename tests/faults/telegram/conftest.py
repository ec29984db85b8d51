"""The Telegram adapter against the fake Bot API, as in tests/adapters/telegram."""

from tests.adapters.telegram.conftest import fake_api, settings, telegram  # noqa: F401
