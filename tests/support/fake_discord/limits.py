"""What Discord rejects, checked independently of the adapter's own limits.

Each function returns a list of problems (empty: Discord would accept the payload).
"""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBEDS_TOTAL_MAX = 6000
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
LINK_STYLE = 5  # button style that opens `url`
URL_MAX = 512
BUTTON_LABEL_MAX = 80
ATTACHMENTS_MAX = 10
MODAL_TITLE_MAX = 45
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_MAX = 4000
AUTOCOMPLETE_CHOICES_MAX = 25

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
GLOBAL_COMMANDS_MAX = 100
MENU_NAME_MAX = 32
INTEGER_LIMIT = 2**53  # integer options and their bounds
KNOWN_LOCALES = frozenset(
    {"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl"}
    | {"no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi"}
    | {"th", "zh-CN", "ja", "zh-TW", "ko"}
)


def message_problems(
    payload: dict[str, Any], files: dict[str, int], *, upload_cap: int
) -> list[str]:
    found: list[str] = []
    content = payload.get("content") or ""
    if len(content) > CONTENT_MAX:
        found.append(f"content is {len(content)} characters (max {CONTENT_MAX})")
    embeds = payload.get("embeds") or []
    found += embeds_problems(embeds, files)
    found += components_problems(payload.get("components") or [])
    if len(files) > ATTACHMENTS_MAX:
        found.append(f"{len(files)} attachments (max {ATTACHMENTS_MAX})")
    for name, size in files.items():
        if size > upload_cap:
            found.append(f"attachment {name} is {size} bytes (cap {upload_cap})")
    return found


def embeds_problems(embeds: list[dict[str, Any]], files: dict[str, int]) -> list[str]:
    found: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        found.append(f"{len(embeds)} embeds (max {EMBEDS_MAX})")
    total = 0
    for embed in embeds:
        parts = {
            "title": (embed.get("title") or "", EMBED_TITLE_MAX),
            "description": (embed.get("description") or "", EMBED_DESCRIPTION_MAX),
            "footer": ((embed.get("footer") or {}).get("text") or "", EMBED_FOOTER_MAX),
            "author": ((embed.get("author") or {}).get("name") or "", EMBED_AUTHOR_MAX),
        }
        for part, (text, limit) in parts.items():
            total += len(text)
            if len(text) > limit:
                found.append(f"embed {part} is {len(text)} characters (max {limit})")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            found.append(f"{len(fields)} embed fields (max {EMBED_FIELDS_MAX})")
        for field in fields:
            total += len(field.get("name", "")) + len(field.get("value", ""))
            if len(field.get("name", "")) > EMBED_FIELD_NAME_MAX:
                found.append("embed field name too long")
            if len(field.get("value", "")) > EMBED_FIELD_VALUE_MAX:
                found.append("embed field value too long")
        url = (embed.get("image") or {}).get("url") or ""
        if url.startswith("attachment://") and url.removeprefix("attachment://") not in files:
            found.append(f"embed image {url} names no attachment of this message")
    if total > EMBEDS_TOTAL_MAX:
        found.append(f"embeds total {total} characters (max {EMBEDS_TOTAL_MAX})")
    return found


