"""`mosaic run --roles …`: which parts a process takes on (bot.bootstrap.select_roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import select_roles
from core.errors import ConfigurationError
from core.settings import Settings


def settings_with(tmp_path: Path, **values: str) -> Settings:
    return Settings(MOSAIC_DATA_DIR=tmp_path, _env_file=None, **values)  # type: ignore[arg-type]


def test_no_flag_is_everything_configured_as_before(tmp_path: Path) -> None:
    console = settings_with(tmp_path)
    assert select_roles(console, None) == {"workers", "scheduler", "web", "console"}
    telegram = settings_with(tmp_path, TELEGRAM_BOT_TOKEN="1:x", MOSAIC_WEB_LISTEN="off")
    assert select_roles(telegram, None) == {"workers", "scheduler", "telegram"}


def test_a_subset_is_taken_as_given(tmp_path: Path) -> None:
    assert select_roles(settings_with(tmp_path), " Workers , scheduler") == {"workers", "scheduler"}


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        (
            "workers,dancers",
            "unknown role 'dancers' in --roles; the roles are telegram, discord, "
            "workers, scheduler, web, console",
        ),
        (
            " , ",
            "no role in --roles; the roles are telegram, discord, workers, scheduler, web, console",
        ),
        ("telegram", "--roles telegram needs TELEGRAM_BOT_TOKEN; set it or drop the role"),
    ],
)
def test_roles_that_cannot_run_say_why(tmp_path: Path, roles: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        select_roles(settings_with(tmp_path), roles)
    assert str(refused.value) == message


def test_the_console_does_not_run_beside_a_platform(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, DISCORD_BOT_TOKEN="x")
    with pytest.raises(ConfigurationError, match="console takes this terminal"):
        select_roles(settings, "console,discord")


@pytest.mark.parametrize("value", ["", "off", "None"])
def test_metrics_listen_empty_or_off_is_off(tmp_path: Path, value: str) -> None:
    assert settings_with(tmp_path, MOSAIC_METRICS_LISTEN=value).metrics_listen is None
