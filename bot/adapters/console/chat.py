"""The console chat loop.

Lines starting with `/` are commands. Every reply that has buttons gets a number, and its
buttons are numbered from 1 within it: `[3.2] 💬 Comment…` is button 2 of reply 3. A button
is pressed by its address (`3.2`), by its number in the latest reply with buttons (`2`), or by
its label (`Comment`, `like`, `📢 Post`; the newest button with that label), followed by text
for buttons that ask for it (`3.2 nice picture!`, `comment nice picture!`). The numbers do
not depend on how many buttons came before, so a script can name buttons without counting.

A terminal session starts with a short greeting; a piped one does not (a script reads only
answers), unless asked for with `--greet`. When input is piped, each line is echoed after the
prompt so that a transcript reads like a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import secrets
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.adapters.console.render import render_reply
from bot.commands import Dispatcher
from bot.invocation import Actor, Press
from core.delivery.replies import Button, Reply
from core.domain import Platform
from core.i18n import translate
from core.user_text import parse_number, strip_control

QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})
USER_MAX = 64  # the console name is the platform user id, and ids are at most 64 long
_ADDRESS = re.compile(r"^(?:(\d+)\.)?(\d+)(?:\s+(.*))?$", re.DOTALL)


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
    number: int | None  # the reply's number, once it has buttons


def label_words(label: str) -> str:
    """A label as typed: `📢 Post` → `post`, `➕ Follow alice` → `follow alice`."""
    words = re.sub(r"[^\w\s@#.-]", " ", label.removesuffix("…"), flags=re.UNICODE)
    return " ".join(words.split()).lower()


class ConsoleChat:
    def __init__(
        self,
        dispatcher: Dispatcher,
        user: str,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        locale: str | None = None,
        greet: bool | None = None,
        name_note: str | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._actor = Actor(Platform.CONSOLE, user, user, handle_hint=user, locale=locale)
        # This terminal among others (several `mosaic chat` may run at once, even as one
        # person): jobs asked for here run in this process and print here.
        self.terminal = secrets.token_hex(6)
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._interactive = self._in.isatty()
        self._reader_gone = False
        self._greet = self._interactive if greet is None else greet
        self._name_note = name_note  # message key: why the name was chosen for them
        self._replies: dict[int, list[Button]] = {}  # reply number → its buttons, from 1
        self._reply_numbers = itertools.count(1)

    # Conversation: what handlers use to send now and edit later
    async def send(self, reply: Reply) -> ConsoleMessage:
        message = ConsoleMessage(self._number(reply, None))
        self._print(self._render(reply, message.number))
        return message

    async def edit(self, handle: ConsoleMessage, reply: Reply) -> None:
        """An edit keeps the reply's number (a status message that gains buttons gets one)."""
        number = self._number(reply, handle.number)
        self._print(f"↻ {self._render(reply, number)}")

    @property
    def user(self) -> str:
        return self._actor.user_id

    def reply_target(self) -> dict[str, str]:
        return {"user": self._actor.user_id, "terminal": self.terminal}

    async def send_to(self, target: dict[str, str], reply: Reply) -> ConsoleMessage:
        """Messenger: out-of-band messages for this person (the outbox sender of this
        process claims only theirs) print here."""
        return await self.send(reply)

    def _number(self, reply: Reply, number: int | None) -> int | None:
        buttons = [button for row in reply.buttons for button in row]
        if not buttons:
            if number is not None:
                self._replies[number] = []  # an edit took the buttons away
            return number
        if number is None:
            number = next(self._reply_numbers)
        self._replies[number] = buttons
        return number

    def _render(self, reply: Reply, number: int | None) -> str:
        buttons = self._replies.get(number, []) if number is not None else []
        addresses = {id(b): f"{number}.{i}" for i, b in enumerate(buttons, 1)}
        return render_reply(reply, lambda button: addresses[id(button)])

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
        if self._greet:
            self._print(await self.greeting())
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

    async def greeting(self) -> str:
        """Who you are, how to get help, one prompt to try, and how a second person joins."""
        language = await self._dispatcher.language_of(self._actor)
        account = await self._dispatcher.account_for(self._actor)
        text = translate(language, "console.greeting", handle=f"@{account.handle}")
        if self._name_note is not None:
            text += "\n" + translate(language, self._name_note, handle=f"@{account.handle}")
        return text

    async def wait_for_jobs(self) -> None:
        notices = self._dispatcher.notices
        await notices.wait_for(notices.live_jobs(self))

    async def handle_line(self, line: str) -> list[Reply]:
        if line.startswith("/"):
            return await self._dispatcher.run_text(self._actor, line, self)
        language = await self._dispatcher.language_of(self._actor)
        found = self._find(line)
        if isinstance(found, str):
            return [Reply(text=translate(language, found, address=line.split()[0]), is_error=True)]
        button, token, address, text = found
        if button.text_input is not None and not text:
            message = translate(
                language,
                "console.button_needs_text",
                address=address,
                label=button.text_input.label,
            )
            return [Reply(text=message, is_error=True)]
        return await self._dispatcher.press(Press(self._actor, token, text or None), self)

    def _find(self, line: str) -> tuple[Button, str, str, str] | str:
        """The button a line presses, its token, its address and the text after it; or an
        error key."""
        match = _ADDRESS.match(line)
        if match:
            reply_text, number_text, text = match.groups()
            latest = max(self._replies, default=0)
            reply = parse_number(reply_text, max_digits=9) if reply_text else latest
            number = parse_number(number_text, max_digits=9)  # one script's digits: ١٢ is 12
            buttons = self._replies.get(reply, []) if reply is not None else []
            if number is None or not 1 <= number <= len(buttons):
                return "console.no_button"
            button = buttons[number - 1]
            if button.token is None:
                return "console.no_button"
            return button, button.token, f"{reply}.{number}", (text or "").strip()
        typed = label_words(line)
        for reply in sorted(self._replies, reverse=True):  # the newest button with that label
            candidates = [
                (len(label_words(b.label)), index, b, b.token)
                for index, b in enumerate(self._replies[reply], 1)
                if b.token is not None and _starts_with_label(typed, label_words(b.label))
            ]
            if candidates:
                _, index, button, token = max(candidates, key=lambda c: c[0])  # the longest label
                rest = _after_label(line, label_words(button.label))
                if rest and button.text_input is None:
                    continue  # "like this" is no press of "Like"
                return button, token, f"{reply}.{index}", rest
        return "console.not_a_command"


def _starts_with_label(typed: str, label: str) -> bool:
    return bool(label) and (typed == label or typed.startswith(label + " "))


def _after_label(line: str, label: str) -> str:
    """What follows the words that spelled the label (emoji and case as they were typed)."""
    for word in re.finditer(r"\S+", line):
        if label_words(line[: word.end()]) == label:
            return line[word.end() :].strip()
    return ""
