"""The public web pages over real HTTP: what shows, what is a 404, links, images, headers."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from html import unescape

import aiohttp
import pytest
from multidict import CIMultiDict

from bot.bootstrap import App
from core.domain import Audience, ModerationState, Platform, SanctionKind
from core.persistence.models import GenerationJob, Post, Reaction
from tests.web.support import Site, person, publish, sign_init_data, start_site
from web.limits import RateLimiter


@pytest.fixture
async def site(app: App) -> AsyncIterator[Site]:
    running = await start_site(app)
    yield running
    await running.role.stop()


async def fetch(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


def meta(html: str, name: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return unescape(found.group(1))


async def test_a_post_page_shows_image_prompt_author_and_ai_label(app: App, site: Site) -> None:
    alice = await person(app, "alice")
    post = await publish(app, alice, "a lighthouse at dusk #sea")
    status, _headers, body = await fetch(site.links.post_url(post.id))
    html = body.decode()
    assert status == 200
    assert "a lighthouse at dusk #sea" in html
    assert "AI-generated" in html and "mosaic-local-1" in html
    assert 'alt="a lighthouse at dusk #sea"' in html
    assert site.links.profile_url(alice.id) in html
    assert 'href="/explore?tag=sea"' in html
    assert str(post.id) not in re.findall(r"/p/([^\"/]+)", html), "ids are opaque"


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "TelegramBot (like TwitterBot)",
    ],
)
async def test_a_post_link_unfurls_with_its_image(app: App, site: Site, agent: str) -> None:
    alice = await person(app, "alice")
    post = await publish(app, alice, "a red fox in snow")
    status, _, body = await fetch(site.links.post_url(post.id), **{"User-Agent": agent})
    html = body.decode()
    assert status == 200
    head = html[: html.index("</head>")]
    assert len(head.encode()) < 4096, "crawlers read the first bytes: the <head> stays small"
    assert "Alice" in meta(head, "og:title")
    assert meta(head, "og:description") == "a red fox in snow"
    assert meta(head, "twitter:card") == "summary_large_image"
    image = meta(head, "og:image")
    assert image.startswith(f"{site.url}/i/")
    assert (meta(head, "og:image:width"), meta(head, "og:image:height")) == ("96", "64")
    status, headers, data = await fetch(image, **{"User-Agent": agent})
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert data.startswith(b"\x89PNG")


async def test_images_are_cached_for_a_year_and_answer_304_to_their_etag(
    app: App, site: Site
) -> None:
    post = await publish(app, await person(app, "alice"), "cache me")
    for path in (f"/i/{post.image_id}", f"/t/{post.image_id}"):
        status, headers, _ = await fetch(site.url + path)
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert post.image_id in headers["ETag"]
        again, _, body = await fetch(site.url + path, **{"If-None-Match": headers["ETag"]})
        assert again == 304 and body == b""
    _, headers, _ = await fetch(f"{site.url}/t/{post.image_id}")
    assert headers["Content-Type"] == "image/webp", "grids get thumbnails"


async def test_only_public_posts_ever_show(app: App, site: Site) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    followers = await publish(app, alice, "for followers", audience=Audience.FOLLOWERS)
    private = await publish(app, alice, "just me", audience=Audience.PRIVATE)
    hidden = await publish(app, alice, "hidden by a moderator")
    await Post.filter(id=hidden.id).update(moderation=ModerationState.HIDDEN)
    pending = await publish(app, alice, "reported")
    await Post.filter(id=pending.id).update(moderation=ModerationState.PENDING_REVIEW)
    deleted = await publish(app, alice, "gone soon")
    await app.services.posts.delete(alice, deleted.id)
    sensitive = await publish(app, alice, "a late night picture")  # marked sensitive below
    await Post.filter(id=sensitive.id).update(sensitive=True)
    banned = await publish(app, bob, "by someone banned later")
    await app.services.safety.sanctions.impose(
        bob, SanctionKind.BAN, platform=None, server_id=None, until=None, reason="spam", by=alice
    )
    for post in (followers, private, hidden, pending, deleted, sensitive, banned):
        status, _, body = await fetch(site.links.post_url(post.id))
        assert status == 404, post.prompt
        assert post.prompt.encode() not in body
        if post.image_id:
            assert (await fetch(f"{site.url}/i/{post.image_id}"))[0] == 404
            assert (await fetch(f"{site.url}/t/{post.image_id}"))[0] == 404
    assert (await fetch(site.links.profile_url(bob.id)))[0] == 404, "banned: no profile"


async def test_addresses_cannot_be_guessed(app: App, site: Site) -> None:
    post = await publish(app, await person(app, "alice"), "public")
    slug = site.links.post_slug(post.id)
    assert (await fetch(f"{site.url}/p/{slug}"))[0] == 200
    other = site.links.post_slug(post.id + 1)
    assert other[:6] != slug[:6], "neighbouring ids give unrelated addresses"
    forged = other[:12] + slug[12:]  # the next id's MAC with this post's encrypted id
    account_slug = site.links.account_slug(post.author_id)
    for address in (
        f"/p/{post.id}",
        f"/p/{forged}",
        f"/p/{slug[:-1]}{'A' if slug[-1] != 'A' else 'B'}",
        "/p/x",
        "/u/1",
        f"/p/{account_slug}",  # a profile's address is not a post's
    ):
        assert (await fetch(site.url + address))[0] == 404, address


async def test_a_profile_grid_shows_exactly_the_persons_public_posts(app: App, site: Site) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    shown = [await publish(app, alice, f"public {n}", color=(n * 40, 90, 20)) for n in range(3)]
    await publish(app, alice, "followers only", audience=Audience.FOLLOWERS)
    await publish(app, bob, "bob's own")
    await app.services.graph.follow(bob, alice)
    status, _, body = await fetch(site.links.profile_url(alice.id))
    html = body.decode()
    assert status == 200
    grid = html[html.index('<ul class="grid"') :]
    assert sorted(re.findall(r'alt="([^"]*)"', grid)) == sorted(p.prompt for p in shown)
    assert "1 follower · 0 following" in html


async def test_explore_has_trending_search_and_tags(app: App, site: Site) -> None:
    alice = await person(app, "alice")
    cat = await publish(app, alice, "a sleepy cat #cozy")
    await publish(app, alice, "a city at night")
    await publish(app, alice, "secret cat", audience=Audience.FOLLOWERS)
    _, _, body = await fetch(f"{site.url}/explore?q=cat")
    html = body.decode()
    assert "a sleepy cat #cozy" in html and "secret cat" not in html
    _, _, body = await fetch(f"{site.url}/explore?tag=cozy")
    assert "a sleepy cat #cozy" in body.decode() and "a city at night" not in body.decode()
    _, _, body = await fetch(f"{site.url}/explore")
    assert site.links.post_slug(cat.id) in body.decode()
    status, _, body = await fetch(f"{site.url}/explore?q=%23")
    assert status == 200 and 'role="alert"' in body.decode()


async def test_the_remix_tree_shows_lineage(app: App, site: Site) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    root = await publish(app, alice, "origin")
    child = await publish(app, bob, "remix one", remix_of=root)
    grandchild = await publish(app, alice, "remix two", remix_of=child)
    await publish(app, bob, "hidden remix", remix_of=child, audience=Audience.PRIVATE)
    _, _, body = await fetch(site.links.post_url(child.id) + "/tree")
    html = body.decode()
    assert (
        html.index('alt="origin"') < html.index('alt="remix one"') < html.index('alt="remix two"')
    )
    assert "hidden remix" not in html
    _, _, body = await fetch(site.links.post_url(grandchild.id))
    assert "Remix of" in body.decode() and site.links.post_slug(child.id) in body.decode()


async def test_pages_speak_the_browsers_language_with_a_switch(app: App, site: Site) -> None:
    post = await publish(app, await person(app, "alice"), "bonjour")
    url = site.links.post_url(post.id)
    _, _, body = await fetch(url, **{"Accept-Language": "fr-CH, de;q=0.9, en;q=0.8"})
    assert "KI-generiert" in body.decode() and '<html lang="de">' in body.decode()
    _status, headers, body = await fetch(url + "?lang=en", **{"Accept-Language": "de"})
    assert "AI-generated" in body.decode() and "lang=en" in headers["Set-Cookie"]


async def test_security_headers_and_escaping(app: App, site: Site) -> None:
    post = await publish(app, await person(app, "alice"), '<script>alert(1)</script> "quoted"')
    _, headers, body = await fetch(site.links.post_url(post.id))
    html = body.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html, "public pages run no script at all"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    _, app_headers, _ = await fetch(f"{site.url}/app")
    assert (
        "frame-ancestors 'self' https://web.telegram.org" in app_headers["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in app_headers
    _, missing, _ = await fetch(f"{site.url}/p/nothing")
    assert missing["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- the Mini App's API


async def api(site: Site, method: str, path: str, init_data: str | None, body=None):
    headers = {"Authorization": f"tma {init_data}"} if init_data is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, site.url + path, headers=headers, json=body) as response,
    ):
        return response.status, await response.json()


async def test_the_mini_app_feed_and_like_go_through_core(app: App, site: Site) -> None:
    alice = await person(app, "alice")
    post = await publish(app, alice, "for the grid")
    viewer = {"id": 777001, "first_name": "Tess", "username": "tess"}
    signed = sign_init_data(viewer, int(time.time()))
    status, page = await api(site, "GET", "/app/api/feed", signed)
    assert status == 200
    assert [p["prompt"] for p in page["posts"]] == ["for the grid"]
    slug = page["posts"][0]["slug"]
    status, liked = await api(site, "POST", "/app/api/like", signed, {"post": slug, "on": True})
    assert (status, liked) == (200, {"liked": True, "likes": 1})
    tess = await app.services.accounts.resolve(Platform.TELEGRAM, "777001", "Tess")
    assert await Reaction.exists(post_id=post.id, account_id=tess.id)
    status, again = await api(site, "POST", "/app/api/like", signed, {"post": slug, "on": True})
    assert status == 409 and "already" in again["error"]
    status, _ = await api(
        site, "POST", "/app/api/follow", signed, {"author": page["posts"][0]["author_slug"]}
    )
    assert status == 200
    assert await app.services.graph.followed_among(tess, {alice.id}) == {alice.id}


async def test_forged_expired_or_missing_init_data_gets_401_and_changes_nothing(
    app: App, site: Site
) -> None:
    post = await publish(app, await person(app, "alice"), "protected")
    slug = site.links.post_slug(post.id)
    viewer = {"id": 777002, "first_name": "Mallory"}
    now = int(time.time())
    attempts = [
        None,
        "",
        sign_init_data(viewer, now, token="999:other-bot"),
        sign_init_data(viewer, now - 7200),
        sign_init_data(viewer, now).replace("Mallory", "Mallorx"),
    ]
    for init_data in attempts:
        status, body = await api(site, "POST", "/app/api/like", init_data, {"post": slug})
        assert status == 401, init_data
        assert "Telegram" in body["error"]
        assert (await api(site, "GET", "/app/api/feed", init_data))[0] == 401
    assert not await Reaction.exists(post_id=post.id)
    assert await Post.get(id=post.id).values_list("like_count", flat=True) == 0


async def test_state_changing_calls_are_rate_limited_per_client(app: App) -> None:
    site = await start_site(app, writes=RateLimiter(per_second=0.001, burst=3))
    try:
        signed = sign_init_data({"id": 5, "first_name": "Quick"}, int(time.time()))
        statuses = [(await api(site, "GET", "/app/api/feed", signed))[0] for _ in range(5)]
    finally:
        await site.role.stop()
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


async def test_a_remix_from_the_mini_app_is_queued_for_the_persons_chat(
    app: App, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    woken: list[bool] = []

    async def wake() -> None:  # counts only when awaited: a bare call would create a coroutine
        woken.append(True)

    monkeypatch.setattr(app.services.generation, "wake", wake)
    alice = await person(app, "alice")
    post = await publish(app, alice, "a quiet harbor")
    locked = await publish(app, alice, "no remixes please")
    await Post.filter(id=locked.id).update(allow_remix=False)
    hidden = await publish(app, alice, "friends only", audience=Audience.FOLLOWERS)
    signed = sign_init_data(
        {"id": 4321, "first_name": "Remy", "language_code": "de"}, int(time.time())
    )
    body = {"post": site.links.post_slug(post.id), "prompt": "the harbor at night"}
    status, queued = await api(site, "POST", "/app/api/remix", signed, body)
    assert status == 200 and "Vorschau" in queued["message"]
    assert woken == [True]  # the workers hear of the job now, not at their next poll
    job = await GenerationJob.get(id=queued["job"])
    assert (job.kind, job.prompt, job.parent_post_id) == ("remix", "the harbor at night", post.id)
    assert job.reply_target == {
        "platform": "telegram", "chat_id": "4321", "kind": "private", "language": "de"
    }  # fmt: skip
    status, refused = await api(
        site,
        "POST",
        "/app/api/remix",
        signed,
        {"post": site.links.post_slug(locked.id), "prompt": "x"},
    )
    assert status == 403 and "@alice" in refused["error"]
    status, _ = await api(
        site,
        "POST",
        "/app/api/remix",
        signed,
        {"post": site.links.post_slug(hidden.id), "prompt": "x"},
    )
    assert status == 404
    assert await GenerationJob.all().count() == 1


async def test_the_mini_app_feed_leaves_out_sensitive_posts_without_the_opt_in(
    app: App, site: Site
) -> None:
    alice = await person(app, "alice")
    await publish(app, alice, "a calm lake")
    sensitive = await publish(app, await person(app, "bob"), "something for adults")
    await Post.filter(id=sensitive.id).update(sensitive=True)
    signed = sign_init_data({"id": 5150, "first_name": "Nia"}, int(time.time()))
    status, page = await api(site, "GET", "/app/api/feed", signed)
    assert status == 200
    assert [p["prompt"] for p in page["posts"]] == ["a calm lake"]
