"""Images sent with a command on Telegram, as the command layer's `Upload`.

A command takes an image from the message it is typed in (a photo, or an image sent as a
document, captioned with the command) or from the message it answers (`/describe` sent as
a reply to a photo). A photo comes in several sizes: the largest within the limit is taken.
The bytes are fetched with getFile and a download from the file server (`base_file_url`);
the Bot API lets a bot download files up to 20 MB only, and answers getFile for a larger
one with "Bad Request: file is too big", which is refused as an oversized upload.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Document, Message, PhotoSize
from telegram.error import BadRequest

from bot.adapters.telegram._sender import TelegramSender
from bot.invocation import Upload, too_big
from core.errors import InvalidInput

log = logging.getLogger(__name__)

PHOTO_TYPE = "image/jpeg"  # Telegram stores every photo as a JPEG


def attached_image(message: Message, sender: TelegramSender, limit: int) -> Upload | None:
    """The image that comes with a command in `message`: its own, else the one it answers."""
    for carrier in (message, message.reply_to_message):
        if carrier is None:
            continue
        if carrier.photo:
            size = largest_within(carrier.photo, limit)
            name = f"photo_{size.file_unique_id}.jpg"
            return _upload(sender, size.file_id, name, size.file_size, PHOTO_TYPE)
        if carrier.document is not None:
            return _document(sender, carrier.document)
    return None


def largest_within(sizes: Sequence[PhotoSize], limit: int) -> PhotoSize:
    """The photo size with the most pixels whose file is within `limit` (sizes Telegram did
    not weigh count as within); if none is, the smallest (which is then refused)."""
    fitting = [s for s in sizes if s.file_size is None or s.file_size <= limit]
    if not fitting:
        return min(sizes, key=lambda s: s.file_size or 0)
    return max(fitting, key=lambda s: (s.width * s.height, s.file_size or 0))


def _document(sender: TelegramSender, document: Document) -> Upload:
    name = document.file_name or "file"
    return _upload(sender, document.file_id, name, document.file_size, document.mime_type)


def _upload(
    sender: TelegramSender, file_id: str, name: str, size: int | None, content_type: str | None
) -> Upload:
    async def fetch(limit: int) -> bytes:
        try:
            file = await sender.call("get_file", file_id=file_id)
        except BadRequest as error:
            if "too big" in error.message.lower():
                raise too_big(name, size, limit) from None
            log.info("telegram file %s not available: %s", file_id, error.message)
            raise InvalidInput("error.upload_unavailable") from None
        if file.file_size is not None and file.file_size > limit:
            raise too_big(name, file.file_size, limit)
        return bytes(await file.download_as_bytearray())

    return Upload(filename=name, size=size, content_type=content_type, fetch=fetch)
