"""Messages the fake Discord holds: what the bot sent, as Discord would show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.fake_discord.payloads import FakeUser, message_payload, snowflake

EPHEMERAL = 1 << 6
LOADING = 1 << 7  # a deferred "thinking…" response not filled yet


@dataclass
class StoredMessage:
    payload: dict[str, Any]
    files: dict[str, int]  # attachment filename → size in bytes
    interaction_id: int | None = None
    deleted: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def ephemeral(self) -> bool:
        return bool(self.payload["flags"] & EPHEMERAL)

    @property
    def custom_ids(self) -> list[str]:
        return [
            button["custom_id"]
            for row in self.payload["components"]
            for button in row.get("components", [])
            if "custom_id" in button
        ]

    @property
    def embed(self) -> dict[str, Any]:
        return self.payload["embeds"][0] if self.payload["embeds"] else {}

    @property
    def text(self) -> str:
        """Everything a person reads in it: content, embed title, description, footer."""
        embed = self.embed
        parts = [
            self.payload["content"],
            embed.get("title") or "",
            embed.get("description") or "",
            (embed.get("footer") or {}).get("text") or "",
        ]
        return "\n".join(part for part in parts if part)

    def button(self, label_part: str) -> str:
        """The custom_id of the button whose label contains `label_part`."""
        for row in self.payload["components"]:
            for button in row.get("components", []):
                if label_part in (button.get("label") or ""):
                    return str(button["custom_id"])
        raise AssertionError(f"no button with {label_part!r} in {self.payload['components']}")


class MessageStore:
    def __init__(self, author: FakeUser, attachment_base: str) -> None:
        self._author = author
        self._attachment_base = attachment_base
        self.by_id: dict[int, StoredMessage] = {}

    def get(self, message_id: int | None) -> StoredMessage | None:
        return self.by_id.get(message_id) if message_id is not None else None

    def create(
        self,
        *,
        channel_id: int,
        body: dict[str, Any],
        files: dict[str, int],
        flags: int,
        interaction_id: int | None = None,
        guild_id: int | None = None,
    ) -> StoredMessage:
        message_id = snowflake()
        payload = message_payload(
            message_id=message_id,
            channel_id=channel_id,
            author=self._author,
            body=body,
            attachments=self._attachments(files, []),
            flags=flags,
            interaction_id=interaction_id,
            guild_id=guild_id,
        )
        stored = StoredMessage(payload, dict(files), interaction_id)
        self.by_id[message_id] = stored
        return stored

    def edit(self, message: StoredMessage, body: dict[str, Any], files: dict[str, int]) -> None:
        """Apply an edit: given fields replace the old ones; `attachments` lists what stays."""
        payload = message.payload
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                payload[key] = body[key] if body[key] is not None else empty
        if body.get("flags") is not None:
            payload["flags"] = (payload["flags"] & EPHEMERAL) | (body["flags"] & ~EPHEMERAL)
        if "attachments" in body:
            kept = self._kept(message, body)
            payload["attachments"] = self._attachments(files, kept)
            message.files = {a["filename"]: a["size"] for a in payload["attachments"]}
        payload["flags"] &= ~LOADING
        payload["edited_timestamp"] = payload["timestamp"]

    def files_after_edit(
        self, message: StoredMessage, body: dict[str, Any], files: dict[str, int]
    ) -> dict[str, int]:
        if "attachments" not in body:
            return {**message.files, **files}
        return {**{a["filename"]: a["size"] for a in self._kept(message, body)}, **files}

    @staticmethod
    def _kept(message: StoredMessage, body: dict[str, Any]) -> list[dict[str, Any]]:
        keep_ids = {str(a.get("id")) for a in body["attachments"] or []}
        return [a for a in message.payload["attachments"] if a["id"] in keep_ids]

    def _attachments(
        self, files: dict[str, int], kept: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        attachments = list(kept)
        for name, size in files.items():
            attachment_id = snowflake()
            url = f"{self._attachment_base}/attachments/{attachment_id}/{name}"
            attachments.append(
                {
                    "id": str(attachment_id),
                    "filename": name,
                    "size": size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": "image/" + name.rsplit(".", 1)[-1],
                }
            )
        return attachments
