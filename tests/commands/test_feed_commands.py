"""The feed's commands through the dispatcher, as people type and press them."""

from __future__ import annotations

import re

import pytest

from bot.bootstrap import App
from bot.commands import build_registry
from bot.commands.registry import DEFAULT_SUBCOMMAND
from core.domain import Platform
from tests.core.test_feed import ANIME, WATERCOLOR, people, post
from tests.support.chat import ChatUser, find_button


async def test_feed_pages_buttons_and_why(app: App) -> None:
    authors = await people(app, *(f"author{i}" for i in range(7)))
    for index, author in enumerate(authors):
        await post(app, author, f"{WATERCOLOR} {index}")
    viewer = ChatUser(app, "viewer")
    first = await viewer.say("/feed")
    titles = [r.title for r in first if r.title]
    assert len(titles) == 5 and first[-1].text == "Page 1"
    why = await viewer.press(find_button(first, "why"))
    assert why[0].title.startswith("Why #7 ranks where it does")
    assert "In your current feed it was #1 on page 1." in why[0].text
    assert "fresh: posted 0 h ago: 1.00 × 0.5 = +0.50" in why[0].text
    assert_bars_add_up(why[0].text)
    second = await viewer.press(find_button(first, "feed"))  # 🔄 fresh page: a new session
    assert second[-1].text == "Page 1"
    nxt = next(b for r in second for row in r.buttons for b in row if b.args.get("page") == 2)
    page_two = await viewer.press(nxt)
    assert page_two[-1].text == "Page 2"
    shown = {r.title for r in second if r.title} & {r.title for r in page_two if r.title}
    assert shown == set(), "page 2 repeats nothing of page 1"
    # Seen before: a part against it, with its sign on the weight, never "1.00 × 3 = −3.00".
    seen = await viewer.say("/why 7")
    assert "shown to you" in seen[0].text
    assert any(amount < 0 for _, _, amount in assert_bars_add_up(seen[0].text))


