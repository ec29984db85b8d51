"""Issue 16, finding 4: inputs that broke or misled, each through the parser that owns it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.digests.schedule import parse_request
from core.errors import InvalidInput
from core.feed.terms import tag_name
from core.persistence.models import Comment, DigestSubscription
from core.persistence.models import Reaction as Like
from core.user_text import clean_text, parse_number, strip_control
from scheduler.cron import CronNextRun
from tests.support.chat import ChatUser

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
GERMAN_FLAG = "\U0001f1e9\U0001f1ea"


# ---------------------------------------------------------------- strip_control


@pytest.mark.parametrize("emoji", [FAMILY, SCOTLAND, RAINBOW_FLAG, GERMAN_FLAG, "❤️", "👍🏽"])
def test_emoji_sequences_survive_cleaning(emoji: str) -> None:
    assert strip_control(f"family {emoji} here") == f"family {emoji} here"
    assert clean_text(f"{emoji}", limit=10, field="comment") == emoji


def test_persian_zero_width_non_joiner_survives() -> None:
    word = "می\u200cخواهم"
    assert strip_control(word) == word


@pytest.mark.parametrize(
    "hidden",
    [
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u200b",  # zero-width space
        "\u00ad",  # soft hyphen
        "\ufeff",  # byte order mark
        "\x07",  # bell
        "\u200d",  # a joiner with nothing visible on one side
        "\U000e0067",  # a tag character outside a flag
    ],
)
def test_control_and_bidi_characters_are_dropped(hidden: str) -> None:
    assert strip_control(f"ab {hidden}cd") == "ab cd"
    assert strip_control(f"ab{hidden} cd") == "ab cd"
    assert strip_control(f"{hidden}") == ""


def test_joiner_next_to_a_removed_override_is_dropped_too() -> None:
    assert strip_control("a\u200d\u202eb") == "ab"


def test_a_joiner_at_the_very_end_is_dropped() -> None:
    # found by the fuzz suite: '--２=@everyone\u202e\u200d' as a Discord option raised
    assert strip_control("a\u200d") == "a"
    assert strip_control("@everyone\u202e\u200d") == "@everyone"


async def test_a_comment_keeps_its_family_emoji(app: App) -> None:
    alice = ChatUser(app, "alice")
    post = await _post(app, alice)
    await alice.say(f"/comment {post} family {FAMILY}")
    comment = await Comment.get(post_id=post)
    assert comment.text == f"family {FAMILY}"


async def _post(app: App, user: ChatUser) -> int:
    from tests.commands.test_generation_commands import imagine
    from tests.support.chat import find_button

    preview = (await imagine(app, user, "/imagine a quiet harbour"))[-1]
    choose = await user.press(find_button([preview], "publish"))
    await user.press(find_button(choose, "publish"))  # 🌍 Everyone
    from core.persistence.models import Post

    return (await Post.all().order_by("-id").first()).id  # type: ignore[union-attr]


# ---------------------------------------------------------------- numbers and ids


@pytest.mark.parametrize(
    ("typed", "number"),
    [("12", 12), ("١٢", 12), ("１２", 12), ("०७", 7), (" 3 ", 3), ("-4", -4)],
)
def test_one_number_parser_reads_any_single_script(typed: str, number: int) -> None:
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["1١", "²", "½", "1_000", "+5", "1 2", "", "-", "12a", "Ⅻ"])
def test_one_number_parser_refuses_what_is_not_one_number(typed: str) -> None:
    assert parse_number(typed) is None


@pytest.mark.parametrize("kind", [ParamKind.POST, ParamKind.INT])
@pytest.mark.parametrize(("typed", "value"), [("١", 1), ("#١", 1), ("１", 1)])
def test_post_ids_and_numbers_share_the_parser(kind: ParamKind, typed: str, value: int) -> None:
    param = Param("x", kind, min_value=0)
    if typed.startswith("#") and kind is ParamKind.INT:
        with pytest.raises(InvalidInput):
            param.convert(typed)
        return
    assert param.convert(typed) == value


@pytest.mark.parametrize("kind", [ParamKind.POST, ParamKind.INT])
@pytest.mark.parametrize("typed", ["1١", "²", "1_0", "+1", "9" * 30])
def test_post_ids_and_numbers_refuse_the_same_things(kind: ParamKind, typed: str) -> None:
    with pytest.raises(InvalidInput):
        Param("x", kind, min_value=0).convert(typed)


async def test_like_with_arabic_indic_digit_is_the_documented_normalisation(app: App) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    post = await _post(app, alice)
    digits = "".join(chr(0x0660 + int(d)) for d in str(post))
    await bob.say(f"/like {digits}")
    assert await Like.filter(post_id=post).count() == 1
    mixed = f"{post}{digits}"  # two scripts in one number: refused, not read as either
    assert "#" in await bob.text(f"/like {mixed}")
    assert await Like.all().count() == 1


# ---------------------------------------------------------------- options


def _imagine_spec() -> CommandSpec:
    from bot.commands.generation import SPECS

    return next(spec for spec in SPECS if spec.name == "imagine")


@pytest.mark.parametrize("dash", ["--", "\u2014", "\u2013"])
def test_dash_options_are_options(dash: str) -> None:
    args = _imagine_spec().parse_text(f"a fox {dash}style watercolor")
    assert args == {"prompt": "a fox", "style": "watercolor"}


def test_option_with_equals_sign() -> None:
    assert _imagine_spec().parse_text("a fox --style=ink")["style"] == "ink"


@pytest.mark.parametrize(
    "line", ["a fox --style", "a fox \u2014style", "a fox --style  ", "a fox --style --count 2"]
)
def test_option_without_value_is_an_error_not_prompt(line: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _imagine_spec().parse_text(line)
    assert caught.value.key == "error.option_needs_value"


def test_dashes_inside_words_stay_in_the_prompt() -> None:
    args = _imagine_spec().parse_text("a mid\u2013century chair \u2014 at dusk, x--y")
    assert args == {"prompt": "a mid\u2013century chair \u2014 at dusk, x--y"}


async def test_imagine_with_bare_style_answers_with_usage(app: App) -> None:
    alice = ChatUser(app, "alice")
    text = await alice.text("/imagine a fox \u2014style")
    assert "--style" in text and "value" in text


# ---------------------------------------------------------------- digest schedules


def test_size_keyword_sets_the_size_not_the_topics() -> None:
    request = parse_request("daily 08:30 Europe/Berlin size 4", CronNextRun())
    assert (request.size, request.topics) == (4, "")
    request = parse_request("daily 08:30 Europe/Berlin size 8 cats #ink", CronNextRun())
    assert (request.size, request.topics) == (8, "cats #ink")
    assert parse_request("daily 08:30 Europe/Berlin 5 owls", CronNextRun()).size == 5
    assert parse_request("daily 08:30 Europe/Berlin owls", CronNextRun()).topics == "owls"


@pytest.mark.parametrize("tail", ["size", "size 12", "size big", "11", "size ²"])
def test_bad_sizes_are_refused(tail: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request(f"daily 08:30 Europe/Berlin {tail}", CronNextRun())
    assert caught.value.key == "error.digest_bad_size"


@pytest.mark.parametrize(
    "schedule", ["* * * * * UTC", "*/5 * * * * UTC", "0,30 8 * * * UTC", "59,0 8,9 * * * UTC"]
)
def test_schedules_more_often_than_hourly_are_refused(schedule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request(schedule, CronNextRun())
    assert caught.value.key == "error.digest_too_often"
    assert caught.value.params["minutes"] == 60


@pytest.mark.parametrize(
    "schedule", ["0 * * * * UTC", "0 */2 * * * Europe/Berlin", "30 8 * * 1-5 UTC", "0 8,9 * * *"]
)
def test_hourly_and_slower_schedules_are_fine(schedule: str) -> None:
    if schedule.endswith("*"):
        schedule += " UTC"
    parse_request(schedule, CronNextRun())


def test_month_end_and_new_year_gaps_are_checked() -> None:
    with pytest.raises(InvalidInput):  # 23:30 on the 31st, then 00:00 on the 1st: 30 minutes
        parse_request("30,0 23,0 31,1 * * UTC", CronNextRun())


@pytest.mark.parametrize(
    ("schedule", "field", "part"),
    [
        ("61 25 * * * UTC", "minute", "61"),
        ("0 25 * * * UTC", "hour", "25"),
        ("0 8 32 * * UTC", "day", "32"),
        ("0 8 * 13 * UTC", "month", "13"),
        ("0 8 * * funday UTC", "weekday", "funday"),
    ],
)
def test_cron_errors_name_the_field(schedule: str, field: str, part: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request(schedule, CronNextRun())
    assert caught.value.key == "error.digest_bad_cron_field"
    assert (caught.value.params["field"], caught.value.params["part"]) == (field, part)


async def test_digest_subscribe_with_size_through_the_dispatcher(app: App) -> None:
    alice = ChatUser(app, "alice")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin size 4")
    subscription = await DigestSubscription.get()
    assert (subscription.size, subscription.topics) == (4, "")
    text = await alice.text("/digest subscribe 61 25 * * * UTC")
    assert "minute" in text and "61" in text and "five fields" not in text
    text = await alice.text("/digest subscribe * * * * * UTC")
    assert "60 minutes" in text
    assert await DigestSubscription.all().count() == 1


# ---------------------------------------------------------------- tags


@pytest.mark.parametrize("typed", ["fox", "#fox", "##fox", "#Fox", " ###FOX "])
def test_typed_tags_normalise_like_tags_in_posts(typed: str) -> None:
    assert tag_name(typed) == "fox"


@pytest.mark.parametrize("typed", ["#", "##", "#-", "fox cub", "#!", "_x"])
def test_what_is_no_tag_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        tag_name(typed)


async def test_tag_command_heads_the_normalised_tag(app: App) -> None:
    alice = ChatUser(app, "alice")
    text = await alice.text("/tag ##fox")
    assert "##fox" not in text and "#fox" in text


# ---------------------------------------------------------------- --as


def test_long_console_name_is_refused_with_a_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `bot.cli.main`, the `mosaic` entry point, in this process (an exception other
    than the parser's exit would fail the test here, as a traceback would in a terminal)."""
    from bot.cli import main

    monkeypatch.setenv("MOSAIC_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        main(["chat", "--as", "x" * 70])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "at most 64 characters (this one has 70)" in err
    assert "Traceback" not in err and "ValidationError" not in err


async def test_a_64_character_console_name_works(app: App) -> None:
    from bot.adapters.console import console_user

    name = console_user("é" * 64)
    user = ChatUser(app, name)
    replies = await user.say("/profile")
    assert replies and not any(reply.is_error for reply in replies)
    from core.persistence.models import Identity

    assert (await Identity.get(platform_user_id=name)).account_id


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u2066", "\ufeff"])
def test_invisible_characters_in_a_command_name_are_ignored(hidden: str) -> None:
    from bot.commands import build_registry
    from core.domain import Platform

    spec, rest = build_registry().match_text(f"/{hidden}sh{hidden}ow 3", Platform.CONSOLE)
    assert (spec.name, rest) == ("show", "3")


async def test_a_refused_digest_command_stores_no_chat(app: App) -> None:
    """Found by the fuzz suite: /digest pause 21 in a chat Mosaic had never stored made a
    Destination row although the answer was "this chat has no digest #21"."""
    from core.persistence.models import Destination

    alice = ChatUser(app, "alice")
    before = await Destination.all().count()
    for line in ("/digest pause 21", "/digest resume 21", "/digest quiet 21 off", "/digest list"):
        await alice.say(line)
    assert await Destination.all().count() == before
    await alice.say("/digest subscribe daily 08:30 UTC")
    assert await Destination.all().count() == before + 1


@pytest.mark.parametrize("path", ["x" * 1001, "/", "/root/../" + "y" * 300 + "/z.png"])
async def test_post_from_an_unreadable_path_is_a_clear_error(app: App, path: str) -> None:
    """Found by the fuzz suite: a file name too long raised OSError (error.internal)."""
    replies = await ChatUser(app, "bob").say(f"/post {path}")
    assert replies[0].is_error and "error id" not in replies[0].text
