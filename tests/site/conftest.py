"""Fixtures for the browser tests: the built site served on loopback, and the system Chromium.

These tests run after the book is built (`make test` runs them as its last stage). They use Playwright's
Python package to drive the machine's own Chromium (Debian's ``chromium`` package): nothing is downloaded.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from sitepaths import SITE

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("L2COURSE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "intro.html").is_file():
        pytest.fail(f"no built site in {SITE}: build it first (make book or make test)")
    return SITE


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "BROWSER TESTS SKIPPED: no Chromium found (install Debian's `chromium` package, as .ci/run does, "
            "or set L2COURSE_CHROMIUM). The site was NOT checked in a browser."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()


@pytest.fixture(scope="session")
def page_facts(browser, base_url):
    """``page_facts(name)``: the facts of one first visit of a page, collected once per session."""
    from browsing import visit

    cache: dict[str, dict] = {}

    def facts(name: str) -> dict:
        if name not in cache:
            cache[name] = visit(browser, base_url, name)
        return cache[name]

    return facts
