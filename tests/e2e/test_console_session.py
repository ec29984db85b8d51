"""A whole console session scripted by stable button addresses and labels (no counting), the
greeting, and previews found again after a restart: through the real `mosaic chat` process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.console import identity
from tests.e2e.test_console_chat import answers

MOSAIC = Path(sys.executable).with_name("mosaic")


def session(data_dir: Path, *lines: str, args: tuple[str, ...] = (), lang: str = "C.UTF-8") -> str:
    env = {
        **os.environ,
        "MOSAIC_DATA_DIR": str(data_dir),
        "MOSAIC_DATABASE_URL": "",
        "MOSAIC_DEFAULT_LANGUAGE": "en",
        "LANG": lang,
    }
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "OPENAI_API_KEY", "LC_ALL"):
        env.pop(name, None)
    done = subprocess.run(
        [str(MOSAIC), "chat", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_a_whole_session_by_button_addresses_and_labels(data_dir: Path) -> None:
    alice = answers(
        session(
            data_dir,
            "/imagine a red fox in the snow --style watercolor",
            "post",  # 📢 Post on the preview, by its label
            "everyone",  # 🌍 Everyone on the audience question
            args=("--as", "alice"),
        ),
        "alice",
    )
    assert "Who should see this post?" in alice["post"]
    assert "── #1 by @alice (public) ──" in alice["everyone"]

    bob = answers(
        session(
            data_dir,
            "/show 1",  # the session's first reply with buttons: reply 1
            "/follow alice",
            "1.1",  # ❤ Like on reply 1, whatever came since
            "/show 1",
            "2 What a fox!",  # 💬 Comment…: button 2 of the latest reply
            "comment Lovely colours",  # 💬 Comment… by its label
            "/feed",
            "❓ why this post",  # a label typed with its emoji
            "/profile alice",
            args=("--as", "bob"),
        ),
        "bob",
    )
    assert "[1.1] ❤ Like   [1.2] 💬 Comment…" in bob["/show 1"]
    assert "You like post #1 (❤ 1)." in bob["1.1"]
    # Each reply numbers its own buttons from 1: the second /show has the same layout.
    assert re.search(r"\[(\d+)\.1\] 💔 Unlike   \[\1\.2\] 💬 Comment…", bob["/show 1 #2"])
    assert "Your comment on post #1 is up." in bob["2 What a fox!"]
    assert "Your comment on post #1 is up." in bob["comment Lovely colours"]
    assert "── #1 by @alice (public) ──" in bob["/feed"]
    assert "── Why #1 ranks where it does ──" in bob["❓ why this post"]
    assert "1 post · 1 follower · 0 following" in bob["/profile alice"]

    alice = answers(session(data_dir, "/comments 1", args=("--as", "alice")), "alice")
    assert "@bob: What a fox!\n@bob: Lovely colours" in alice["/comments 1"]


def test_a_press_that_finds_no_button_says_how_to_press(data_dir: Path) -> None:
    carol = answers(
        session(data_dir, "/show 1", "3.1", "like", "like this", args=("--as", "carol")),
        "carol",
    )
    assert "There is no button [3.1]" in carol["3.1"]
    assert "its label, e.g. like" in carol["like"]
    assert "Commands start with /" in carol["like this"]


def test_an_unposted_preview_is_found_again_after_a_restart(data_dir: Path) -> None:
    first = answers(
        session(data_dir, "/imagine a lighthouse at night", args=("--as", "dana")), "dana"
    )
    assert "Preview of job #1" in first["/imagine a lighthouse at night"]

    again = answers(
        session(data_dir, "/jobs", "post", "followers", "/jobs", args=("--as", "dana")), "dana"
    )
    listed = again["/jobs"]
    assert "── Previews not posted yet ──" in listed
    assert "── Preview of job #1 ──" in listed
    assert re.search(r"\[\d+\.1\] 📢 Post", listed)
    image = next(line for line in listed.splitlines() if line.startswith("🖼 "))
    assert Path(image.removeprefix("🖼 ")).is_file()
    assert "── #1 by @dana (followers) ──" in again["followers"]
    assert "You have no unposted previews." in again["/jobs #2"]


def test_the_greeting_in_the_terminal_language(data_dir: Path) -> None:
    english = session(data_dir, "/quota", args=("--as", "erin", "--greet"))
    assert english.startswith("👋 Welcome to Mosaic, @erin!")
    assert "Type /help for the commands. Try: /imagine " in english
    assert "mosaic chat --as <name>" in english

    german = session(data_dir, "/quota", args=("--as", "frank", "--greet"), lang="de_DE.UTF-8")
    assert german.startswith("👋 Willkommen bei Mosaic, @frank!")
    assert "Tipp /help für die Befehle." in german
    assert "Du hast heute noch 25 von 25 Bildern." in german  # and so is everything else

    piped = session(data_dir, "/quota", args=("--as", "erin"))
    assert "Welcome" not in piped, "a script reads only answers unless it asks (--greet)"
    assert piped.startswith("erin> /quota")


def test_without_a_name_the_console_says_who_you_are(data_dir: Path) -> None:
    name, note = identity.default_console_name()
    greeted = session(data_dir, args=("--greet",))
    assert f"@{name}" in greeted
    expected = "after your login name" if note == "console.name_from_login" else "names no person"
    assert expected in greeted and "--as <name>" in greeted


@pytest.mark.parametrize(
    ("login", "euid", "expected"),
    [
        ("root", 0, ("guest", "console.name_default")),
        ("ubuntu", 1000, ("guest", "console.name_default")),
        ("maria", 0, ("guest", "console.name_default")),  # sudo keeps the login, not the person
        ("maria", 1000, ("maria", "console.name_from_login")),
    ],
)
def test_the_default_name(
    monkeypatch: pytest.MonkeyPatch, login: str, euid: int, expected: tuple[str, str]
) -> None:
    monkeypatch.setattr(identity.getpass, "getuser", lambda: login)
    monkeypatch.setattr(identity.os, "geteuid", lambda: euid)
    assert identity.default_console_name() == expected


@pytest.mark.parametrize(
    ("environment", "locale"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de_DE"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en_US"),
        ({"LANG": "C.UTF-8"}, None),
        ({}, None),
    ],
)
def test_the_terminal_language(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], locale: str | None
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert identity.console_locale() == locale