def components_problems(rows: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    if len(rows) > ROWS_MAX:
        found.append(f"{len(rows)} action rows (max {ROWS_MAX})")
    seen: set[str] = set()
    for row in rows:
        if row.get("type") != 1:
            found.append(f"top-level component of type {row.get('type')} is not an action row")
            continue
        buttons = row.get("components") or []
        if len(buttons) > BUTTONS_PER_ROW:
            found.append(f"{len(buttons)} buttons in a row (max {BUTTONS_PER_ROW})")
        for button in buttons:
            if button.get("style") == LINK_STYLE:  # opens a URL; carries no custom_id
                url = button.get("url") or ""
                if "custom_id" in button or not url.startswith(("https://", "http://")):
                    found.append(f"link button needs a URL and no custom_id: {button}")
                if len(url) > URL_MAX:
                    found.append(f"button url over {URL_MAX} characters")
                continue
            if "url" in button or not button.get("custom_id"):
                found.append(f"a non-link button needs a custom_id and no url: {button}")
            custom_id = button.get("custom_id") or ""
            if len(custom_id) > CUSTOM_ID_MAX:
                found.append(f"custom_id of {len(custom_id)} characters (max {CUSTOM_ID_MAX})")
            if custom_id in seen:
                found.append(f"custom_id {custom_id!r} used twice in one message")
            seen.add(custom_id)
            if len(button.get("label") or "") > BUTTON_LABEL_MAX:
                found.append(f"button label over {BUTTON_LABEL_MAX} characters")
    return found


def modal_problems(data: dict[str, Any]) -> list[str]:
    found: list[str] = []
    title = data.get("title") or ""
    if not 1 <= len(title) <= MODAL_TITLE_MAX:
        found.append(f"modal title of {len(title)} characters (1-{MODAL_TITLE_MAX})")
    if len(data.get("custom_id") or "") > CUSTOM_ID_MAX:
        found.append("modal custom_id too long")
    inputs = text_inputs(data.get("components") or [])
    if not 1 <= len(inputs) <= 5:
        found.append(f"modal with {len(inputs)} inputs (1-5)")
    for text_input, label in inputs:
        if not 1 <= len(label) <= TEXT_INPUT_LABEL_MAX:
            found.append(f"text input label of {len(label)} characters (1-{TEXT_INPUT_LABEL_MAX})")
        if not 1 <= text_input.get("max_length", TEXT_INPUT_MAX) <= TEXT_INPUT_MAX:
            found.append("text input max_length out of range")
    return found


def text_inputs(components: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """(text input, its label) for action-row modals and for Label-component modals."""
    found = []
    for component in components:
        if component.get("type") == 1:
            for inner in component.get("components") or []:
                if inner.get("type") == 4:
                    found.append((inner, inner.get("label") or ""))
        elif component.get("type") == 18 and (component.get("component") or {}).get("type") == 4:
            found.append((component["component"], component.get("label") or ""))
    return found


def autocomplete_problems(data: dict[str, Any]) -> list[str]:
    choices = data.get("choices") or []
    found = []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        found.append(f"{len(choices)} autocomplete choices (max {AUTOCOMPLETE_CHOICES_MAX})")
    for choice in choices:
        if not 1 <= len(choice.get("name") or "") <= 100:
            found.append("autocomplete choice name not 1-100 characters")
    return found


def commands_problems(commands: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    chat_input = [c for c in commands if c.get("type", 1) == 1]
    if len(chat_input) > GLOBAL_COMMANDS_MAX:
        found.append(f"{len(chat_input)} commands (max {GLOBAL_COMMANDS_MAX})")
    names = [(c.get("type", 1), c.get("name")) for c in commands]
    if len(set(names)) != len(names):
        found.append("two commands with the same name and type")
    for command in commands:
        kind = command.get("type", 1)
        if kind in (2, 3):
            for name in _all_names(command):
                if not 1 <= len(name) <= MENU_NAME_MAX:
                    found.append(f"menu name {name!r} not 1-{MENU_NAME_MAX} characters")
            if command.get("description"):
                found.append(f"menu {command['name']!r} has a description")
            found += _locale_problems(command)
            continue
        found += _named_problems(command, f"/{command.get('name')}", depth=0)
    return found


def _all_names(item: dict[str, Any]) -> list[str]:
    return [item.get("name") or "", *(item.get("name_localizations") or {}).values()]


def _locale_problems(item: dict[str, Any]) -> list[str]:
    found = []
    for field in ("name_localizations", "description_localizations"):
        for locale in item.get(field) or {}:
            if locale not in KNOWN_LOCALES:
                found.append(f"unknown locale {locale!r} in {field}")
    return found


def _named_problems(item: dict[str, Any], where: str, *, depth: int) -> list[str]:
    found = _locale_problems(item)
    for name in _all_names(item):
        if not COMMAND_NAME.match(name) or name != name.lower():
            found.append(f"{where}: invalid name {name!r}")
    descriptions = [
        item.get("description") or "",
        *(item.get("description_localizations") or {}).values(),
    ]
    for text in descriptions:
        if not 1 <= len(text) <= COMMAND_DESCRIPTION_MAX:
            found.append(f"{where}: description of {len(text)} characters (1-100)")
    options = item.get("options") or []
    if len(options) > COMMAND_OPTIONS_MAX:
        found.append(f"{where}: {len(options)} options (max {COMMAND_OPTIONS_MAX})")
    optional_seen = False
    for option in options:
        kind = option.get("type")
        inner = f"{where} {option.get('name')}"
        if kind in (1, 2):
            if depth >= (1 if kind == 2 else 2):
                found.append(f"{inner}: nested too deep")
            found += _named_problems(option, inner, depth=depth + 1)
            continue
        found += _named_problems({**option, "options": []}, inner, depth=depth + 1)
        if option.get("required"):
            if optional_seen:
                found.append(f"{inner}: required option after an optional one")
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > COMMAND_CHOICES_MAX:
            found.append(f"{inner}: {len(choices)} choices (max {COMMAND_CHOICES_MAX})")
        if choices and option.get("autocomplete"):
            found.append(f"{inner}: choices and autocomplete together")
        for choice in choices:
            for name in _all_names(choice):
                if not 1 <= len(name) <= 100:
                    found.append(f"{inner}: choice name of {len(name)} characters")
        for bound in ("min_length", "max_length"):
            if bound in option and not 0 <= option[bound] <= 6000:
                found.append(f"{inner}: {bound} out of range")
        for bound in ("min_value", "max_value"):
            if bound in option and not -INTEGER_LIMIT <= option[bound] <= INTEGER_LIMIT:
                found.append(f"{inner}: {bound} {option[bound]} beyond ±2^53")
    return found
