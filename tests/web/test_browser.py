"""The web pages and the Mini App in real headless Chromium: what people see and do."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest

from bot.bootstrap import App
from core.domain import Audience, Platform
from core.persistence.models import Reaction
from tests.support.chat import ChatUser, find_button
from tests.web.browser import SCREENSHOTS, axe_source, chromium, serious_violations
from tests.web.support import Site, person, publish, sign_init_data, start_site


@pytest.fixture
def database_url(databases) -> str:  # type: ignore[no-untyped-def]
    """SQLite only: the pages' queries run on both databases in test_pages.py."""
    url = databases.fresh("sqlite")
    yield url
    databases.drop(url)


@pytest.fixture
async def site(app: App) -> AsyncIterator[Site]:
    running = await start_site(app)
    yield running
    await running.role.stop()


async def new_page(browser):  # type: ignore[no-untyped-def]
    page = await browser.new_page(viewport={"width": 1100, "height": 800})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # telegram-web-app.js lives on the internet; the app works from the URL fragment without it
    await page.route("https://telegram.org/**", lambda route: route.abort())
    return page, dialogs


async def test_post_page_shows_image_prompt_and_ai_label(app: App, site: Site) -> None:
    alice = await person(app, "alice")
    parent = await publish(app, alice, "a tide pool full of stars #sea", painted=True)
    post = await publish(
        app, await person(app, "bob"), "a tide pool at night #sea", painted=True, remix_of=parent
    )
    await app.services.engagement.comment(alice, post.id, "lovely colours")
    async with chromium() as browser:
        page, _ = await new_page(browser)
        response = await page.goto(site.links.post_url(post.id))
        assert response.status == 200
        image = page.locator("img.full")
        await image.wait_for()
        assert await image.evaluate("img => img.complete && img.naturalWidth") == 384
        assert await image.get_attribute("alt") == "a tide pool at night #sea"
        assert await page.locator(".prompt").inner_text() == "a tide pool at night #sea"
        assert "AI-generated" in await page.locator(".ai-label").inner_text()
        assert "lovely colours" in await page.locator(".comments").inner_text()
        await page.screenshot(path=SCREENSHOTS / "web-post.png", full_page=True)
        assert await serious_violations(page, axe_source()) == []
        await page.goto(site.links.post_url(post.id) + "/tree")
        assert await serious_violations(page, axe_source()) == []
        assert await page.locator(".tree img").count() == 2


async def test_profile_grid_shows_exactly_the_public_posts_and_followers_only_is_404(
    app: App, site: Site
) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    prompts = ["a fox in snow", "lighthouse at dusk", "neon koi", "paper boats", "moon garden"]
    public = [
        await publish(app, alice, prompt, color=(40 * n, 120, 255 - 40 * n), painted=True)
        for n, prompt in enumerate(prompts)
    ]
    hidden = await publish(app, alice, "for followers only", audience=Audience.FOLLOWERS)
    await publish(app, bob, "bob's picture")
    async with chromium() as browser:
        page, _ = await new_page(browser)
        await page.goto(site.links.profile_url(alice.id))
        grid = page.locator("ul.grid img")
        alts = sorted(await grid.evaluate_all("imgs => imgs.map(i => i.alt)"))
        assert alts == sorted(p.prompt for p in public)
        await page.wait_for_function(
            "() => [...document.querySelectorAll('ul.grid img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        await page.screenshot(path=SCREENSHOTS / "web-profile.png", full_page=True)
        assert await serious_violations(page, axe_source()) == []
        await page.goto(f"{site.url}/explore")
        assert await serious_violations(page, axe_source()) == []
        response = await page.goto(site.links.post_url(hidden.id))
        assert response.status == 404
        assert "for followers only" not in await page.content()


async def test_mini_app_shows_the_feed_and_a_like_there_shows_in_feed(app: App, site: Site) -> None:
    alice = await person(app, "alice")
    post = await publish(app, alice, "neon koi in a rain puddle", painted=True)
    bob = await person(app, "bob")
    await publish(app, bob, "paper boats on a canal", color=(230, 220, 200), painted=True)
    viewer = {"id": 880011, "first_name": "Tess", "username": "tess", "language_code": "en"}
    signed = sign_init_data(viewer, int(time.time()))
    async with chromium() as browser:
        page, _ = await new_page(browser)
        await page.goto(f"{site.url}/app#tgWebAppData={quote(signed)}")
        await page.locator("#feed li").first.wait_for()
        card = page.locator('#feed li:has(img[alt="neon koi in a rain puddle"])')
        assert await page.locator("#feed li").count() == 2
        await page.wait_for_function(
            "() => [...document.querySelectorAll('#feed img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        assert await serious_violations(page, axe_source()) == []
        await page.screenshot(path=SCREENSHOTS / "web-mini-app.png", full_page=True)
        await card.locator("button.like").click()
        await card.locator("button.like[aria-pressed=true]").wait_for()
    tess = await app.services.accounts.resolve(Platform.TELEGRAM, "880011", "Tess")
    assert await Reaction.exists(post_id=post.id, account_id=tess.id)
    chat = ChatUser(app, "880011", Platform.TELEGRAM)  # the same person, in the bot's chat
    feed = await chat.say("/feed")
    koi = [r for r in feed if r.post_id == post.id]
    assert koi and find_button(koi, "unlike"), "the like made in the Mini App shows in /feed"


async def test_forged_init_data_gets_401_and_the_app_says_so(app: App, site: Site) -> None:
    await publish(app, await person(app, "alice"), "not for forgers")
    forged = sign_init_data({"id": 1, "first_name": "Eve"}, int(time.time()), token="1:forged")
    async with chromium() as browser:
        page, _ = await new_page(browser)
        statuses: list[int] = []
        page.on("response", lambda r: statuses.append(r.status) if "/app/api/" in r.url else None)
        await page.goto(f"{site.url}/app#tgWebAppData={quote(forged)}")
        await page.locator("#status", has_text="Open Mosaic from Telegram").wait_for()
        assert statuses == [401]
        assert await page.locator("#feed li").count() == 0


async def test_a_script_in_a_prompt_is_text_and_never_runs(app: App, site: Site) -> None:
    prompt = "<script>alert(1)</script><img src=/nope onerror=alert(2)>"
    post = await publish(app, await person(app, "mallory"), prompt)
    signed = sign_init_data({"id": 990, "first_name": "Viewer"}, int(time.time()))
    async with chromium() as browser:
        page, dialogs = await new_page(browser)
        await page.goto(site.links.post_url(post.id))
        assert await page.locator(".prompt").inner_text() == prompt
        await page.goto(f"{site.url}/explore?q=script")
        await page.goto(f"{site.url}/app#tgWebAppData={quote(signed)}")
        await page.locator(f'#feed img[alt="{prompt}"]').wait_for()
        await page.wait_for_timeout(300)  # time for an injected handler to fire, if any
        assert dialogs == []
