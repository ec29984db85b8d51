"""Drive the dispatcher as a user would, recording everything sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.bootstrap import App
from bot.invocation import Actor, Press
from core.delivery.replies import Button, Reply
from core.domain import Platform


@dataclass
class RecordingConversation:
    sent: list[Reply] = field(default_factory=list)
    edits: list[tuple[int, Reply]] = field(default_factory=list)

    async def send(self, reply: Reply) -> int:
        self.sent.append(reply)
        return len(self.sent) - 1

    async def edit(self, handle: int, reply: Reply) -> None:
        self.edits.append((handle, reply))

    def reply_target(self) -> dict[str, str]:
        return {"recording": "1"}


class ChatUser:
    """One person talking to Mosaic through the command layer."""

    def __init__(self, app: App, name: str, platform: Platform = Platform.CONSOLE) -> None:
        self.app = app
        self.actor = Actor(platform, name, name, handle_hint=name)
        self.conversation = RecordingConversation()

    async def say(self, line: str) -> list[Reply]:
        return await self.app.dispatcher.run_text(self.actor, line, self.conversation)

    async def text(self, line: str) -> str:
        return "\n".join(r.text for r in await self.say(line))

    async def press(self, button: Button, text: str | None = None) -> list[Reply]:
        assert button.token, "buttons get a token from the dispatcher"
        return await self.app.dispatcher.press(
            Press(self.actor, button.token, text), self.conversation
        )


def find_button(replies: list[Reply], command: str) -> Button:
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if button.command == command:
                    return button
    raise AssertionError(f"no {command!r} button in {replies!r}")


async def opt_in_to_sensitive(user: ChatUser) -> None:
    """`/settings sensitive on` and its age-confirmation button."""
    asked = await user.say("/settings sensitive on")
    [done] = await user.press(find_button(asked, "settings sensitive"))
    assert not done.is_error, done.text
