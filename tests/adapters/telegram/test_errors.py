"""The adapter's one error handler: log with the update id, apologize with an error id."""

from __future__ import annotations

import re

import pytest

from tests.adapters.telegram.conftest import Telegram, messages, texts
from tests.adapters.telegram.test_social_flow import post_by


async def test_an_error_escaping_the_adapter_is_logged_and_apologized_for(
    telegram: Telegram, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, app = telegram.fake, telegram.app
    jurgen = fake.user(33, "Jürgen", "juergen", language="de")
    await post_by(app, jurgen, "Berge")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.services.sent_messages, "record", broken)
    update_id = fake.say(jurgen, "/show 1")
    await telegram.handle(update_id)
    shown, apology = messages(telegram.calls_since(0))[-2:]
    assert "photo" in shown, "the post went out before the failure"
    found = re.fullmatch(
        r"Entschuldige, bei uns ist etwas kaputtgegangen \(Fehler-ID ([0-9a-f]{8})\)\. .*",
        apology["text"],
    )
    assert found, apology["text"]
    assert "disk on fire" not in apology["text"]
    [logged] = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert str(update_id) in logged.getMessage()
    assert logged.exc_info is not None and "disk on fire" in str(logged.exc_info[1])


async def test_a_failing_button_still_stops_its_spinner(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, app = telegram.fake, telegram.app
    ana = fake.user(202, "Ana", "ana")
    group = fake.group(-1003, "Painters", members=[ana])
    await post_by(app, ana, "x")
    [in_private] = messages(await telegram.say(ana, "/show 1"))
    [in_group] = messages(await telegram.say(ana, "/show 1", chat=group))

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("db gone")

    monkeypatch.setattr(app.services.tokens, "resolve", broken)
    private = await telegram.press(ana, in_private, "❤ Like")  # the dispatcher's guard
    assert [c.method for c in private] == ["answerCallbackQuery"]
    answer = telegram.answer(private)
    assert answer["show_alert"] and answer["text"].startswith("Sorry, something broke")

    grouped = await telegram.press(ana, in_group, "❤ Like")  # the adapter's own look-up
    assert [c.method for c in grouped] == ["answerCallbackQuery", "sendMessage"]
    assert texts(grouped)[0].startswith("Sorry, something broke on our side (error id ")
