"""The command layer: one registry of specs, handlers that call core, one dispatcher."""

from bot.commands import (
    challenge,
    describe,
    digest,
    feed,
    general,
    generation,
    identity,
    posts,
    rating,
    safety,
    server,
    sharing,
    social,
)
from bot.commands.context import Context
from bot.commands.dispatcher import Dispatcher, error_reply
from bot.commands.registry import CommandRegistry
from bot.commands.spec import CommandSpec, Param, ParamKind


def build_registry() -> CommandRegistry:
    return CommandRegistry(
        [
            *general.SPECS,
            *generation.SPECS,
            *social.SPECS,
            *posts.SPECS,
            *feed.SPECS,
            *sharing.SPECS,
            *server.SPECS,
            *identity.SPECS,
            *safety.SPECS,
            *digest.SPECS,
            *challenge.SPECS,
            *rating.SPECS,
            *describe.SPECS,
        ]
    )


__all__ = [
    "CommandRegistry",
    "CommandSpec",
    "Context",
    "Dispatcher",
    "Param",
    "ParamKind",
    "build_registry",
    "error_reply",
]
