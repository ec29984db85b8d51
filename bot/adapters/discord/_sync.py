"""Publish the command tree only when it changed.

Discord limits command creates (200 a day per guild) and global updates take a while to
reach clients, so the tree is not synced on every start. A small file under the data folder
remembers what was last published: the registry's `spec_hash`, a hash of the exact payload
(which also covers translations, option limits and the context menu), and the target (one
development guild, or global). A change to any of them syncs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from core.delivery.ratelimit import PlatformCall, RateLimiter
from core.domain import Platform
from core.errors import ConfigurationError

log = logging.getLogger(__name__)

STATE_FILE = "discord-commands.json"

CHAT_INPUT, MESSAGE_MENU = 1, 3
NAME = re.compile(r"^[-_\w]{1,32}$")
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
MENU_NAME_MAX = 32
GLOBAL_COMMANDS_MAX = 100
INTEGER_LIMIT = 2**53


@dataclass(frozen=True, slots=True)
class Published:
    spec_hash: str
    payload_hash: str
    target: str


def problems(payload: list[dict[str, Any]]) -> list[str]:
    """What Discord would reject in a command payload (empty when all is well)."""
    found: list[str] = []
    if sum(1 for c in payload if c.get("type", CHAT_INPUT) == CHAT_INPUT) > GLOBAL_COMMANDS_MAX:
        found.append(f"more than {GLOBAL_COMMANDS_MAX} commands")
    for command in payload:
        if command.get("type", CHAT_INPUT) == MESSAGE_MENU:
            for name in _names(command):
                if not 1 <= len(name) <= MENU_NAME_MAX:
                    found.append(f"menu name {name!r} is not 1-{MENU_NAME_MAX} characters")
            continue
        _check_named(command, f"/{command.get('name')}", found)
    return found


def _names(item: dict[str, Any]) -> list[str]:
    return [item.get("name", ""), *(item.get("name_localizations") or {}).values()]


def _descriptions(item: dict[str, Any]) -> list[str]:
    return [item.get("description", ""), *(item.get("description_localizations") or {}).values()]


def _check_named(item: dict[str, Any], where: str, found: list[str]) -> None:
    for name in _names(item):
        if not NAME.match(name) or name != name.lower():
            found.append(f"{where}: bad name {name!r}")
    for text in _descriptions(item):
        if not 1 <= len(text) <= DESCRIPTION_MAX:
            found.append(f"{where}: description {text!r} is not 1-{DESCRIPTION_MAX} characters")
    options = item.get("options") or []
    if len(options) > OPTIONS_MAX:
        found.append(f"{where}: more than {OPTIONS_MAX} options")
    seen_optional = False
    for option in options:
        name = f"{where} {option.get('name')}"
        _check_named(option, name, found)
        if option.get("required"):
            if seen_optional:
                found.append(f"{name}: a required option after an optional one")
        elif option.get("type", 0) > 2:
            seen_optional = True
        for bound in ("min_value", "max_value"):
            if abs(option.get(bound) or 0) > INTEGER_LIMIT:
                found.append(f"{name}: {bound} beyond ±2^53")
        choices = option.get("choices") or []
        if len(choices) > CHOICES_MAX:
            found.append(f"{name}: more than {CHOICES_MAX} choices")
        for choice in choices:
            for label in _names(choice):
                if not 1 <= len(label) <= CHOICE_NAME_MAX:
                    found.append(f"{name}: choice name {label!r} is not 1-100 characters")


def _fingerprint(payload: list[dict[str, Any]]) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class CommandSync:
    def __init__(
        self,
        tree: app_commands.CommandTree[Any],
        *,
        spec_hash: str,
        state_dir: Path,
        dev_guild_id: int | None,
        limiter: RateLimiter,
    ) -> None:
        self._tree = tree
        self._limiter = limiter
        self._spec_hash = spec_hash
        self._state_path = state_dir / STATE_FILE
        self._guild = discord.Object(dev_guild_id) if dev_guild_id is not None else None

    @property
    def target(self) -> str:
        return f"guild:{self._guild.id}" if self._guild is not None else "global"

    async def payload(self) -> list[dict[str, Any]]:
        translator = self._tree.translator
        commands = self._tree.get_commands(guild=self._guild)
        if translator is None:
            return [command.to_dict(self._tree) for command in commands]
        return [
            await command.get_translated_payload(self._tree, translator) for command in commands
        ]

    async def sync_if_changed(self) -> bool:
        """Sync when the tree differs from what was last published; True if it synced."""
        if self._guild is not None:
            self._tree.copy_global_to(guild=self._guild)
        payload = await self.payload()
        bad = problems(payload)
        if bad:
            raise ConfigurationError("Discord would reject these commands: " + "; ".join(bad))
        now = Published(self._spec_hash, _fingerprint(payload), self.target)
        if self._read() == now:
            log.info("discord commands unchanged (%s); not syncing", self.target)
            return False
        await self._limiter.process(
            PlatformCall(Platform.DISCORD, "tree.sync"), lambda: self._tree.sync(guild=self._guild)
        )
        self._write(now)
        log.info("discord commands synced to %s (spec %s)", self.target, self._spec_hash)
        return True

    def _read(self) -> Published | None:
        try:
            return Published(**json.loads(self._state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _write(self, published: Published) -> None:
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(published)), encoding="utf-8")
        os.replace(tmp, self._state_path)
