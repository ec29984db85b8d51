"""`mosaic`: run the bot, chat in the console, or upgrade the database."""

from __future__ import annotations

import gc

# Importing Mosaic makes ~70,000 container objects that live as long as the process; the
# cyclic collector's ~200 passes during the imports walk them again and again to free ~1,000
# (~2 % of the instructions of `import bot.cli`). Paused for these imports only, then all
# they made is frozen (`gc.freeze`): moved out of the collector's generations, so that no
# later pass walks it again. The first pass after the pause walked all of it (0.03-0.05
# CPU-s), and a console session's ~90 passes cost 0.07 CPU-s, 0.02 frozen (docs/benchmarks.md,
# ciproc stop 23); the ~1,000 objects in cycles it would have freed stay, frozen.
_collecting = gc.isenabled()
gc.disable()
try:
    import argparse
    import asyncio
    import logging
    import os
    import secrets
    import signal
    import sys
    from collections.abc import Awaitable
    from typing import TYPE_CHECKING, Protocol

    from pydantic import ValidationError

    from bot.bootstrap import (
        ROLES,
        App,
        PlatformConnection,
        build,
        build_discord,
        build_operator_endpoints,
        build_telegram,
        build_web,
        object_store,
        select_roles,
    )
    from core.domain import Platform
    from core.errors import ConfigurationError
    from core.persistence.database import upgrade
    from core.persistence.preflight import (
        ExitCode,
        StartupFailure,
        check_object_store,
        check_startup,
    )
    from core.settings import Settings
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

if TYPE_CHECKING:
    from bot.metrics import OperatorEndpoints

log = logging.getLogger("mosaic")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mosaic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot with whatever is configured")
    run.add_argument(
        "--roles",
        default=None,
        metavar="ROLE,...",
        help=f"run only these parts in this process ({', '.join(ROLES)}); "
        "default: everything configured",
    )
    chat = commands.add_parser("chat", help="chat with Mosaic in this terminal (or via a pipe)")
    chat.add_argument(
        "--as",
        dest="user",
        type=_console_user,
        default=None,
        help="who you are (default: your login name, or guest when that is root)",
    )
    chat.add_argument(
        "--greet",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print the welcome first (default: on a terminal yes, when piped no)",
    )
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    return parser


