"""Fuzzing the real Dispatcher on a real database (issue 16).

Hypothesis writes sessions of hostile input — typed command lines (any command, with odd
options, numbers in other scripts, control and bidi characters, emoji, over-long text),
Discord-style invocations with wrongly typed values, and button presses with forged,
truncated, replayed and other people's tokens — and runs them through
`Dispatcher.run_text` / `run` / `press` as four people in a console, a DM and a Discord
server. For every single input:

- it ends in a reply or a clear user-safe error: never the "something broke" apology
  (`error.internal`), and nothing logged as an unhandled error;
- a refused input (every reply an error) writes nothing: the row counts of every table
  (except the per-person bookkeeping a refusal may keep, see `BOOKKEEPING`) and the sums
  of the counters are the same before and after.

Cases (single inputs) per run: 500 sessions of 20 to 40 inputs on SQLite (at least 10,000),
and of 6 on PostgreSQL (3,000), split into `SHARDS` tests per backend with their own
seeds (so pytest-xdist spreads them over its workers); each shard prints its counts and asserts
its share. `MOSAIC_FUZZ_SCALE` multiplies the sessions (CI: 1; a long local hunt: 20).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from tortoise import Tortoise
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connection

from bot.bootstrap import App
from bot.commands import build_registry
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.invocation import Actor, Invocation, Press
from core.delivery.replies import Reply
from core.domain import ChatKind, Platform
from core.i18n import translate
from core.persistence.database import connection_name
from tests.support.chat import RecordingConversation

SCALE = float(os.environ.get("MOSAIC_FUZZ_SCALE", "1"))
SESSIONS = 500
FUZZ_STEPS = 40  # inputs per session on SQLite: 20 to 40
POSTGRES_STEPS = 6  # inputs per session on PostgreSQL
# The sessions are split into shards, each its own test (on each backend), so that the
# workers of pytest-xdist share them; each shard asserts its share of the minimum.
SHARDS = 2
SEED = 16_000  # shard n fuzzes from seed SEED + n (MOSAIC_FUZZ_RANDOM=1: random seeds)
MIN_CASES = {"sqlite": 10_000, "postgres": 2_000}
# What a refusal may still write: who someone is and where to reach them (made on first
# contact), failed link attempts (counted against guessing), the button tokens of an
# error's reply, and spam accounting.
BOOKKEEPING = {"account", "identity", "direct_chat", "link_attempt", "action_token"}
COUNTERS = {"post": ("like_count", "comment_count", "remix_count"), "quota_usage": ("used",)}

INTERNAL = translate("en", "error.internal", id="\x00").split("\x00")[0]


# ---------------------------------------------------------------- who fuzzes


def _people() -> list[Actor]:
    return [
        Actor(Platform.CONSOLE, "alice", "alice", handle_hint="alice"),
        Actor(Platform.CONSOLE, "bob", "bob", handle_hint="bob"),
        Actor(Platform.TELEGRAM, "3003", "Tilde", handle_hint="tilde", chat_id="3003"),
        Actor(
            Platform.DISCORD,
            "4004",
            "Dora",
            handle_hint="dora",
            chat_id="500",
            chat_kind=ChatKind.CHANNEL,
            server_id="600",
            is_admin=True,
        ),
        Actor(
            Platform.DISCORD,
            "4005",
            "Dan",
            handle_hint="dan",
            chat_id="500",
            chat_kind=ChatKind.CHANNEL,
            server_id="600",
        ),
    ]


# ---------------------------------------------------------------- what they type

_HOSTILE_CHARS = st.sampled_from(
    [
        "\u200d", "\u200b", "\u202e", "\u2066", "\ufeff", "\x00", "\x1b[31m", "\r", "\n", "\t",
        "👨‍👩‍👧", "🏳️‍🌈", "🇩🇪", "١", "２", "²", "½", "Ⅻ", "#", "##", "@", "@everyone",
        "<@123>", "—", "–", "--", "---", "=", "'", '"', "\\", "%s", "{x}", "{", "}", "ß", "İ",
        "\U000e0067", "\ud7ff", "\U0010ffff", " ", "  ",
    ]
)  # fmt: skip
_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.lists(_HOSTILE_CHARS, max_size=6).map("".join),
    st.sampled_from(["", " ", "x" * 1001, "y" * 70, "a" * 33]),
)
_NUMBER = st.one_of(
    st.integers(-5, 40).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["١", "#١", "１２", "1١", "+1", "1_0", "0x1f", "1e3", "½", "#", "#-1", "00"]),
)
_WORDS = st.sampled_from(
    [
        "on", "off", "yes", "no", "all", "show", "hide", "public", "followers", "private",
        "everyone", "role", "nobody", "day", "week", "people", "prompts", "posts", "en", "de",
        "like", "follow", "comment", "remix", "square", "landscape", "portrait", "daily",
        "weekly", "mon", "08:30", "25:61", "UTC", "Europe/Berlin", "Mars/Olympus", "size",
        "topic", "members", "@alice", "@bob", "@tilde", "@dora", "@nobody", "alice", "nude",
        "a fox", "* * * * *", "61 25 * * *", "22:00-07:00", "--style", "—style", "--count",
        "--size", "--confirm", "--audience", "--x", "—", "watercolor", "ink", "reset",
    ]
)  # fmt: skip
_ARG = st.one_of(_WORDS, _NUMBER, _TEXT)


@functools.cache  # one strategy per parameter (see "Built once" below)
@st.composite
def _value_for(draw: st.DrawFn, param: Param) -> str:
    """A value that is mostly what the parameter takes, sometimes hostile."""
    if draw(st.integers(0, 4)) == 0:
        return draw(_ARG)
    if param.kind is ParamKind.CHOICE:
        choice = draw(st.sampled_from(param.choices))
        return draw(_spellings(choice))
    if param.kind in (ParamKind.POST, ParamKind.INT):
        return draw(_POST_OR_INT)
    if param.kind is ParamKind.USER:
        return draw(_USER)
    if param.kind is ParamKind.WORD:
        return draw(_WORD)
    return draw(_FREE_TEXT)


# Built once (Hypothesis validates each new strategy object before its first draw, which
# cost as much CPU as the draws): the strategies below, and one per parameter, choice and
# list of commands. The same strategies as built afresh at each draw: the same cases.
@functools.cache
def _spellings(choice: str) -> st.SearchStrategy[str]:
    return st.sampled_from((choice, choice.upper(), f" {choice}", choice + "x"))


_POST_OR_INT = st.one_of(st.integers(1, 8).map(str), st.integers(1, 8).map("#{}".format), _NUMBER)
_USER = st.sampled_from(["@alice", "@bob", "@tilde", "@dora", "@dan", "bob", "@ghost"])
# The strings of r"[a-z0-9_]{1,12}" (what `st.from_regex` drew here at ~4.5 times the CPU: it
# builds them a character at a time; `st.text` draws one string).
_WORD = st.one_of(
    _WORDS, st.text(alphabet=string.ascii_lowercase + string.digits + "_", min_size=1, max_size=12)
)
_FREE_TEXT = st.one_of(_TEXT, st.lists(_WORDS, min_size=1, max_size=6).map(" ".join))
_NAME = _TEXT.filter(str.strip)
_DASH = st.sampled_from(("--", "--", "—", "–", "-"))
_HEAD = st.sampled_from(("/",) * 12 + ("", " /", "//"))


@st.composite
def command_lines(draw: st.DrawFn, commands: st.SearchStrategy[CommandSpec]) -> str:
    """A typed line: a real command with values shaped like its parameters (options too,
    with dashes phones make), or anything at all."""
    if draw(st.integers(0, 11)) == 0:
        name, args = draw(_NAME), draw(st.lists(_ARG, max_size=5))
    else:
        spec = draw(commands)
        name = spec.name.upper() if draw(st.integers(0, 9)) == 0 else spec.name
        args = [draw(_value_for(p)) for p in spec.positional if p.required or draw(st.booleans())]
        for param in spec.params:
            if param.flag_only and draw(st.booleans()):
                dash = draw(_DASH)
                args += [f"{dash}{param.name}", draw(_value_for(param))][: draw(st.integers(1, 2))]
        if draw(st.integers(0, 3)) == 0:
            args.append(draw(_ARG))
    head = draw(_HEAD)
    return head + " ".join([name, *args])


_RAW_VALUE = st.one_of(
    _ARG,
    st.integers(-(2**65), 2**65),
    st.booleans(),
    st.floats(allow_nan=True),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@dataclass(frozen=True, slots=True)
class Typed:
    who: int
    line: str


@dataclass(frozen=True, slots=True)
class Invoked:
    who: int
    command: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pressed:
    who: int
    token: int  # index into the tokens seen so far (any person's)
    mangle: str  # "", "truncate", "extend", "case", "forge"
    text: str | None


def steps(specs: list[CommandSpec]) -> st.SearchStrategy:
    who = st.integers(0, len(_people()) - 1)
    commands = st.sampled_from(specs)
    typed = st.builds(Typed, who, command_lines(commands))
    # Each command's strategy is built once, not at every draw: Hypothesis validates a new
    # strategy object (all its nested parts) before drawing from it, which cost more CPU
    # than the draws.
    invocations = {spec.name: _invoked(spec, who) for spec in specs}
    invoked = commands.flatmap(lambda spec: invocations[spec.name])
    pressed = st.builds(
        Pressed,
        who,
        st.integers(0, 10_000),
        st.sampled_from(["", "", "", "truncate", "extend", "case", "forge"]),
        st.one_of(st.none(), _TEXT),
    )
    return st.one_of(typed, typed, invoked, pressed, pressed)


def _invoked(spec: CommandSpec, who: st.SearchStrategy[int]) -> st.SearchStrategy[Invoked]:
    """`spec` invoked the Discord way: values by name, shaped like its parameters or not."""
    names = [p.name for p in spec.params]
    return st.builds(
        Invoked,
        who,
        st.just(spec.name),
        st.one_of(
            st.fixed_dictionaries(
                {},
                optional={p.name: st.one_of(_value_for(p), _RAW_VALUE) for p in spec.params},
            ),
            st.dictionaries(
                st.one_of(st.sampled_from(names or ["x"]), st.text(max_size=5)),
                _RAW_VALUE,
                max_size=4,
            ),
        ),
    )


# ---------------------------------------------------------------- what we check


@dataclass
class Ledger:
    """What a fuzz run did, and the tokens it has seen (any person's, for replays)."""

    tokens: list[str] = field(default_factory=list)
    cases: int = 0
    refused: int = 0
    internal: list[str] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    # The counts taken after the last step, when it was refused: still the counts when the
    # next step of the session starts (nothing awaits in between, so nothing else runs),
    # which uses them as its own "before" rather than counting again (half the counting).
    counted: tuple[int, ...] | None = None


class UnhandledErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


class Counts:
    """The row counts of `tables` and the sums of the counters, in one statement.

    On SQLite it reads through a read-only connection of its own, in this thread: through the
    app's, each count was a hop to aiosqlite's thread and back, ~10 times the CPU of the count
    (0.21 against 0.02 ms, stop 23). A connection of its own sees what is committed (WAL),
    which is all the app wrote unless the app's connection is inside a transaction: then the
    count goes through the app's connection, which sees its own uncommitted rows too.
    """

    def __init__(self, tables: list[str], url: str) -> None:
        parts = [f"(SELECT COUNT(*) FROM {t})" for t in tables]
        for table, columns in COUNTERS.items():
            parts += [f"(SELECT COALESCE(SUM({c}), 0) FROM {table})" for c in columns]
        self.sql = "SELECT " + ", ".join(f"{p} AS c{i}" for i, p in enumerate(parts))
        self.labels = [*tables, *(f"{t}.{c}" for t, columns in COUNTERS.items() for c in columns)]
        self.client = get_connection(connection_name(url))
        self.reader: sqlite3.Connection | None = None
        if isinstance(self.client, SqliteClient):
            uri = f"{Path(self.client.filename).resolve().as_uri()}?mode=ro"
            self.reader = sqlite3.connect(uri, uri=True, isolation_level=None)

    async def take(self) -> tuple[int, ...]:
        app_connection = getattr(self.client, "_connection", None)
        if self.reader and app_connection is not None and not app_connection.in_transaction:
            return tuple(int(v) for v in self.reader.execute(self.sql).fetchone())
        rows = await self.client.execute_query_dict(self.sql)
        return tuple(int(v) for v in rows[0].values())

    def close(self) -> None:
        if self.reader:
            self.reader.close()


def _tables() -> list[str]:
    models = Tortoise.apps["models"].values()
    return sorted({m._meta.db_table for m in models} - BOOKKEEPING)


def _mangle(token: str, how: str) -> str:
    if how == "truncate":
        return token[: len(token) // 2]
    if how == "extend":
        return token + "A"
    if how == "case":
        return token.swapcase()
    if how == "forge":
        return "f" * len(token)
    return token


async def _run_step(app: App, step: Any, ledger: Ledger, people, conversations) -> list[Reply]:
    dispatcher = app.dispatcher
    actor, conversation = people[step.who], conversations[step.who]
    if isinstance(step, Typed):
        return await dispatcher.run_text(actor, step.line, conversation)
    if isinstance(step, Invoked):
        invocation = Invocation(actor, step.command, step.args)
        return await dispatcher.run(invocation, conversation)
    if ledger.tokens:
        token = _mangle(ledger.tokens[step.token % len(ledger.tokens)], step.mangle)
    else:
        token = "not-a-token"
    return await dispatcher.press(Press(actor, token, step.text), conversation)


async def _check_step(app: App, step: Any, ledger: Ledger, people, conversations, counts):
    conversation = conversations[step.who]
    sent_before = len(conversation.sent) + len(conversation.edits)
    before = ledger.counted or await counts.take()
    ledger.counted = None
    replies = await asyncio.wait_for(
        _run_step(app, step, ledger, people, conversations), timeout=30
    )
    notices = app.notices
    await asyncio.wait_for(notices.wait_for(notices.live_jobs(conversation)), timeout=30)
    ledger.cases += 1
    texts = [r.text or "" for r in replies] + [
        r.text or "" for r in conversation.sent[sent_before:]
    ]
    ledger.internal += [f"{step!r} -> {t}" for t in texts if t.startswith(INTERNAL)]
    answered = bool(replies) or len(conversation.sent) + len(conversation.edits) > sent_before
    assert answered, f"no reply at all to {step!r}"
    for reply in [*replies, *conversation.sent[sent_before:]]:
        for row in reply.buttons:
            ledger.tokens += [button.token for button in row if button.token]
    if replies and all(reply.is_error for reply in replies):
        ledger.refused += 1
        ledger.refusals[(replies[0].text or "")[:30]] += 1
        after = await counts.take()
        changed = [name for name, a, b in zip(counts.labels, before, after, strict=True) if a != b]
        assert not changed, f"refused {step!r} ({replies[0].text!r}) still wrote {changed}"
        ledger.counted = after


@dataclass
class Fuzzing:
    """One app being fuzzed: its people, their conversations and what the run has seen."""

    app: App
    backend: str
    ledger: Ledger = field(default_factory=Ledger)
    people: list[Actor] = field(default_factory=_people)
    conversations: list[RecordingConversation] = field(default_factory=list)
    counts: Counts | None = None
    ready: bool = False

    async def prepare(self) -> None:
        """Something to act on: a post by alice, and a reply with buttons for everyone."""
        if self.ready:
            return
        self.ready = True
        self.counts = Counts(_tables(), self.app.settings.resolved_database_url)
        self.conversations = [RecordingConversation() for _ in self.people]
        dispatcher = self.app.dispatcher
        for actor, conversation in zip(self.people, self.conversations, strict=True):
            await dispatcher.run_text(actor, "/help", conversation)
        await dispatcher.run_text(
            self.people[0], "/imagine a fox in the snow", self.conversations[0]
        )
        await self.app.notices.wait_for(self.app.notices.live_jobs(self.conversations[0]))
        for reply in self.conversations[0].sent:
            for row in reply.buttons:
                self.ledger.tokens += [b.token for b in row if b.token]


SPECS = sorted(build_registry(), key=lambda spec: spec.name)
# A session's inputs, drawn once the backend is known: PostgreSQL (a real server, slower) gets
# fewer per session, and only what it runs is generated.
SESSION = {
    "sqlite": st.lists(steps(SPECS), min_size=FUZZ_STEPS // 2, max_size=FUZZ_STEPS),
    "postgres": st.lists(steps(SPECS), min_size=POSTGRES_STEPS, max_size=POSTGRES_STEPS),
}


@pytest.fixture
async def fuzzing(app: App, database_url: str, capsys: pytest.CaptureFixture):
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    handler = UnhandledErrors()
    logging.getLogger().addHandler(handler)
    state = Fuzzing(app, backend)
    yield state
    logging.getLogger().removeHandler(handler)
    if state.counts:
        state.counts.close()
    ledger = state.ledger
    with capsys.disabled():
        print(
            f"\nfuzz ({backend}): {ledger.cases} cases, {ledger.refused} refused, "
            f"{len(ledger.tokens)} tokens seen; most common refusals: "
            f"{ledger.refusals.most_common(12)}"
        )
    assert ledger.internal == []
    assert handler.records == []
    assert ledger.cases >= MIN_CASES[backend] * min(SCALE, 1) // SHARDS


def _fuzz_test(shard: int):  # type: ignore[no-untyped-def]
    """One shard of the run: its own share of the sessions, from its own seed (so the shards
    differ), as its own test that pytest-xdist can give to any worker."""

    @settings(
        max_examples=int(SESSIONS * SCALE) // SHARDS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    async def test(fuzzing: Fuzzing, data: st.DataObject) -> None:
        await fuzzing.prepare()
        fuzzing.ledger.counted = None  # between sessions the app's loop ran: count afresh
        batch = data.draw(SESSION[fuzzing.backend], label="session")
        for step in batch:
            await _check_step(
                fuzzing.app,
                step,
                fuzzing.ledger,
                fuzzing.people,
                fuzzing.conversations,
                fuzzing.counts,
            )

    if os.environ.get("MOSAIC_FUZZ_RANDOM") == "1":
        return test
    return seed(SEED + shard)(test)  # the same cases on every run, different per shard


test_fuzz_the_dispatcher_0 = _fuzz_test(0)
test_fuzz_the_dispatcher_1 = _fuzz_test(1)


def test_the_shards_are_all_here() -> None:
    shards = [name for name in globals() if name.startswith("test_fuzz_the_dispatcher_")]
    assert len(shards) == SHARDS
