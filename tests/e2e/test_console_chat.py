"""Scripted console sessions of several users through the real `mosaic chat` process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.images import png_bytes

MOSAIC = Path(sys.executable).with_name("mosaic")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty folder: the first `mosaic chat` here is a new installation's first run, which
    creates and migrates the database (the other e2e tests start migrated: conftest.py)."""
    return tmp_path / "data"


def chat(data_dir: Path, user: str, *lines: str) -> str:
    env = {
        **os.environ,
        "MOSAIC_DATA_DIR": str(data_dir),
        "MOSAIC_DATABASE_URL": "",
        "MOSAIC_DEFAULT_LANGUAGE": "en",
    }
    for secret in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)
    done = subprocess.run(
        [str(MOSAIC), "chat", "--as", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def answers(transcript: str, user: str) -> dict[str, str]:
    """Map each command line to the reply printed after it (a repeated line gets " #2")."""
    result: dict[str, str] = {}
    current = None
    for line in transcript.splitlines():
        if line.startswith(f"{user}> "):
            current = line.removeprefix(f"{user}> ")
            repeat = 2
            while current in result:
                current = f"{line.removeprefix(f'{user}> ')} #{repeat}"
                repeat += 1
            result[current] = ""
        elif current is not None:
            result[current] += line + "\n"
    return result


def test_two_users_every_command(data_dir: Path, tmp_path: Path) -> None:
    picture = tmp_path / "sunset.png"
    picture.write_bytes(png_bytes((250, 120, 30), (120, 80)))

    carol = answers(chat(data_dir, "carol", "/help"), "carol")
    assert "/post <image> [caption…]" in carol["/help"]
    assert "Buttons appear as [3.1], [3.2]" in carol["/help"]

    alice = answers(
        chat(
            data_dir,
            "alice",
            f"/post {picture} Sunset over the lake @here",
            "everyone",
            f"/post {tmp_path / 'missing.png'}",
            "/profile",
            "/show 1",
            "/followers",
            "/unfollow bob",
        ),
        "alice",
    )
    assert "Who should see this post?" in alice[f"/post {picture} Sunset over the lake @here"]
    posted = alice["everyone"]
    assert "── #1 by @alice (public) ──" in posted
    assert "@here" not in posted and "Sunset over the lake" in posted
    image_line = next(x for x in posted.splitlines() if x.startswith("🖼 "))
    assert Path(image_line.removeprefix("🖼 ")).is_file()
    assert str(data_dir.resolve()) in image_line
    assert "There is no file at" in alice[f"/post {tmp_path / 'missing.png'}"]
    assert "1 post · 0 followers · 0 following" in alice["/profile"]
    assert "Nobody follows @alice yet." in alice["/followers"]
    assert "I don't know anyone called @bob" in alice["/unfollow bob"]

    bob = answers(
        chat(
            data_dir,
            "bob",
            "/feed",
            "/follow @alice",
            "/follow alice",
            "/follow bob",
            "/follow nobody",
            "/feed",
            "like",
            "/like 1",
            "/unlike 1",
            "/unlike 1",
            "comment",
            "comment What a sky!",
            "/comment 1 Wow",
            "/comment 1",
            "/comments 1",
            "/following",
            "/followers alice",
            "/profile alice",
            "/block carol",
            "/block carol",
            "/unblock carol",
            "/unblock carol",
            "/delete 1",
            "/show 99",
            "/show abc",
            "/settings language xx",
            "/frobnicate",
            "hello",
            "42",
        ),
        "bob",
    )
    # Before following anyone, the ranked feed already shows a new creator's public post.
    assert "── #1 by @alice (public) ──" in bob["/feed"]
    assert "You now follow @alice" in bob["/follow @alice"]
    assert "You already follow @alice" in bob["/follow alice"]
    assert "── #1 by @alice (public) ──" in bob["/feed #2"]
    assert "You can't follow yourself" in bob["/follow bob"]
    assert "I don't know anyone called @nobody" in bob["/follow nobody"]
    assert "You like post #1 (❤ 1)." in bob["like"]
    assert "You already like post #1" in bob["/like 1"]
    assert "You no longer like post #1 (❤ 0)." in bob["/unlike 1"]
    assert "haven't liked post #1" in bob["/unlike 1 #2"]
    assert re.search(r"Button \[\d+\.2\] needs text", bob["comment"])
    assert "Your comment on post #1 is up." in bob["comment What a sky!"]
    assert "Usage: /comment <post> <text…>" in bob["/comment 1"]
    assert "@bob: What a sky!\n@bob: Wow" in bob["/comments 1"]
    assert "• alice (@alice)" in bob["/following"]
    assert "• bob (@bob)" in bob["/followers alice"]
    assert "You follow them." in bob["/profile alice"]
    assert "You blocked @carol" in bob["/block carol"]
    assert "You have already blocked @carol" in bob["/block carol #2"]
    assert "You unblocked @carol." in bob["/unblock carol"]
    assert "@carol is not blocked" in bob["/unblock carol #2"]
    assert "Only the author of post #1 can do that." in bob["/delete 1"]
    assert "Post #99 does not exist" in bob["/show 99"]
    assert "“abc” is not a post number" in bob["/show abc"]
    assert "“xx” is not an option here. Choose one of: en, de." in bob["/settings language xx"]
    assert "There is no command “frobnicate”" in bob["/frobnicate"]
    assert "Commands start with /" in bob["hello"]
    assert "There is no button [42]" in bob["42"]

    alice = answers(
        chat(
            data_dir,
            "alice",
            "/settings language de",
            "/comments 1",
            "/delete 1",
            "/feed",
            "/like 1",
        ),
        "alice",
    )
    assert "Sprache auf Deutsch gestellt." in alice["/settings language de"]
    assert "@bob: What a sky!" in alice["/comments 1"]
    assert "Beitrag #1 ist gelöscht." in alice["/delete 1"]
    assert "Dein Feed ist leer." in alice["/feed"]
    assert "Beitrag #1 wurde gelöscht" in alice["/like 1"]
    assert not Path(image_line.removeprefix("🖼 ")).exists(), "the file goes with its last post"

    bob = answers(chat(data_dir, "bob", "/comment 1 late", "/feed"), "bob")
    assert "Post #1 was deleted" in bob["/comment 1 late"]
    assert "Your feed is empty" in bob["/feed"]