async def test_a_remix_on_a_feed_page_credits_its_parent_and_its_author(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    parent = await post(app, alice, WATERCOLOR)
    remix = await post(app, bob, f"{WATERCOLOR}, at night", remix_of=parent)
    feed = await ChatUser(app, "viewer").say("/feed")
    shown = next(r for r in feed if r.title and r.title.startswith(f"#{remix.id} by @bob"))
    assert f"remix of #{parent.id} by @alice" in shown.footer


async def test_tune_shows_applies_and_resets_in_both_languages(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    await post(app, alice, WATERCOLOR)
    await post(app, bob, ANIME)
    viewer = ChatUser(app, "viewer")
    assert "You haven't tuned your feed yet." in await viewer.text("/feed tune")
    done = await viewer.text("/feed tune more watercolor landscapes, less anime")
    assert done == (
        "Got it. From now on: more “watercolor landscapes” (+1), less “anime” (-1). "
        "Your next /feed page follows it."
    )
    feed = await viewer.say("/feed")
    assert feed[0].title.startswith("#1 by @alice")
    assert feed[-1].text.startswith("Page 1 · tuned: more “watercolor landscapes” (+1)")
    assert "Your feed is tuned to: more “watercolor landscapes” (+1)" in await viewer.text(
        "/feed tune"
    )
    assert "cleared" in await viewer.text("/feed tune reset")
    await viewer.say("/settings language de")
    answer = await viewer.text("/feed tune viel mehr Aquarell-Landschaften, kein Anime")
    assert answer.startswith(
        "Verstanden. Ab jetzt: viel mehr „aquarell-landschaften“ (+2), kein „anime“ (-3)."
    )
    feed = await viewer.say("/feed")
    assert [r.title for r in feed if r.title] == ["#1 von @alice (öffentlich)"]
    assert "Darin habe ich nichts zum Einstellen gefunden" in await viewer.text("/feed tune mehr")


async def test_why_names_the_tuning_a_post_matches(app: App) -> None:
    (alice,) = await people(app, "alice")
    shown = await post(app, alice, WATERCOLOR)
    viewer = ChatUser(app, "viewer")
    await viewer.say("/feed tune much more watercolor landscapes")
    why = await viewer.text(f"/why {shown.id}")
    assert re.search(r"your tuning much more “watercolor landscapes” \(\+2\) matches \d+ %", why)


async def test_tune_button_asks_for_words(app: App) -> None:
    (alice,) = await people(app, "alice")
    await post(app, alice, WATERCOLOR)
    viewer = ChatUser(app, "viewer")
    feed = await viewer.say("/feed")
    tune = find_button(feed, "feed tune")
    assert tune.text_input is not None and tune.owner_only
    answer = await viewer.press(tune, "less watercolor")
    assert "less “watercolor” (-1)" in answer[0].text
    stranger = ChatUser(app, "stranger")
    refused = await stranger.press(tune, "more anime")
    assert refused[0].is_error


async def test_trending_search_and_tags(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    await post(app, alice, "a misty lake at dawn", caption="#watercolor")
    await post(app, bob, ANIME, caption="#anime")
    viewer = ChatUser(app, "viewer")
    await viewer.say("/like 2")
    trending = await viewer.say("/trending")
    assert trending[0].title == "Trending today"
    assert [r.title for r in trending[1:]] == ["#2 by @bob (public)", "#1 by @alice (public)"]
    assert (await viewer.say("/trending week"))[0].title == "Trending this week"
    found = await viewer.say("/search misty LAKES")
    assert found[0].title == "Posts matching “misty LAKES”" and len(found) == 2
    assert "No posts match “volcano”" in await viewer.text("/search volcano")
    assert "Give me a word or a #tag" in await viewer.text("/search the and of")
    tagged = await viewer.say("/tag #Watercolor")
    assert tagged[0].title == "Posts tagged #watercolor" and len(tagged) == 2
    assert "No posts are tagged #volcano yet." in await viewer.text("/tag volcano")


async def test_suggest_people_prompts_and_posts(app: App) -> None:
    alice, bob, carol = await people(app, "alice", "bob", "carol")
    await app.services.graph.follow(bob, carol)
    await post(app, alice, "a lighthouse in a storm")
    await post(app, carol, "a lighthouse at night")
    viewer = ChatUser(app, "viewer")
    menu = await viewer.say("/suggest")
    assert [b.command for row in menu[0].buttons for b in row] == ["suggest"] * 3
    assert "No one to suggest yet." not in await viewer.text("/suggest people")
    await viewer.say("/follow bob")
    await viewer.say("/like 1")
    people_reply = (await viewer.say("/suggest people"))[0]
    assert "carol (@carol) — followed by 1 person you follow" in people_reply.text
    assert "@bob" not in people_reply.text and "@viewer" not in people_reply.text
    follow = find_button([people_reply], "follow")
    assert "now follow @carol" in (await viewer.press(follow))[0].text
    ideas = (await viewer.say("/suggest prompts"))[0]
    assert ideas.title == "Prompt ideas for you" and "lighthouse" in ideas.text
    assert find_button([ideas], "imagine").args["prompt"]
    posts = await viewer.say("/suggest posts")
    assert posts[0].text == "Posts worth a comment"
    assert [r.title for r in posts[1:]] == ["#2 by @carol (public)"]


def test_feed_and_its_tuning_can_both_be_published_on_discord() -> None:
    """Discord cannot have `/feed` next to a group `/feed …`: there `feed` is `/feed show`."""
    registry = build_registry()
    names = [
        registry.published_name(s, Platform.DISCORD) for s in registry.listed(Platform.DISCORD)
    ]
    assert f"feed {DEFAULT_SUBCOMMAND}" in names and "feed tune" in names
    assert len(names) == len(set(names))
    singles = {n for n in names if " " not in n}
    groups = {n.split(" ")[0] for n in names if " " in n}
    assert singles.isdisjoint(groups)
    assert max(len(n.split(" ")) for n in names) == 2


@pytest.mark.parametrize(
    ("line", "command", "rest"),
    [
        ("/feed", "feed", ""),
        ("/feed 2", "feed", "2"),
        ("/feed show 2", "feed", "2"),
        ("/feed tune more watercolor", "feed tune", "more watercolor"),
        ("/Feed Tune", "feed tune", ""),
    ],
)
def test_typed_feed_lines_find_their_command(line: str, command: str, rest: str) -> None:
    spec, text = build_registry().match_text(line, Platform.TELEGRAM)
    assert (spec.name, text) == (command, rest)


async def test_why_says_a_post_is_a_followees_latest(app: App) -> None:
    (alice,) = await people(app, "alice")
    shown = await post(app, alice, WATERCOLOR)
    viewer = ChatUser(app, "viewer")
    await viewer.say("/follow alice")
    why = await viewer.say(f"/why {shown.id}")
    # made just now: the one of theirs come to next if looking back less than a day (of 1½)
    assert "the latest from @alice, whom you follow: 0.49 × 5 = +2.43" in why[0].text
    assert_bars_add_up(why[0].text)


async def test_a_like_makes_its_tags_a_reason_at_once(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    liked = await post(app, alice, "a lighthouse at dusk", caption="#harbor #boats")
    other = await post(app, bob, "a pier at night", caption="#harbor #night")
    viewer = ChatUser(app, "viewer")
    before = await viewer.text(f"/why {other.id}")
    assert "tagged" not in before
    await viewer.say(f"/like {liked.id}")
    after = await viewer.text(f"/why {other.id}")
    # #harbor is as liked as the favourite tag (1), #night not at all (0): the mean is 0.5.
    assert "tagged #harbor #night, like posts you liked: 0.50 × 1 = +0.50" in after


WHY_LINE = re.compile(r"^([+−]) ([█░]{10}) +(\d+) % (.+): (\S+) × (\S+) = ([+−][\d.]+)$")


def assert_bars_add_up(text: str) -> list[tuple[str, int, float]]:
    """Each part's line: the sign agrees with the part, value × weight gives the part, the
    bar and the percentage show its share of all parts, and the shares add up to 100 %."""
    parts = []
    for line in text.splitlines():
        match = WHY_LINE.match(line)
        if not match:
            continue
        sign, bar, percent, _, value, weight, amount = match.groups()
        number = float(amount.replace("−", "-"))
        assert (sign == "−") == (number < 0), line
        product = float(value) * float(weight.replace("−", "-"))
        assert abs(product - number) <= 0.01 + 0.01 * abs(number), line
        parts.append((bar, int(percent), number))
    assert parts, "the parts are listed"
    whole = sum(abs(n) for _, _, n in parts)
    for bar, percent, number in parts:
        assert abs(percent - 100 * abs(number) / whole) <= 0.5 + 1e-9
        assert abs(bar.count("█") - round(10 * abs(number) / whole)) <= 1
    assert abs(sum(p for _, p, _ in parts) - 100) <= len(parts)
    return parts


def test_a_part_weighted_hundreds_of_times_shows_in_proportion() -> None:
    from bot.commands.feed import share_bar

    assert share_bar(0.0) == "░" * 10
    assert share_bar(0.004) == "█" + "░" * 9  # a part that counts is never shown empty
    assert share_bar(0.96) == "█" * 10
    assert share_bar(0.5) == "█" * 5 + "░" * 5
