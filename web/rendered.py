"""Rendered pages, kept by everything they show.

A page's key is its template, language, address and the rows its query returned *in this
request*, as the database wrote them (`BatchAnswer.texts`). The query always runs; what a
kept page saves is the work after it: parsing the rows, building the cards and rendering the
template (most of a page's time in Python). So a kept page can never be out of date:

- a post that stops being public (followers-only, deleted, taken down, sensitive, its author
  banned) is not in the query's answer any more, and its page is a 404 at once;
- a new like, comment, remix or follower changes the rows, hence the key: the next request
  renders the page anew, and counts never lag;
- nothing needs invalidating, in this process or any other.

The store holds at most `max_bytes` of pages and forgets the least recently used.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_BYTES = 32 * 1024 * 1024


class RenderedPages:
    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: Hashable) -> bytes | None:
        body = self._pages.get(key)
        if body is None:
            self.misses += 1
            return None
        self.hits += 1
        self._pages.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        old = self._pages.pop(key, None)
        if old is not None:
            self.size -= len(old)
        self._pages[key] = body
        self.size += len(body)
        while self.size > self.max_bytes:
            _, dropped = self._pages.popitem(last=False)
            self.size -= len(dropped)
