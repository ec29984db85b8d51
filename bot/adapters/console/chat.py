"""The console chat loop.

Lines starting with `/` are commands; a number presses the button shown as `[n]` (followed by
text for buttons that ask for it: `2 nice picture!`). When input is piped, each line is echoed
after the prompt so that a transcript reads like a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import secrets
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.adapters.console.render import render_reply
from bot.commands import Dispatcher
from bot.invocation import Actor, Press
from bot.replies import Button, Reply
from core.domain import Platform
from core.i18n import translate
from core.text import parse_number, strip_control

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})
USER_MAX = 64  # the console name is the platform user id, and ids are at most 64 long


def console_user(name: str) -> str:
    """Check a `--as` name: one line of 1 to USER_MAX visible characters (ValueError says
    what is wrong). The handle is derived from it (`@` + letters, digits, underscores)."""
    cleaned = strip_control(name).strip()
    if not cleaned:
        raise ValueError("a name needs at least one visible character, e.g. --as alice")
    if len(cleaned) > USER_MAX:
        raise ValueError(
            f"a name has at most {USER_MAX} characters (this one has {len(cleaned)}), "
            "e.g. --as alice"
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class ConsoleMessage:
    number: int


class ConsoleChat:
    def __init__(
        self,
        dispatcher: Dispatcher,
        user: str,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._actor = Actor(Platform.CONSOLE, user, user, handle_hint=user)
        # This terminal among others (several `mosaic chat` may run at once, even as one
        # person): jobs asked for here run in this process and print here.
        self.terminal = secrets.token_hex(6)
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._interactive = self._in.isatty()
        self._reader_gone = False
        self._buttons: dict[int, Button] = {}
        self._numbers_by_key: dict[tuple[str | None, str], int] = {}
        self._button_numbers = itertools.count(1)
        self._message_numbers = itertools.count(1)

    # Conversation: what handlers use to send now and edit later
    async def send(self, reply: Reply) -> ConsoleMessage:
        self._print(render_reply(reply, self._number))
        return ConsoleMessage(next(self._message_numbers))

    async def edit(self, handle: ConsoleMessage, reply: Reply) -> None:
        self._print(f"↻ {render_reply(reply, self._number)}")

    @property
    def user(self) -> str:
        return self._actor.user_id

    def reply_target(self) -> dict[str, str]:
        return {"user": self._actor.user_id, "terminal": self.terminal}

    async def send_to(self, target: dict[str, str], reply: Reply) -> ConsoleMessage:
        """Messenger: out-of-band messages for this person (the outbox sender of this
        process claims only theirs) print here."""
        return await self.send(reply)

    def _number(self, button: Button) -> int:
        """A button keeps its number wherever it shows again (status edits, feed pages)."""
        key = (button.token, button.label)
        number = self._numbers_by_key.get(key) if button.token else None
        if number is None:
            number = next(self._button_numbers)
            if button.token:
                self._numbers_by_key[key] = number
        self._buttons[number] = button
        return number

    def _print(self, text: str) -> None:
        if self._reader_gone:
            return
        try:
            print(text, file=self._out, flush=True)
        except BrokenPipeError:  # `mosaic chat … | head`: the reader left; end quietly
            self._reader_gone = True
            if self._out is sys.stdout:  # Python's own flush at exit would complain again
                with contextlib.suppress(OSError, ValueError):
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
                    os.close(devnull)

    async def run(self) -> None:
        prompt = f"{self._actor.user_id}> "
        while not self._reader_gone:
            if self._interactive:
                print(prompt, end="", file=self._out, flush=True)
            line = await asyncio.to_thread(self._in.readline)
            if not line:
                break
            line = line.strip()
            if not self._interactive and line:
                self._print(prompt + line)
            if not line or line.startswith("#"):
                continue
            if line.lower() in QUIT_WORDS:
                break
            for reply in await self.handle_line(line):
                await self.send(reply)
            if not self._interactive:
                await self.wait_for_jobs()  # a script's next line may press a preview button
        await self.wait_for_jobs()

    async def wait_for_jobs(self) -> None:
        notices = self._dispatcher.notices
        await notices.wait_for(notices.live_jobs(self))

    async def handle_line(self, line: str) -> list[Reply]:
        if line.startswith("/"):
            return await self._dispatcher.run_text(self._actor, line, self)
        first, _, rest = line.partition(" ")
        number = parse_number(first, max_digits=9)
        if number is not None:
            return await self._press(number, rest.strip() or None)
        language = await self._dispatcher.language_of(self._actor)
        return [Reply(text=translate(language, "console.not_a_command"), is_error=True)]

    async def _press(self, number: int, text: str | None) -> list[Reply]:
        language = await self._dispatcher.language_of(self._actor)
        button = self._buttons.get(number)
        if button is None or button.token is None:
            return [
                Reply(text=translate(language, "console.no_button", number=number), is_error=True)
            ]
        if button.text_input is not None and text is None:
            return [
                Reply(
                    text=translate(
                        language,
                        "console.button_needs_text",
                        number=number,
                        label=button.text_input.label,
                    ),
                    is_error=True,
                )
            ]
        return await self._dispatcher.press(Press(self._actor, button.token, text), self)
