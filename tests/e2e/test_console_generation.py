"""Generation in the real `mosaic chat` process, with the local generator and no key."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_chat import answers, chat


def test_imagine_post_follow_remix_with_credit(data_dir: Path) -> None:
    alice = answers(
        chat(
            data_dir,
            "alice",
            "/imagine a lighthouse at dawn --style watercolor",
            "post",  # 📢 Post, by its label
            "1",  # 🌍 Everyone: button 1 of the latest reply
            "/imagine --count 9 too many",
            "/imagine --style crayons a cat",
            "/quota",
        ),
        "alice",
    )
    run = alice["/imagine a lighthouse at dawn --style watercolor"]
    assert "🎨 Job #1 is queued (position 1): “a lighthouse at dawn”\n[1.1] ✖ Cancel" in run
    assert "↻ 🎨 Job #1 is generating…" in run
    assert "↻ ✅ Job #1 is done" in run
    assert "── Preview of job #1 ──" in run
    assert "AI-generated (local) · only you see this until you post it" in run
    buttons = "[2.1] 📢 Post\n[2.2] 🔀 Vary\n[2.3] 🎲 Reroll   [2.4] 🎨 Remix…   [2.5] 🗑 Discard"
    assert buttons in run
    preview_image = next(x for x in run.splitlines() if x.startswith("🖼 "))
    assert Path(preview_image.removeprefix("🖼 ")).is_file()
    assert "[3.1] 🌍 Everyone" in alice["post"]
    assert "── #1 by @alice (public) ──" in alice["1"]
    assert "Prompt: a lighthouse at dawn" in alice["1"]
    assert "AI-generated (local)" in alice["1"]
    assert "<count> must be between 1 and 4" in alice["/imagine --count 9 too many"]
    assert "“crayons” is not an option here" in alice["/imagine --style crayons a cat"]
    assert "You have 24 of 25 images left today." in alice["/quota"]

    bob = answers(
        chat(
            data_dir,
            "bob",
            "/follow alice",
            "/feed",
            "remix the lighthouse in a storm",  # 🎨 Remix… on alice's post
            "post",  # 📢 Post on the remix's preview
            "everyone",  # 🌍 Everyone
            "/feed",
        ),
        "bob",
    )
    feed = bob["/feed"]
    assert "── #1 by @alice (public) ──" in feed
    assert "[1.4] 🎨 Remix…" in feed
    assert "Preview of job #2" in bob["remix the lighthouse in a storm"]
    assert "[1.5] ⚑ Report…" in feed
    assert "Follow @alice" not in feed  # bob follows her already
    posted = bob["everyone"]
    assert "── #2 by @bob (public) ──" in posted
    assert "remix of #1 by @alice" in posted
    assert "── #2 by @bob (public) ──" in bob["/feed #2"]
