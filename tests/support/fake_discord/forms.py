"""Request bodies as Discord reads them: JSON, or `multipart/form-data` with `payload_json`
and `files[n]` parts.

The form is split here, from the raw bytes, rather than by aiohttp's `MultipartReader`: the
reader parses every part's headers (and the request's Content-Type) through the standard
library's `email` package, which cost the fake more CPU per request than the bot's own work
in the throughput bench. This parser reads the same wire format and is no more lenient: a
body that is not well-formed multipart (no boundary, no closing delimiter, a part without a
`form-data` disposition and a name) is refused with what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_PARAM = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class FormError(ValueError):
    """The body is not the form its Content-Type says."""


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content: bytes


def media_type(content_type: str) -> str:
    """`multipart/form-data; boundary=x` → `multipart/form-data` (lower case)."""
    return content_type.split(";", 1)[0].strip().lower()


def parameters(header: str) -> dict[str, str]:
    """The `; key=value` parameters of a header (quoted values unescaped; keys lower case;
    `key*=utf-8''…` (RFC 5987) decoded and stored under `key`)."""
    found: dict[str, str] = {}
    for key, raw in _PARAM.findall(header):
        value = raw.strip()
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        key = key.lower()
        if key.endswith("*"):
            charset, _, encoded = value.partition("''")
            key, value = key[:-1], unquote(encoded, encoding=charset or "utf-8")
        found[key] = value
    return found


def multipart(content_type: str, body: bytes) -> list[Part]:
    """The parts of a `multipart/form-data` body, in order."""
    boundary = parameters(content_type).get("boundary")
    if not boundary:
        raise FormError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and body[start - 2 : start] != b"\r\n"):
        raise FormError("multipart body without its first boundary")
    chunks = body[start + len(delimiter) :].split(b"\r\n" + delimiter)
    if len(chunks) < 2 or not chunks[-1].startswith(b"--"):
        raise FormError("multipart body without its closing boundary")
    parts = []
    for chunk in chunks[:-1]:
        if not chunk.startswith(b"\r\n"):
            raise FormError("multipart boundary not followed by a line break")
        head, separator, content = chunk[2:].partition(b"\r\n\r\n")
        if not separator:
            raise FormError("multipart part without the blank line after its headers")
        headers = {}
        for line in head.decode("utf-8", errors="strict").split("\r\n"):
            if not line:
                continue
            key, colon, value = line.partition(":")
            if not colon:
                raise FormError(f"multipart part header without a colon: {line[:80]!r}")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        if media_type(disposition) != "form-data":
            raise FormError(f"multipart part without form-data disposition: {disposition[:80]!r}")
        fields = parameters(disposition)
        if "name" not in fields:
            raise FormError("multipart part without a name")
        parts.append(Part(fields["name"], fields.get("filename"), content))
    return parts
