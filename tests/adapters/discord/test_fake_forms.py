"""The fake Discord's form parser reads what aiohttp (discord.py's client) writes, and refuses
what is not a well-formed form."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest

from tests.support.fake_discord import forms


class _Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, chunk: bytes) -> None:
        self.data += chunk


async def _encoded(form: aiohttp.FormData) -> tuple[str, bytes]:
    writer: Any = form()
    sink = _Sink()
    await writer.write(sink)
    return writer.content_type, bytes(sink.data)


@pytest.mark.parametrize("quote_fields", [False, True])
async def test_reads_a_form_as_discord_py_sends_it(quote_fields: bool) -> None:
    form = aiohttp.FormData(quote_fields=quote_fields)  # discord.py: quote_fields=False
    form.add_field("payload_json", json.dumps({"content": "hi ✓"}))
    form.add_field(
        "files[0]",
        io.BytesIO(b"\x89PNG\r\n\r\n--x"),
        filename="a b.png",
        content_type="application/octet-stream",
    )
    form.add_field("files[1]", b"", filename="empty.webp", content_type="image/webp")
    content_type, body = await _encoded(form)

    parts = forms.multipart(content_type, body)

    assert forms.media_type(content_type) == "multipart/form-data"
    assert [(p.name, p.content) for p in parts] == [
        ("payload_json", json.dumps({"content": "hi ✓"}).encode()),
        ("files[0]", b"\x89PNG\r\n\r\n--x"),
        ("files[1]", b""),
    ]
    names = [p.filename for p in parts]
    assert names[0] is None and names[2] == "empty.webp"
    assert names[1] in ("a b.png", "a%20b.png")  # aiohttp percent-encodes when quoting


def test_parameters_quoted_unquoted_and_rfc5987() -> None:
    found = forms.parameters('form-data; name="a\\"b"; filename*=utf-8\'\'F%C3%BCchse.png; x=1')
    assert found == {"name": 'a"b', "filename": "Füchse.png", "x": "1"}


@pytest.mark.parametrize(
    ("content_type", "body", "problem"),
    [
        ("multipart/form-data", b"--b\r\n\r\n--b--", "without a boundary"),
        ("multipart/form-data; boundary=b", b"no delimiter here", "first boundary"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nv',
            "closing boundary",
        ),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--",
            "form-data disposition",
        ),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--",
            "without a name",
        ),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="x"\r\nv\r\n--b--',
            "blank line",
        ),
    ],
)
def test_refuses_what_is_not_a_form(content_type: str, body: bytes, problem: str) -> None:
    with pytest.raises(forms.FormError, match=problem):
        forms.multipart(content_type, body)
