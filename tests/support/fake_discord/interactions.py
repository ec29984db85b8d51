"""Interactions as a Discord client creates them, and their state on the fake's side."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.support.fake_discord.payloads import (
    APP_PERMISSIONS,
    FakeAttachment,
    FakeUser,
    Place,
    member_payload,
)

# interaction types
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
ATTACHMENT = 11  # application command option type
# interaction callback (response) types
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9

ALLOWED_RESPONSES = {
    COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
}


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    user: FakeUser
    place: Place
    payload: dict[str, Any]
    created: datetime  # on the fake's clock: the token lives 15 minutes from here
    dispatched_at: float  # loop time when it went out over the gateway
    component_message_id: int | None = None
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    responded_at: float | None = None
    original_id: int | None = None
    original_loading: bool = False
    followups: list[int] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    answered_by: str | None = None  # the client (`FakeDiscord.rest_base_for`) that answered
    callbacks: int = 0  # initial responses the bot tried (Discord accepts one)
    # the person sees an answer: an immediate message, or the deferred one filled or edited
    shown: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float:
        """Seconds from dispatch to the bot's initial response."""
        assert self.responded_at is not None, "not answered"
        return self.responded_at - self.dispatched_at

    @property
    def upload_cap(self) -> int:
        return int(self.payload["attachment_size_limit"])


def interaction_payload(
    *,
    interaction_id: int,
    application_id: int,
    kind: int,
    user: FakeUser,
    place: Place,
    data: dict[str, Any],
    upload_cap: int,
    admin: bool,
    locale: str,
    message: dict[str, Any] | None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": f"itoken-{interaction_id}",
        "version": 1,
        "data": data,
        "attachment_size_limit": upload_cap,
        "locale": locale,
        "app_permissions": str(APP_PERMISSIONS),
        "entitlements": [],
        "channel": place.channel_payload(user),
        "channel_id": str(place.channel_id),
    }
    if place.guild_id is None:
        payload |= {
            "user": user.payload(),
            "context": 1,
            "authorizing_integration_owners": {"1": str(user.id)},
        }
    else:
        payload |= {
            "guild_id": str(place.guild_id),
            "guild_locale": place.guild_locale,
            "member": member_payload(user, admin=admin),
            "context": 0,
            "authorizing_integration_owners": {"0": str(place.guild_id)},
        }
    if message is not None:
        payload["message"] = message
    return payload


def command_options(
    definition: dict[str, Any],
    path: list[str],
    values: dict[str, Any],
    *,
    focused: str | None = None,
) -> list[dict[str, Any]]:
    """The `options` a Discord client sends for `values`, typed by the registered command.

    `path` names the subcommand ("language" of "server"). With `focused` (autocomplete) the
    values are partial and the focused one is marked.
    """
    if path:
        sub = next(o for o in definition["options"] if o["name"] == path[0])
        inner = command_options(sub, path[1:], values, focused=focused)
        return [{"type": sub["type"], "name": sub["name"], "options": inner}]
    declared = {o["name"]: o for o in definition.get("options") or []}
    unknown = set(values) - set(declared)
    assert not unknown, f"/{definition['name']} has no options {unknown}"
    built = []
    for name, option in declared.items():
        if name not in values:
            assert focused or not option.get("required"), f"option {name!r} is required"
            continue
        value = values[name]
        if option["type"] == ATTACHMENT:  # the option's value is the attachment's id
            assert isinstance(value, FakeAttachment), f"{name} takes an attached file"
            value = str(value.id)
        entry = {"name": name, "type": option["type"], "value": value}
        if name == focused:
            entry["focused"] = True
        else:
            _client_side_check(option, values[name])
        built.append(entry)
    return built


def attachments_in(values: dict[str, Any]) -> list[FakeAttachment]:
    return [v for v in values.values() if isinstance(v, FakeAttachment)]


def _client_side_check(option: dict[str, Any], value: Any) -> None:
    """What the Discord client itself refuses to send (a test that does is wrong)."""
    name = option["name"]
    if option["type"] == 4:
        assert isinstance(value, int), f"{name} takes an integer"
        assert value >= option.get("min_value", value), f"{name} below its minimum"
        assert value <= option.get("max_value", value), f"{name} above its maximum"
    if option["type"] == 3:
        assert isinstance(value, str), f"{name} takes text"
        assert len(value) <= option.get("max_length", 6000), f"{name} too long"
    if option.get("choices"):
        assert value in [c["value"] for c in option["choices"]], f"{value!r} is not a choice"


def modal_answer(modal: dict[str, Any], answer: str) -> dict[str, Any]:
    """The data of a MODAL_SUBMIT answering every text input of `modal` with `answer`."""
    components = []
    for component in modal["components"]:
        if component["type"] == 1:  # an action row holding the text input
            (text_input,) = component["components"]
            value = {"type": 4, "custom_id": text_input["custom_id"], "value": answer}
            components.append({"type": 1, "components": [value]})
        else:  # a Label component (type 18) holding it
            inner = component["component"]
            value = {"type": 4, "custom_id": inner["custom_id"], "value": answer}
            components.append({"type": 18, "id": component.get("id", 1), "component": value})
    return {"custom_id": modal["custom_id"], "components": components}


def reaction_payload(
    user: FakeUser, message: dict[str, Any], place: Place, emoji: str, *, remove: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": str(user.id),
        "channel_id": message["channel_id"],
        "message_id": message["id"],
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if place.guild_id is not None:
        data["guild_id"] = str(place.guild_id)
        if not remove:  # Discord sends the member with additions only
            data["member"] = member_payload(user, admin=False)
    if not remove:
        data["message_author_id"] = message["author"]["id"]
    return data
