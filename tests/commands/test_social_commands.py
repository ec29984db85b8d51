"""The command layer end to end in-process: replies, buttons, languages and errors."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import App
from core.delivery.replies import Button
from tests.support.chat import ChatUser, find_button
from tests.support.images import png_bytes


def image_file(tmp_path: Path, name: str = "cat.png", color=(10, 120, 200)) -> Path:
    path = tmp_path / name
    path.write_bytes(png_bytes(color))
    return path


async def test_post_follow_feed_like_comment_through_buttons(app: App, tmp_path: Path) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    posted = await alice.say(f"/post {image_file(tmp_path)} my cat @everyone --audience public")
    assert posted[0].title.startswith("#1 by @alice")
    assert "@everyone" not in posted[0].text
    assert posted[0].images and posted[0].images[0].path.exists()

    assert "now follow @alice" in await bob.text("/follow @alice")
    feed = await bob.say("/feed")
    assert feed[0].title.startswith("#1 by @alice")

    liked = await bob.press(find_button(feed, "like"))
    assert liked[0].text == "You like post #1 (❤ 1)."
    commented = await bob.press(find_button(feed, "comment"), "so fluffy")
    assert "comment on post #1 is up" in commented[0].text
    comments = await alice.say("/comments 1")
    assert comments[0].text == "@bob: so fluffy"
    again = await bob.say("/feed")
    assert find_button(again, "unlike"), "the feed shows Unlike once liked"


async def test_a_post_offers_follow_only_to_those_who_do_not_follow_its_author(
    app: App, tmp_path: Path
) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    await alice.say(f"/post {image_file(tmp_path)} my cat --audience public")
    shown = await bob.say("/show 1")
    follow = find_button(shown, "follow")
    assert follow.label.endswith("Follow @alice")
    await bob.press(follow)
    assert not [
        b for r in (await bob.say("/show 1"))[0].buttons for b in r if b.command == "follow"
    ]
    feed = await bob.say("/feed")
    assert feed[0].title.startswith("#1 by @alice")
    assert not [b for r in feed[0].buttons for b in r if b.command == "follow"]
    mine = await alice.say("/show 1")  # the author is never offered to follow herself
    assert not [b for r in mine[0].buttons for b in r if b.command == "follow"]


async def test_errors_are_localized_per_user(app: App) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    await bob.say("/help")
    await alice.say("/settings language de")
    assert await alice.text("/follow alice") == (
        "Du kannst dir nicht selbst folgen. Versuch /follow mit einem anderen Namen."
    )
    assert await bob.text("/follow bob") == (
        "You can't follow yourself. Try /follow with someone else's name."
    )
    assert "gibt es nicht" in await alice.text("/show 77")
    assert "Usage: /comment <post> <text…>" in await bob.text("/comment 1")


async def test_public_buttons_act_for_the_presser(app: App) -> None:
    alice, bob, carol = ChatUser(app, "alice"), ChatUser(app, "bob"), ChatUser(app, "carol")
    await bob.say("/help")
    profile = await alice.say("/profile bob")
    follow = find_button(profile, "follow")
    assert "now follow @bob" in (await carol.press(follow))[0].text
    assert "1 follower ·" in (await bob.say("/profile"))[0].text


async def test_someone_elses_private_button_is_refused(app: App) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    await bob.say("/help")
    owner = await app.dispatcher.account_for(alice.actor)
    token = await app.services.tokens.issue("follow", {"user": "bob"}, owner.id)
    refused = await bob.press(Button("x", "follow", token=token))
    assert refused[0].is_error
    assert refused[0].text.startswith("This button belongs to someone else's message.")
    assert "0 followers" in (await bob.say("/profile"))[0].text
    assert "now follow @bob" in (await alice.press(Button("x", "follow", token=token)))[0].text


async def test_unexpected_errors_become_an_apology_with_an_id(app: App, caplog) -> None:
    alice = ChatUser(app, "alice")

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    app.services.graph.followers = broken  # type: ignore[method-assign]
    reply = await alice.text("/followers")
    assert reply.startswith("Sorry, something broke on our side (error id ")
    error_id = reply.split("error id ", 1)[1].split(")", 1)[0]
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert "database on fire" not in reply


async def test_a_profile_shows_the_latest_posts_as_a_numbered_grid(
    app: App, tmp_path: Path
) -> None:
    from PIL import Image

    from core.digests.collage import canvas_size

    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    for number, audience in enumerate(("public", "private", "public")):
        picture = image_file(tmp_path, f"p{number}.png", color=(40 * number, 90, 160))
        await alice.say(f"/post {picture} picture {number} --audience {audience}")
    (shown,) = await bob.say("/profile alice")
    assert "The latest 2 posts, numbered in the picture" in shown.text
    (grid,) = shown.images  # bob may not see the private one
    with Image.open(grid.path) as image:
        assert image.size == canvas_size(2)
    opens = [b for row in shown.buttons for b in row if b.command == "show"]
    assert [b.label for b in opens] == ["🔎 1", "🔎 2"]
    assert [b.args["post"] for b in opens] == [3, 1], "newest first, as numbered"
    opened = await bob.press(opens[0])
    assert opened[0].title.startswith("#3 by @alice")
    (own,) = await alice.say("/profile")
    assert "The latest 3 posts" in own.text and own.images


async def test_a_profile_without_posts_has_no_picture(app: App) -> None:
    (shown,) = await ChatUser(app, "carol").say("/profile")
    assert shown.text.startswith("0 posts") and shown.images == ()


async def test_post_takes_paths_with_spaces_quoted_escaped_or_bare(
    app: App, tmp_path: Path
) -> None:
    folder = tmp_path / "My Pictures"
    folder.mkdir()
    picture = image_file(folder, "summer day.png")
    alice = ChatUser(app, "alice")
    spelled = (
        f'"{picture}" quoted',
        str(picture).replace(" ", "\\ ") + " escaped",
        f"{picture} bare",
    )
    for number, path_and_caption in enumerate(spelled, start=1):
        posted = await alice.say(f"/post {path_and_caption} --audience public")
        assert posted[0].title.startswith(f"#{number} by @alice"), posted[0].text
        caption = path_and_caption.rsplit(" ", 1)[1]
        assert caption in posted[0].text
        assert "summer" not in posted[0].text and "Pictures" not in posted[0].text
