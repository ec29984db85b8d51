"""OpenAI text embeddings through the official SDK (`client.embeddings.create`).

`text-embedding-3-*` models can shorten their vectors (`dimensions`) with little loss; Mosaic
asks for 256 by default, which keeps a post's stored vector at 512 bytes. Empty texts are not
sent (the API refuses them): they get a zero vector. The SDK retries 429/5xx itself; what is
left becomes `EmbeddingUnavailable`, and callers decide (a post is kept without a vector; a
`/feed tune` asks the user to try again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.feed.embeddings import EmbeddingUnavailable, unit_rows

# the SDK is imported where it is used: it costs ~0.5 s CPU at every start-up, and a
# process without OPENAI_API_KEY never needs it
if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

BATCH = 512  # inputs per request (the API takes up to 2048)
SHORTENABLE = ("text-embedding-3-",)  # models that accept `dimensions`


class OpenAIEmbedder:
    def __init__(self, client: AsyncOpenAI, model: str, dimensions: int) -> None:
        self._client = client
        self.model = model
        self.dimensions = dimensions

    def __repr__(self) -> str:  # never the client: it holds the key
        return f"OpenAIEmbedder(model={self.model!r}, dimensions={self.dimensions})"

    @property
    def model_id(self) -> str:
        return f"openai:{self.model}:{self.dimensions}"

    @property
    def match_range(self) -> tuple[float, float]:
        return (0.2, 0.5)  # unrelated texts of these models still score ~0.1-0.2

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        todo = [(row, text.strip()) for row, text in enumerate(texts) if text.strip()]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = await self._request([text for _, text in batch])
            for (row, _), vector in zip(batch, vectors, strict=True):
                out[row] = vector
        return unit_rows(out)

    async def _request(self, texts: list[str]) -> list[np.ndarray]:
        import openai

        dimensions = self.dimensions if self.model.startswith(SHORTENABLE) else openai.omit
        try:
            response = await self._client.embeddings.create(
                model=self.model, input=texts, dimensions=dimensions
            )
        except openai.APIStatusError as exc:
            log.warning("embeddings failed: %s", (exc.status_code, exc.code, exc.request_id))
            raise EmbeddingUnavailable(str(exc.status_code)) from exc
        except (openai.APIError, ValueError) as exc:  # connection errors, timeouts, odd answers
            log.warning("embeddings failed: %s", type(exc).__name__)
            raise EmbeddingUnavailable(type(exc).__name__) from exc
        ordered = sorted(response.data, key=lambda item: item.index)
        vectors = [np.asarray(item.embedding, dtype=np.float32) for item in ordered]
        if len(vectors) != len(texts) or any(v.shape != (self.dimensions,) for v in vectors):
            log.warning("embeddings answer has the wrong shape for %s", self.model_id)
            raise EmbeddingUnavailable("shape")
        return vectors
