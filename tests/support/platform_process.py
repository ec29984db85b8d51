"""`mosaic run` in a process of its own, with discord.py's gateway pointed at a fake.

    python -m tests.support.platform_process <discord-gateway-url | -> [mosaic arguments]

The REST base comes from DISCORD_API_BASE_URL (a setting); the gateway URL is a class
attribute of discord.py that no setting reaches, so it is set here before `mosaic run`.
"""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    if sys.argv[1] != "-":  # `-`: no Discord here, and no discord.py to import
        import discord
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[1])
    raise SystemExit(main(sys.argv[2:] or ["run"]))