def _console_user(name: str) -> str:
    from bot.adapters.console import console_user

    try:
        return console_user(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _setup_logging(settings: Settings, *, quiet: bool) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    if quiet:  # the console chat owns stdout; only warnings go to stderr
        level = max(level, logging.WARNING)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


class Role(Protocol):
    """A part of `mosaic run` that starts and stops beside the chat adapters (the web)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _roles(app: App) -> list[Role]:
    return [build_web(app)] if "web" in app.roles else []


async def _start_roles(app: App, roles: list[Role]) -> list[Role]:
    """Start each role; the web on its default address steps aside if the port is taken
    (a configured MOSAIC_WEB_LISTEN that cannot be used stops start-up instead)."""
    started: list[Role] = []
    for role in roles:
        try:
            await role.start()
        except ConfigurationError as error:
            if role.name == "web" and "web_listen" not in app.settings.model_fields_set:
                # the web on its default address, and only as part of "everything"
                log.warning("%s: running without the web pages", error)
                print(f"mosaic: {error}; running without them", file=sys.stderr)
                continue
            raise
        started.append(role)
        if role.name == "web":
            print(f"mosaic: web pages at {app.settings.public_web_url}/explore", file=sys.stderr)
    return started


async def _stop_roles(roles: list[Role]) -> None:
    for role in reversed(roles):
        await role.stop()


async def _chat(
    app: App,
    user: str | None,
    greet: bool | None = None,
    roles: list[Role] | None = None,
    endpoints: OperatorEndpoints | None = None,
) -> None:
    from bot.adapters.console import ConsoleChat, console_locale, default_console_name

    name, note = (user, None) if user else default_console_name()
    await app.start()
    started: list[Role] = []
    try:
        await _start_endpoints(endpoints)
        chat = ConsoleChat(
            app.dispatcher, name, locale=console_locale(), greet=greet, name_note=note
        )
        app.worker.serve_terminal(chat.terminal)  # the jobs asked for here run here
        # Digests, notifications and job results for this person (only) print here.
        app.add_messenger(Platform.CONSOLE, chat, only_for=frozenset({chat.user}))
        await app.start_scheduler()
        started = await _start_roles(app, roles or [])
        if endpoints is not None:
            endpoints.readiness.started = True
        await chat.run()
    finally:
        await _stop_roles(started)
        if endpoints is not None:
            await endpoints.stop()
        await app.stop()


class ChatAdapter(Protocol):
    async def run(self) -> None: ...

    async def close(self) -> None: ...


class PlatformAdapter(ChatAdapter, PlatformConnection, Protocol):
    pass


def _chat_adapters(app: App) -> dict[str, PlatformAdapter]:
    """One adapter per chat platform role of this process."""
    adapters: dict[str, PlatformAdapter] = {}
    if "discord" in app.roles:
        adapters["discord"] = build_discord(app)
    if "telegram" in app.roles:
        adapters["telegram"] = build_telegram(app)
    return adapters


async def _run(app: App) -> None:
    adapters = _chat_adapters(app)
    endpoints = build_operator_endpoints(app, adapters)
    if "console" in app.roles and not adapters:
        log.info("starting the console chat")
        await _chat(app, None, roles=_roles(app), endpoints=endpoints)
    else:
        await _serve(app, list(adapters.values()), endpoints)


async def _start_endpoints(endpoints: OperatorEndpoints | None) -> None:
    """After the database opened (their handlers use it): /healthz says "starting" until
    `readiness.started`."""
    if endpoints is not None:
        await endpoints.start()
        print(f"mosaic: /healthz and /metrics at {endpoints.local_url}", file=sys.stderr)


async def _serve(
    app: App, adapters: list[PlatformAdapter], endpoints: OperatorEndpoints | None
) -> None:
    """The chat platforms, or only workers, scheduler and web, until SIGTERM or Ctrl-C."""
    await app.start()
    started: list[Role] = []
    try:
        await _start_endpoints(endpoints)
        await app.start_scheduler()  # after the adapters registered their messengers
        started = await _start_roles(app, _roles(app))
        if endpoints is not None:
            endpoints.readiness.started = True
        work: list[Awaitable[object]] = [adapter.run() for adapter in adapters]
        await _until_terminated(asyncio.gather(*(work or [asyncio.Event().wait()])))
    finally:
        await _stop_roles(started)
        for adapter in adapters:
            await adapter.close()
        if endpoints is not None:
            await endpoints.stop()
        await app.stop()


async def _until_terminated(work: Awaitable[object]) -> None:
    """Await `work`; SIGTERM (how systemd, Docker and Kubernetes stop a service) cancels it,
    so the caller's cleanup runs as after Ctrl-C, and the process then ends with status 0."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    terminated = asyncio.Event()

    def terminate() -> None:
        log.info("SIGTERM: stopping")
        terminated.set()
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except NotImplementedError:  # no signal handlers in this event loop (Windows)
        await task
        return
    try:
        await task
    except asyncio.CancelledError:
        if not terminated.is_set():
            raise  # Ctrl-C (asyncio.run cancels the main task): KeyboardInterrupt, status 130
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """Exit codes (README, "Troubleshooting"): 0 done, 1 unexpected error, 2 configuration,
    3 database unreachable, 4 database damaged, 5 not writable, 6 unknown migration,
    130 interrupted."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"mosaic: invalid configuration:\n{error}", file=sys.stderr)
        return ExitCode.CONFIGURATION
    try:
        roles = select_roles(settings, args.roles if args.command == "run" else None)
    except ConfigurationError as error:
        print(f"mosaic: {error}", file=sys.stderr)
        return ExitCode.CONFIGURATION
    console = "console" in roles
    _setup_logging(settings, quiet=args.command == "chat" or (args.command == "run" and console))
    try:
        asyncio.run(check_startup(settings.resolved_database_url, settings.data_dir))
        store = object_store(settings)
        if store is not None:
            asyncio.run(check_object_store(store))
        if args.command == "db":
            asyncio.run(upgrade(settings.resolved_database_url))
            print("database is up to date")
        elif args.command == "chat":
            asyncio.run(_chat(build(settings), args.user, args.greet))
        else:
            asyncio.run(_run(build(settings, roles=roles)))
    except StartupFailure as failure:
        print(f"mosaic: {failure}", file=sys.stderr)
        return failure.exit_code
    except ConfigurationError as error:
        print(f"mosaic: {error}", file=sys.stderr)
        return ExitCode.CONFIGURATION
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # the reader went away (`mosaic chat … | head`): nothing to say
        _silence_stdout()
        return 0
    except Exception as error:
        error_id = secrets.token_hex(4)
        log.debug("unexpected error %s", error_id, exc_info=True)
        print(
            f"mosaic: unexpected error {error_id}: {type(error).__name__}: {str(error)[:200]} "
            "(MOSAIC_LOG_LEVEL=DEBUG shows the details)",
            file=sys.stderr,
        )
        return ExitCode.UNEXPECTED
    return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not complain again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    raise SystemExit(main())
