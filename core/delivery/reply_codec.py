"""A `Reply` as JSON and back, for the outbox (replies are built once, sent later)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply, TextInput


def _button(button: Button) -> dict[str, Any]:
    data: dict[str, Any] = {
        "label": button.label,
        "command": button.command,
        "args": button.args,
        "style": button.style.value,
        "token": button.token,
    }
    if button.owner_only:
        data["owner_only"] = True
    if button.text_input is not None:
        data["text_input"] = {
            "arg": button.text_input.arg,
            "label": button.text_input.label,
            "max_length": button.text_input.max_length,
        }
    return data


def _image(image: ImageRef) -> dict[str, str]:
    return {"path": str(image.path), "alt": image.alt}


def encode_reply(reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {"text": reply.text}
    if reply.title is not None:
        data["title"] = reply.title
    if reply.footer is not None:
        data["footer"] = reply.footer
    if reply.images:
        data["images"] = [_image(image) for image in reply.images]
    if reply.buttons:
        data["buttons"] = [[_button(b) for b in row] for row in reply.buttons]
    if reply.private:
        data["private"] = True
    if reply.is_error:
        data["is_error"] = True
    if reply.post_id is not None:
        data["post_id"] = reply.post_id
    if reply.shows:
        data["shows"] = list(reply.shows)
    if reply.files:
        data["files"] = [_image(image) for image in reply.files]
    return data


def decode_reply(data: dict[str, Any]) -> Reply:
    def button(raw: dict[str, Any]) -> Button:
        ask = raw.get("text_input")
        return Button(
            label=raw["label"],
            command=raw["command"],
            args=dict(raw.get("args") or {}),
            owner_only=bool(raw.get("owner_only")),
            text_input=TextInput(ask["arg"], ask["label"], int(ask["max_length"])) if ask else None,
            style=ButtonStyle(raw.get("style", ButtonStyle.SECONDARY.value)),
            token=raw.get("token"),
        )

    def images(key: str) -> tuple[ImageRef, ...]:
        return tuple(ImageRef(Path(i["path"]), i.get("alt", "")) for i in data.get(key, []))

    return Reply(
        text=data.get("text", ""),
        title=data.get("title"),
        images=images("images"),
        files=images("files"),
        post_id=data.get("post_id"),
        shows=tuple(int(p) for p in data.get("shows", ())),
        buttons=tuple(tuple(button(b) for b in row) for row in data.get("buttons", [])),
        footer=data.get("footer"),
        private=bool(data.get("private")),
        is_error=bool(data.get("is_error")),
    )
