"""The one registry of commands that every adapter renders."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from bot.commands.spec import CommandSpec
from core.domain import Platform
from core.errors import NotFound
from core.user_text import strip_control

# Discord cannot have a command `/feed` next to a group `/feed tune`; there a command whose
# name is also a group becomes that group's subcommand `show` (`/feed show`).
DEFAULT_SUBCOMMAND = "show"


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

    def is_group(self, name: str, platform: Platform) -> bool:
        """Whether `name` has subcommands on `platform` ("feed" has "feed tune")."""
        return any(spec.name.startswith(f"{name} ") for spec in self.listed(platform))

    def published_name(self, spec: CommandSpec, platform: Platform) -> str:
        """The name for platforms where a command cannot also be a group (Discord):
        `feed` becomes `feed show` because `feed tune` exists; other names stay as they are."""
        if " " not in spec.name and self.is_group(spec.name, platform):
            return f"{spec.name} {DEFAULT_SUBCOMMAND}"
        return spec.name

    def match_text(self, line: str, platform: Platform) -> tuple[CommandSpec, str]:
        """`/settings language de` → (the "settings language" spec, "de"). The published
        form of a group's own command is understood too: `/feed show 2` is `/feed 2`."""
        body = line.strip().removeprefix("/")
        first, _, rest = body.partition(" ")
        first = strip_control(first).lower()  # a zero-width space or bidi mark pasted in
        second, _, rest_after_second = rest.strip().partition(" ")
        group_name = f"{first} {second.lower()}"
        if second and group_name in self._specs:
            spec, text = self._specs[group_name], rest_after_second
        elif (
            second.lower() == DEFAULT_SUBCOMMAND
            and first in self._specs
            and self.is_group(first, platform)
        ):
            spec, text = self._specs[first], rest_after_second
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
