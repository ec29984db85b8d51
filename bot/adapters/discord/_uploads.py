"""A slash command's attachment option as the command layer's `Upload`.

Discord resolves an ATTACHMENT option (type 11) in the interaction's
`data.resolved.attachments`: its filename, size, content type and a signed CDN link that
expires. discord.py builds an `Attachment` from it; the bytes are fetched with
`Attachment.read()` (discord.py's own HTTP session) only once the command layer has checked
the size and the type Discord reported.
"""

from __future__ import annotations

import logging

import discord

from bot.invocation import Upload
from core.errors import InvalidInput

log = logging.getLogger(__name__)


def attachment_upload(attachment: discord.Attachment) -> Upload:
    async def fetch(limit: int) -> bytes:  # the size Discord gave was checked
        try:
            return await attachment.read()
        except (discord.NotFound, discord.Forbidden) as error:  # the signed link expired
            log.info("discord attachment %s not fetched: %s", attachment.id, error.status)
            raise InvalidInput("error.upload_unavailable") from None

    return Upload(
        filename=attachment.filename,
        size=attachment.size,
        content_type=attachment.content_type,
        fetch=fetch,
    )
