"""Posts as templates and the Mini App see them: URLs, sizes, labels, no database objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

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


# A post's columns as the pages read them (`Gallery`'s compiled queries select exactly these).
CARD_COLUMNS = {
    "id": "id",
    "prompt": "prompt",
    "caption": "caption",
    "like_count": "like_count",
    "comment_count": "comment_count",
    "remix_count": "remix_count",
    "created_at": "created_at",
    "provider": "provider",
    "model": "model",
    "remix_of_id": "remix_of_id",
    "author_id": "author_id",
    "author_name": "author__display_name",
    "author_handle": "author__handle",
    "image_sha": "image__sha256",
    "width": "image__width",
    "height": "image__height",
}


def card(links: PublicLinks, post: Post, *, private_image: bool = False) -> PostCard:
    """`post` with its author and image loaded (select_related)."""
    image, author = post.image, post.author
    row = {
        "id": post.id,
        "prompt": post.prompt,
        "caption": post.caption,
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "remix_count": post.remix_count,
        "created_at": post.created_at,
        "provider": post.provider,
        "model": post.model,
        "remix_of_id": post.remix_of_id,
        "author_id": author.id,
        "author_name": author.display_name,
        "author_handle": author.handle,
        "image_sha": image.sha256 if image is not None else None,
        "width": image.width if image is not None else None,
        "height": image.height if image is not None else None,
    }
    return card_of_row(links, row, private_image=private_image)


def card_of_row(
    links: PublicLinks, row: dict[str, Any], *, private_image: bool = False
) -> PostCard:
    """A post read as `CARD_COLUMNS` (a row of a compiled query: no model objects)."""
    sha = row["image_sha"] or ""
    full, thumb = image_urls(links, sha, key=links.image_key(sha) if private_image else None)
    prompt = row["prompt"] or ""
    remix_of = row["remix_of_id"]
    return PostCard(
        slug=links.post_slug(row["id"]),
        url=links.post_url(row["id"]),
        image_url=full,
        thumb_url=thumb,
        width=row["width"] or 0,
        height=row["height"] or 0,
        prompt=prompt,
        caption=row["caption"],
        alt=prompt or row["caption"] or f"{row['author_name']} (@{row['author_handle']})",
        author_name=row["author_name"],
        author_handle=row["author_handle"],
        author_slug=links.account_slug(row["author_id"]),
        author_url=links.profile_url(row["author_id"]),
        likes=row["like_count"],
        comments=row["comment_count"],
        remixes=row["remix_count"],
        ai_generated=row["provider"] is not None,
        model=row["model"] or row["provider"] or "",
        created=row["created_at"].date().isoformat(),
        remix_of_slug=links.post_slug(remix_of) if remix_of else None,
    )
