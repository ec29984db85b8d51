"""What the feed stores about a post when it is made: its embedding and taste bucket, whether
it is one of its author's first posts, its trending score, its words and #tags, and one more
post for each of its tags on its day (`crowding`)."""

from __future__ import annotations

import logging

from core.feed.crowding import count_post
from core.feed.embeddings import EmbeddingUnavailable, TextEmbedder, buckets_of, pack
from core.feed.hot import hot_score
from core.feed.text import embedding_text, post_terms
from core.persistence.models import Post, PostTerm

log = logging.getLogger(__name__)

NEWCOMER_POSTS = 3  # an author's first three posts get a chance in "fresh"


class PostIndexer:
    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder

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
                if vector.any():
                    post.embedding = pack(vector)
                    post.embedding_model = self.model_id
                    post.taste_bucket = int(buckets_of(vector[None, :])[0])
        earlier = (
            await Post.filter(author_id=post.author_id)
            .limit(NEWCOMER_POSTS + 1)
            .values_list("id", flat=True)
        )
        post.newcomer = len(earlier) <= NEWCOMER_POSTS
        post.hot = hot_score(post.like_count, post.comment_count, post.remix_count, post.created_at)
        await post.save(
            update_fields=["embedding", "embedding_model", "taste_bucket", "newcomer", "hot"]
        )
        terms = post_terms(post.prompt, post.caption)
        await PostTerm.bulk_create(
            [PostTerm(post_id=post.id, term=term, tag=tag) for term, tag in terms.items()]
        )
        await count_post(post)
