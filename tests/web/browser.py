"""Real headless Chromium (Debian's package) driven by Playwright, and axe-core from npm.

Never a downloaded browser: Playwright is pointed at /usr/bin/chromium. Where Chromium or npm
is missing the tests skip saying so, unless MOSAIC_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The flags that keep Chromium off the network it has no business with (python-svc.md).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("MOSAIC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (MOSAIC_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def chromium_path() -> str:
    path = os.environ.get("MOSAIC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing("no Chromium: apt-get install -y chromium (Debian's package)")
    return path


def axe_source() -> str:
    """axe-core as the project's package-lock.json pins it (`npm ci` on first use)."""
    if not AXE.exists():
        if shutil.which("npm") is None:
            _missing("no npm to install axe-core (package-lock.json)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True
        )
    return AXE.read_text(encoding="utf-8")


@asynccontextmanager
async def chromium() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    executable = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


async def serious_violations(page: object, source: str) -> list[str]:
    """axe-core's serious and critical findings on the page (run through DevTools, so the
    page's CSP, which forbids inline scripts, stays on)."""
    await page.evaluate(source)  # type: ignore[attr-defined]
    found = await page.evaluate(  # type: ignore[attr-defined]
        """async () => (await axe.run(document)).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    return list(found)
