"""Open report pages in headless Chromium with the network off and say what broke.

Playwright drives the system Chromium (no browser download). A page is whole when nothing it
loads fails, no script logs an error or throws, and every link to a local file resolves.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)


@dataclass
class PageCheck:
    page: Path
    failed: list[str] = field(default_factory=list)  # requests that did not load
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions
    links: list[str] = field(default_factory=list)  # every <a href>, resolved by the browser
    counts: dict[str, int] = field(default_factory=dict)  # elements per selector asked for

    def broken_links(self) -> list[str]:
        """Links to a local file that is not there, and any link that needs the network."""
        broken = []
        for link in self.links:
            url = urlsplit(link)
            if url.scheme == "file":
                if not Path(unquote(url.path)).exists():
                    broken.append(link)
            elif url.scheme not in ("javascript", "about", "data"):
                broken.append(link)
        return broken


def crawl(
    pages: list[Path],
    screenshots: dict[Path, Path] | None = None,
    count: tuple[str, ...] = (),
    viewport: tuple[int, int] = (1280, 900),
) -> list[PageCheck]:
    """Load each page offline, count the elements matching each CSS selector in `count` once
    its scripts ran, and screenshot the pages named in `screenshots` (page -> png)."""
    from playwright.sync_api import Error, sync_playwright

    screenshots = screenshots or {}
    width, height = viewport
    checks = []
    with sync_playwright() as playwright:

        def context():
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            return browser.new_context(offline=True, viewport={"width": width, "height": height})

        browser_context = context()
        for page_path in pages:
            try:
                check = _visit(browser_context, page_path, screenshots, count)
            except Error as closed:
                # Chromium closed under a full test run's load once (2026-12-07, the page
                # passed alone): a new browser gets one more try; a page that closes it twice
                # fails the test.
                if "closed" not in str(closed):
                    raise
                browser_context = context()
                check = _visit(browser_context, page_path, screenshots, count)
            checks.append(check)
        browser_context.browser.close()
    return checks


def _visit(
    context: Any, page_path: Path, screenshots: dict[Path, Path], count: tuple[str, ...]
) -> PageCheck:
    """One page loaded in `context`: what failed, its links and element counts."""
    check = PageCheck(page_path)
    page = context.new_page()
    page.on("requestfailed", lambda r: check.failed.append(r.url))
    page.on("pageerror", lambda e: check.errors.append(str(e)))
    page.on("console", lambda m: check.errors.append(m.text) if m.type == "error" else None)
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    check.links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    check.counts = {selector: page.locator(selector).count() for selector in count}
    if page_path in screenshots:
        screenshots[page_path].parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots[page_path]), full_page=True)
    page.close()
    return check
