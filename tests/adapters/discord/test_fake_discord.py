"""The fake Discord itself rejects what Discord rejects (so a clean run means something)."""

from __future__ import annotations

import aiohttp
import pytest

from core.clock import FakeClock
from tests.support.fake_discord import FakeDiscord, FakeInteraction, limits

BUTTON = {"type": 2, "style": 1, "label": "ok", "custom_id": "mosaic:abc"}


def row(*buttons: dict) -> dict:
    return {"type": 1, "components": list(buttons)}


@pytest.mark.parametrize(
    ("payload", "files", "problem"),
    [
        ({"content": "x" * 2001}, {}, "content is 2001"),
        ({"embeds": [{"title": "t" * 257}]}, {}, "embed title"),
        ({"embeds": [{"description": "d" * 4097}]}, {}, "embed description"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, {}, "embed footer"),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            {},
            "embeds total",
        ),
        ({"embeds": [{"image": {"url": "attachment://a.png"}}]}, {}, "names no attachment"),
        ({"components": [row(BUTTON | {"custom_id": "m" * 101})]}, {}, "custom_id of 101"),
        ({"components": [row(BUTTON)] * 6}, {}, "6 action rows"),
        (
            {"components": [row(*[BUTTON | {"custom_id": f"m{i}"} for i in range(6)])]},
            {},
            "6 buttons in a row",
        ),
        ({}, {f"{i}.png": 1 for i in range(11)}, "11 attachments"),
        ({}, {"big.png": 101}, "is 101 bytes (cap 100)"),
    ],
)
def test_message_limits(payload: dict, files: dict, problem: str) -> None:
    found = limits.message_problems(payload, files, upload_cap=100)
    assert any(problem in p for p in found), found


def test_a_message_within_limits_passes() -> None:
    payload = {
        "content": "x" * 2000,
        "embeds": [{"title": "t" * 256, "image": {"url": "attachment://a.png"}}],
        "components": [row(*[BUTTON | {"custom_id": f"m{i}"} for i in range(5)])] * 1,
    }
    assert limits.message_problems(payload, {"a.png": 100}, upload_cap=100) == []


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ({"name": "Follow", "description": "d", "type": 1}, "invalid name"),
        ({"name": "a" * 33, "description": "d", "type": 1}, "invalid name"),
        ({"name": "ok", "description": "", "type": 1}, "description of 0"),
        ({"name": "ok", "description": "d" * 101, "type": 1}, "description of 101"),
        (
            {"name": "ok", "description": "d", "name_localizations": {"de": "Groß"}, "type": 1},
            "invalid name",
        ),
        (
            {
                "name": "ok",
                "description": "d",
                "type": 1,
                "options": [
                    {"name": "a", "description": "d", "type": 3},
                    {"name": "b", "description": "d", "type": 3, "required": True},
                ],
            },
            "required option after an optional one",
        ),
        ({"name": "x" * 33, "type": 3}, "menu name"),
        (
            {
                "name": "ok",
                "description": "d",
                "type": 1,
                "options": [{"name": "n", "description": "d", "type": 4, "max_value": 2**62}],
            },
            "beyond ±2^53",
        ),
    ],
)
def test_command_limits(command: dict, problem: str) -> None:
    assert any(problem in p for p in limits.commands_problems([command]))


async def test_interaction_tokens_die_after_15_minutes() -> None:
    clock = FakeClock()
    fake = FakeDiscord(clock=clock)
    await fake.start()
    try:
        user = fake.user("alice")
        interaction = FakeInteraction(
            id=1,
            token="t1",
            type=2,
            user=user,
            place=fake.dm(user),
            payload={"attachment_size_limit": 100},
            created=clock.now(),
            dispatched_at=0.0,
            response_type=5,
        )
        fake.interactions[1] = interaction
        clock.advance(minutes=15, seconds=1)
        async with aiohttp.ClientSession() as session:
            url = f"{fake.rest_base}/webhooks/{fake.app_id}/t1"
            async with session.post(url, json={"content": "late"}) as response:
                assert response.status == 401
                assert (await response.json())["code"] == 50027
        assert any("expired" in v for v in fake.violations)
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"content": "hi"', "application/json"),  # cut short
        (b'{"content": NaN}', "application/json"),  # Python's json reads it; Discord does not
        (b'{"content": "\\ud800"}', "application/json"),  # a lone surrogate
        (
            b'--b\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n{"a": Infinity}'
            b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    ],
)
async def test_a_body_that_is_not_json_is_refused(body: bytes, content_type: str) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"{fake.rest_base}/channels/1/messages"
            headers = {"Content-Type": content_type, "Authorization": f"Bot {fake.token}"}
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 400
                assert (await response.json())["code"] == 50109
        assert any("invalid JSON" in v for v in fake.violations)
        assert fake.created_messages == 0
    finally:
        await fake.stop()
