"""The one registry of commands that every adapter renders."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from bot.commands.spec import CommandSpec
from core.domain import Platform
from core.errors import NotFound


class CommandRegistry:
    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self._specs: dict[str, CommandSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"command {spec.name!r} registered twice")
            self._specs[spec.name] = spec

    def __iter__(self):
        return iter(self._specs.values())

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def get(self, name: str) -> CommandSpec:
        spec = self._specs.get(name)
        if spec is None:
            raise NotFound("error.unknown_command", command=name[:40])
        return spec

    def listed(self, platform: Platform) -> list[CommandSpec]:
        """Commands a user of `platform` can type (menus, /help)."""
        return [s for s in self._specs.values() if not s.hidden and s.available_on(platform)]

    def match_text(self, line: str, platform: Platform) -> tuple[CommandSpec, str]:
        """`/settings language de` → (the "settings language" spec, "de")."""
        body = line.strip().removeprefix("/")
        first, _, rest = body.partition(" ")
        first = first.lower()
        second, _, rest_after_second = rest.strip().partition(" ")
        group_name = f"{first} {second.lower()}"
        if second and group_name in self._specs:
            spec, text = self._specs[group_name], rest_after_second
        elif first in self._specs:
            spec, text = self._specs[first], rest
        else:
            raise NotFound("error.unknown_command", command=first[:40])
        if not spec.available_on(platform) or spec.hidden:
            raise NotFound("error.unknown_command", command=first[:40])
        return spec, text

    def spec_hash(self, platform: Platform) -> str:
        """Changes whenever what a platform would publish changes (names, params, texts)."""
        from core.i18n import CATALOGS

        payload = []
        for spec in self.listed(platform):
            keys = [spec.description_key] + [spec.param_description_key(p) for p in spec.params]
            payload.append(
                [
                    spec.name,
                    [[p.name, p.kind, p.required, p.choices, p.max_length] for p in spec.params],
                    [[lang, [CATALOGS[lang].get(k) for k in keys]] for lang in sorted(CATALOGS)],
                ]
            )
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
