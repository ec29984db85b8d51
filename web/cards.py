"""Posts as templates and the Mini App see them: URLs, sizes, labels, no database objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.persistence.models import Post
from core.public_links import PublicLinks

MEDIA_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg"}


@dataclass(frozen=True, slots=True)
class PostCard:
    slug: str
    url: str  # the post page, absolute
    image_url: str  # the full image, absolute (og:image)
    thumb_url: str
    width: int
    height: int
    prompt: str
    caption: str
    alt: str  # the prompt, else the caption, else who made it
    author_name: str
    author_handle: str
    author_slug: str
    author_url: str
    likes: int
    comments: int
    remixes: int
    ai_generated: bool
    model: str
    created: str  # ISO date
    remix_of_slug: str | None = None

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def image_urls(links: PublicLinks, sha256: str, *, key: str | None = None) -> tuple[str, str]:
    """(full image, thumbnail) URLs; `key`: a capability for an image that is not public."""
    query = f"?k={key}" if key else ""
    return f"{links.base_url}/i/{sha256}{query}", f"{links.base_url}/t/{sha256}{query}"


def card(links: PublicLinks, post: Post, *, private_image: bool = False) -> PostCard:
    """`post` with its author and image loaded (select_related)."""
    image = post.image
    sha = image.sha256 if image is not None else ""
    full, thumb = image_urls(links, sha, key=links.image_key(sha) if private_image else None)
    author = post.author
    prompt = post.prompt or ""
    return PostCard(
        slug=links.post_slug(post.id),
        url=links.post_url(post.id),
        image_url=full,
        thumb_url=thumb,
        width=image.width if image is not None else 0,
        height=image.height if image is not None else 0,
        prompt=prompt,
        caption=post.caption,
        alt=prompt or post.caption or f"{author.display_name} (@{author.handle})",
        author_name=author.display_name,
        author_handle=author.handle,
        author_slug=links.account_slug(author.id),
        author_url=links.profile_url(author.id),
        likes=post.like_count,
        comments=post.comment_count,
        remixes=post.remix_count,
        ai_generated=post.provider is not None,
        model=post.model or post.provider or "",
        created=post.created_at.date().isoformat(),
        remix_of_slug=links.post_slug(post.remix_of_id) if post.remix_of_id else None,
    )
