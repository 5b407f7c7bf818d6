"""Debian's Chromium driven by Playwright: open a page, record what the browser did.

Playwright cannot download its own browsers here, so it launches the system's
``/usr/bin/chromium`` (installed by scripts/system-deps) with a fresh profile and
without the background services that would try to reach the internet. WebGL
runs on SwiftShader, Chromium's software renderer, so MapLibre draws without a
GPU.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Response, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


@dataclass
class Visit:
    """Everything a page did while it was open."""

    page: Page
    requests: list[str] = field(default_factory=list)
    responses: list[tuple[int, str, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def record(self) -> None:
        """Start listening on the page; call before navigating."""

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.console_errors.append(f"{message.text} at {message.location}")

        def on_response(response: Response) -> None:
            content_type = response.headers.get("content-type", "")
            self.responses.append((response.status, response.url, content_type))

        def on_failed(request: Request) -> None:
            self.failed.append(f"{request.url}: {request.failure}")

        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("response", on_response)
        self.page.on("requestfailed", on_failed)


@contextmanager
def chromium_page(locale: str) -> Iterator[Visit]:
    """A page of a new Chromium with ``locale`` (its Accept-Language), recording from the start."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/system-deps")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            locale=locale,
        )
        try:
            visit = Visit(context.pages[0] if context.pages else context.new_page())
            visit.record()
            yield visit
        finally:
            context.close()
