"""The Telegram Mini App: the personalized feed as a grid, with like, follow and remix.

Every API call carries Telegram's signed init data (`Authorization: tma <initData>`); the
person is the Telegram user it vouches for, resolved to their Mosaic account as the bot does.
Forged, tampered, expired or missing init data gets 401 before anything is read or changed.
Likes, follows, the feed and remixes go through the same core services as the commands.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from aiohttp import web

from core.domain import ChatKind, Platform
from core.errors import Forbidden, InvalidInput, LimitExceeded, MosaicError, NotFound
from core.generation.jobs import JobKind, JobRequest
from core.generation.provider import ImageOptions
from core.i18n import normalize_language, translate
from core.persistence.models import Account, Post
from core.safety.policy import shows_sensitive
from web.cards import card
from web.initdata import InitDataRefused, TelegramUser, validate_init_data
from web.language import choose
from web.site import Site, site_of

log = logging.getLogger(__name__)

STATUS = {NotFound: 404, Forbidden: 403, InvalidInput: 400, LimitExceeded: 429}
routes = web.RouteTableDef()


@routes.get("/app")
async def mini_app(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    if site.telegram_bot_token is None:
        return site.render(request, "error.html", status=404, error="web.app_off")
    return site.render(request, "miniapp.html")


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


async def _viewer(request: web.Request, site: Site) -> tuple[Account, TelegramUser]:
    """The person the init data vouches for, or 401 (and 429 past the client's limit)."""
    if not site.writes.allow(f"ip:{_client(request)}"):
        raise _problem(429, translate("en", "web.slow_down"))
    if site.telegram_bot_token is None:
        raise _problem(404, "the Mini App is off: no Telegram bot is configured")
    header = request.headers.get("Authorization", "")
    scheme, _, init_data = header.partition(" ")
    try:
        if scheme.lower() != "tma":
            raise InitDataRefused("no init data")
        user = validate_init_data(
            init_data,
            site.telegram_bot_token,
            now=time.time(),
            max_age_seconds=site.init_data_max_age,
        )
    except InitDataRefused as refused:
        log.info("Mini App request refused: %s", refused)
        raise _problem(401, "Open Mosaic from Telegram to use this page.") from None
    if not site.writes.allow(f"tg:{user.id}"):
        raise _problem(429, translate("en", "web.slow_down"))
    account = await site.services.accounts.resolve(
        Platform.TELEGRAM, str(user.id), user.display_name, handle_hint=user.username
    )
    return account, user


PROBLEMS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    404: web.HTTPNotFound,
    429: web.HTTPTooManyRequests,
}


def _problem(status: int, message: str) -> web.HTTPException:
    body = json.dumps({"error": message})
    return PROBLEMS[status](text=body, content_type="application/json")


def _language(request: web.Request, site: Site, account: Account, user: TelegramUser) -> str:
    return (
        account.language
        or normalize_language(user.language_code)
        or choose(request, site.services.settings.default_language)
    )


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _problem(400, "send a JSON object") from None
    if not isinstance(body, dict):
        raise _problem(400, "send a JSON object")
    return body


def _post_id(site: Site, value: object) -> int:
    post_id = site.links.post_id(value) if isinstance(value, str) else None
    if post_id is None:
        raise NotFound("error.unknown_post", post="?")
    return post_id


async def _answer(request: web.Request, work: Any, language: str) -> web.Response:
    """Core's user-safe errors as JSON with the message in the person's language."""
    try:
        return web.json_response(await work)
    except MosaicError as error:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 409)
        message = translate(language, error.key, **error.params)
        return web.json_response({"error": message}, status=status)


@routes.get("/app/api/feed")
async def feed(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    account, user = await _viewer(request, site)
    raw = request.query.get("page")
    number = int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1000 else None

    async def work() -> dict[str, Any]:
        services = site.services
        # The Mini App is the person's own place: their opt-in decides about sensitive posts.
        hide_sensitive = not shows_sensitive(account, None, shared=False)
        shown = await services.feed.page(account, number, safe=hide_sensitive)
        ids = [post.id for post in shown.posts]
        loaded = {p.id: p for p in await _with_images(ids)}
        liked = await services.engagement.liked_among(account, ids)
        followed = await services.graph.followed_among(account, {p.author_id for p in shown.posts})
        posts = []
        for post in shown.posts:
            if post.id not in loaded:
                continue
            item = card(site.links, loaded[post.id], private_image=True).as_json()
            item |= {
                "liked": post.id in liked,
                "following": post.author_id in followed,
                "own": post.author_id == account.id,
                "public": loaded[post.id].audience == "public",
            }
            posts.append(item)
        return {"page": shown.number, "has_more": shown.has_more, "posts": posts}

    return await _answer(request, work(), _language(request, site, account, user))


async def _with_images(ids: list[int]) -> list[Post]:
    return await Post.filter(id__in=ids).select_related("author", "image")


@routes.post("/app/api/like")
async def like(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    account, user = await _viewer(request, site)
    body = await _body(request)

    async def work() -> dict[str, Any]:
        post_id = _post_id(site, body.get("post"))
        services = site.services
        if body.get("on", True):
            await services.safety.sanctions.check(account.id, Platform.TELEGRAM, None)
            post = await services.engagement.like(account, post_id)
        else:
            post = await services.engagement.unlike(account, post_id)
        return {"liked": bool(body.get("on", True)), "likes": post.like_count}

    return await _answer(request, work(), _language(request, site, account, user))


@routes.post("/app/api/follow")
async def follow(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    account, user = await _viewer(request, site)
    body = await _body(request)

    async def work() -> dict[str, Any]:
        author_id = site.links.account_id(str(body.get("author", "")))
        author = await Account.get_or_none(id=author_id) if author_id is not None else None
        if author is None:
            raise NotFound("error.unknown_user", handle="?")
        if body.get("on", True):
            await site.services.graph.follow(account, author)
        else:
            await site.services.graph.unfollow(account, author)
        return {"following": bool(body.get("on", True))}

    return await _answer(request, work(), _language(request, site, account, user))


@routes.post("/app/api/remix")
async def remix(request: web.Request) -> web.StreamResponse:
    """Queue a remix; its preview arrives in the person's chat with the bot, as after /remix."""
    site = site_of(request)
    account, user = await _viewer(request, site)
    body = await _body(request)
    language = _language(request, site, account, user)

    async def work() -> dict[str, Any]:
        services = site.services
        await services.safety.sanctions.check(account.id, Platform.TELEGRAM, None)
        post_id = _post_id(site, body.get("post"))
        parent = await services.posts.get_visible(account, post_id)
        if not parent.allow_remix and parent.author_id != account.id:
            raise Forbidden("error.no_remix", post=post_id, author=f"@{parent.author.handle}")
        if parent.image_id is None:
            raise NotFound("error.post_deleted", post=post_id)
        chat = {
            "platform": Platform.TELEGRAM.value,
            "chat_id": str(user.id),  # a private chat's id is the user's id
            "kind": ChatKind.PRIVATE.value,
            "language": language,
        }
        job = await services.generation.jobs.submit(
            JobRequest(
                requester=account,
                prompt=str(body.get("prompt", "")),
                options=ImageOptions(seed=secrets.randbelow(2**31)),
                origin_platform=Platform.TELEGRAM,
                origin_chat_id=str(user.id),
                reply_target=chat,
                kind=JobKind.REMIX,
                parent_post=parent,
                parent_image=parent.image_id,
            )
        )
        await services.generation.wake()
        return {"job": job.id, "message": translate(language, "web.app.remix_queued")}

    return await _answer(request, work(), language)
