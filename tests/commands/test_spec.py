"""Parsing typed text against command specs, including hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.invocation import Upload
from core.domain import Platform
from core.errors import InvalidInput, MosaicError, NotFound


async def _noop(ctx: object, **kwargs: object) -> None:
    return None


COMMENT = CommandSpec(
    "comment", _noop, (Param("post", ParamKind.POST), Param("text", ParamKind.TEXT, max_length=20))
)


def test_text_param_takes_the_rest_of_the_line() -> None:
    raw = COMMENT.parse_text("#12 hello there  world")
    assert COMMENT.convert(raw) == {"post": 12, "text": "hello there  world"}


def test_missing_argument_gives_usage() -> None:
    with pytest.raises(InvalidInput) as error:
        COMMENT.parse_text("12")
    assert error.value.params["usage"] == "/comment <post> <text…>"


def test_too_long_text_is_refused_with_the_limit() -> None:
    with pytest.raises(InvalidInput) as error:
        COMMENT.convert({"post": "1", "text": "x" * 21})
    assert error.value.params == {"field": "text", "limit": 20, "length": 21}


def test_extra_words_are_refused() -> None:
    follow = build_registry().get("follow")
    with pytest.raises(InvalidInput):
        follow.parse_text("bob carol")


def test_subcommands_match_before_commands() -> None:
    registry = build_registry()
    spec, rest = registry.match_text("/settings language de", Platform.CONSOLE)
    assert spec.name == "settings language" and rest == "de"


def test_console_only_commands_are_unknown_elsewhere() -> None:
    registry = build_registry()
    with pytest.raises(NotFound):
        registry.match_text("/post x.png", Platform.TELEGRAM)


def test_int_range() -> None:
    page = Param("page", ParamKind.INT, min_value=1, max_value=5)
    assert page.convert("3") == 3
    for bad in ("0", "6", "x", "1.5"):
        with pytest.raises(InvalidInput):
            page.convert(bad)


@given(st.text(max_size=300))
def test_any_line_either_parses_or_gives_a_user_safe_error(line: str) -> None:
    registry = build_registry()
    try:
        spec, rest = registry.match_text("/" + line, Platform.CONSOLE)
        converted = spec.convert(spec.parse_text(rest))
    except MosaicError:
        return
    for param in spec.params:
        value = converted.get(param.name)
        if isinstance(value, str):
            assert len(value) <= param.max_length
            assert "\x00" not in value


@given(st.text(max_size=60))
def test_post_ids_are_numbers_or_refused(text: str) -> None:
    try:
        value = Param("post", ParamKind.POST).convert(text)
    except InvalidInput:
        return
    assert isinstance(value, int) and value >= 0


DESCRIBE = CommandSpec(
    "describe",
    _noop,
    (
        Param("target", ParamKind.TEXT, required=False),
        Param("image", ParamKind.UPLOAD, required=False, max_bytes=1000),
    ),
)


def _upload(size: int | None, content_type: str | None) -> Upload:
    async def fetch(limit: int) -> bytes:
        return b"x" * (size or 10)

    return Upload("a.png", size, content_type, fetch)


def test_an_upload_is_never_typed_and_is_checked_by_what_the_platform_says() -> None:
    assert DESCRIBE.parse_text("12") == {"target": "12"}
    assert DESCRIBE.parse_text("") == {}
    assert DESCRIBE.upload is not None and DESCRIBE.upload.name == "image"
    assert DESCRIBE.usage(Platform.DISCORD) == "/describe [target…] [+image]"
    assert DESCRIBE.usage(Platform.CONSOLE) == "/describe [target…]", "the console cannot attach"
    fine = _upload(900, "image/png")
    assert DESCRIBE.convert({"image": fine}) == {"image": fine}
    unsaid = _upload(None, None)  # a platform that said nothing: checked on the bytes
    assert DESCRIBE.convert({"image": unsaid}) == {"image": unsaid}
    refusals = {
        "error.upload_too_big": _upload(1001, "image/png"),
        "error.upload_not_image": _upload(10, "application/pdf"),
        "error.upload_missing": "a.png",  # typed text is no upload (a button's argument)
    }
    for key, raw in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            DESCRIBE.convert({"image": raw})
        assert refused.value.key == key


async def test_reading_an_upload_refuses_bytes_over_the_limit() -> None:
    assert await _upload(None, "image/png").read(10) == b"x" * 10
    with pytest.raises(InvalidInput) as refused:
        await _upload(None, "image/png").read(9)  # the platform gave no size: the bytes tell
    assert refused.value.key == "error.upload_too_big"
    assert refused.value.params["size_mb"] == "0.0"
