"""Replies as plain text. Buttons show their address (`[3.1]`), which the user types to press
them."""

from __future__ import annotations

from collections.abc import Callable

from core.delivery.replies import Button, Reply

ButtonAddress = Callable[[Button], str]


def render_reply(reply: Reply, address: ButtonAddress) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"── {reply.title} ──")
    if reply.text:
        prefix = "⚠ " if reply.is_error else ""
        lines.append(prefix + reply.text)
    for image in reply.images:
        lines.append(f"🖼 {image.path.resolve()}")
    for file in reply.files:
        lines.append(f"📎 {file.path.resolve()}")
    if reply.footer:
        lines.append(reply.footer)
    for row in reply.buttons:
        labels = []
        for button in row:
            if button.url is not None:  # nothing to press: the address is shown
                labels.append(f"{button.label}: {button.url}")
                continue
            ellipsis = "…" if button.text_input else ""
            labels.append(f"[{address(button)}] {button.label}{ellipsis}")
        lines.append("   ".join(labels))
    return "\n".join(lines)
