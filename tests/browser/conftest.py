"""Chromium for the browser tests, driven by Playwright's sync API from a thread of its own.

Why a thread of its own: from ``sync_playwright().start()`` until ``stop()``, the
thread that started Playwright has an asyncio event loop marked as running, and
Django refuses ORM calls in such a thread (``SynchronousOnlyOperation``). A
session-scoped browser in the test thread would keep that loop for the rest of
the run, so the database teardown of every later test would fail unless
``DJANGO_ALLOW_ASYNC_UNSAFE`` switched the check off for everyone. Here every
Playwright call runs on one dedicated thread, and the test thread keeps the ORM:
tests set up data as usual, then hand the browser steps to ``BrowserThread.run``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class BrowserRun[T]:
    """What a scenario returned, and every error the page logged while it ran."""

    result: T
    console_errors: list[str]


class BrowserThread:
    """One Chromium for the session; every Playwright call runs on the same thread."""

    def __init__(self) -> None:
        # One worker: Playwright's sync objects belong to the thread that made them.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def start(self) -> None:
        self._executor.submit(self._launch).result()

    def stop(self) -> None:
        self._executor.submit(self._close).result()
        self._executor.shutdown()

    def run[T](self, scenario: Callable[[Page], T]) -> BrowserRun[T]:
        """Run ``scenario`` in a fresh 1280x800 page with its own cookies."""
        return self._executor.submit(self._run, scenario).result()

    def _launch(self) -> None:
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )

    def _close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _run[T](self, scenario: Callable[[Page], T]) -> BrowserRun[T]:
        assert self._browser is not None, "BrowserThread.start() first"
        context = self._browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        # CSP violations, failed loads and script errors all surface here.
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        try:
            result = scenario(page)
        finally:
            context.close()
        return BrowserRun(result=result, console_errors=errors)


@pytest.fixture(scope="session")
def browser() -> Iterator[BrowserThread]:
    """Chromium, launched once per session: each launch costs about a second."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"Chromium not installed at {CHROMIUM}; CI must run `make browser`",
                pytrace=False,
            )
        pytest.skip(f"Chromium not installed at {CHROMIUM}; run `make browser`")
    thread = BrowserThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, started only once the test database exists.

    Its own ``live_server`` does not depend on the database, so a test naming it
    first starts the server before the in-memory SQLite test database is created;
    the server then cannot share the test thread's connection, and each request
    thread opens one of its own that is never closed (closing an in-memory SQLite
    connection is a no-op), failing the run with a ResourceWarning.
    """
    return live_server
