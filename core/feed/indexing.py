"""What the feed stores about a post when it is made: its embedding and taste bucket, whether
it is one of its author's first posts, its trending score, its words and #tags, and one more
post for each of its tags on its day (`crowding`). `VectorRefresh` re-embeds the posts whose
vector an earlier embedder made."""

from __future__ import annotations

import logging

import numpy as np

from core.feed.crowding import count_post
from core.feed.embeddings import EmbeddingUnavailable, TextEmbedder, buckets_of, pack
from core.feed.hot import hot_score
from core.feed.terms import embedding_text, post_terms
from core.persistence.columns import column
from core.persistence.models import Post, PostTerm
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

NEWCOMER_POSTS = 3  # an author's first three posts get a chance in "fresh"


class PostIndexer:
    def __init__(
        self, embedder: TextEmbedder, units: UnitOfWorkFactory = TortoiseUnitOfWork
    ) -> None:
        self.embedder = embedder
        self._units = units

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    async def index(self, post: Post) -> None:
        """Fill the feed's columns of a new post and store its terms (the post is updated in
        memory too, so callers can use it at once)."""
        text = embedding_text(post.prompt, post.caption)
        post.embedding = post.embedding_model = post.taste_bucket = None
        if text:
            try:
                vector = (await self.embedder.embed([text]))[0]
            except EmbeddingUnavailable:
                log.warning(
                    "post %s stored without an embedding; it is ranked without one", post.id
                )
            else:
                self._store(post, vector)
        earlier = await column(
            Post.filter(author_id=post.author_id).limit(NEWCOMER_POSTS + 1), "id"
        )
        post.newcomer = len(earlier) <= NEWCOMER_POSTS
        post.hot = hot_score(post.like_count, post.comment_count, post.remix_count, post.created_at)
        terms = post_terms(post.prompt, post.caption)
        async with self._units():  # found by search and counted on its tags, or neither
            await post.save(
                update_fields=["embedding", "embedding_model", "taste_bucket", "newcomer", "hot"]
            )
            await PostTerm.bulk_create(
                [PostTerm(post_id=post.id, term=term, tag=tag) for term, tag in terms.items()]
            )
            await count_post(post)

    async def reembed(self, posts: list[Post]) -> None:
        """Embed posts again with this embedder and save their vectors (raises
        `EmbeddingUnavailable`)."""
        texts = [embedding_text(post.prompt, post.caption) for post in posts]
        vectors = await self.embedder.embed(texts)
        fields = ("embedding", "embedding_model", "taste_bucket")
        async with self._units():
            for post, vector in zip(posts, vectors, strict=True):
                post.embedding = post.embedding_model = post.taste_bucket = None
                self._store(post, vector)
                await Post.filter(id=post.id).update(**{f: getattr(post, f) for f in fields})

    def _store(self, post: Post, vector: np.ndarray) -> None:
        if vector.any():
            post.embedding = pack(vector)
            post.embedding_model = self.model_id
            post.taste_bucket = int(buckets_of(vector[None, :])[0])


class VectorRefresh:
    """After a change of embedder (the hashed n-grams → the multilingual model, or to OpenAI
    and back) the stored vectors are another model's: they are never compared with the new
    ones, so those posts rank without similarity until embedded again. Each `step` (a
    scheduler tick) walks the posts newest first by id, a window at a time, and re-embeds
    up to `batch` of them; once it reaches the oldest post it rests until the next start."""

    def __init__(self, indexer: PostIndexer, *, window: int = 2000, batch: int = 64) -> None:
        self._indexer = indexer
        self._window = window
        self._batch = batch
        self._below: int | None = None  # the walk has reached this post id
        self.done = False

    async def step(self) -> int:
        """Re-embed the next few posts with another model's vector; how many were."""
        if self.done:
            return 0
        query = Post.filter(deleted_at=None, embedding_model__isnull=False)
        if self._below is not None:
            query = query.filter(id__lt=self._below)
        rows = await query.order_by("-id").limit(self._window).values_list("id", "embedding_model")
        if not rows:
            self.done = True
            return 0
        stale = [post_id for post_id, model in rows if model != self._indexer.model_id]
        taken = stale[: self._batch]
        if taken:
            posts = await Post.filter(id__in=taken).order_by("-id")
            try:
                await self._indexer.reembed(list(posts))
            except EmbeddingUnavailable:
                log.warning("re-embedding posts failed; trying again on the next tick")
                return 0
        self._below = taken[-1] if len(stale) > len(taken) else rows[-1][0]
        return len(taken)
