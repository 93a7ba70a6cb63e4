"""End-to-end browser fixtures: a live server for the session ``app`` and Playwright Chromium.

Chromium comes from Debian (``/usr/bin/chromium``); Playwright never downloads a browser here.
Without Chromium the browser tests FAIL with a clear message, unless E2E_ALLOW_SKIP=1.
On a test failure a full-page screenshot and the page HTML are saved in E2E_ARTIFACTS
(default ``<repo>/test-artifacts``).
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _artifacts_dir() -> Path:
    return Path(os.environ.get("E2E_ARTIFACTS") or REPO_DIR / "test-artifacts")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the migrated, seeded session ``app`` on a free local port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(Playwright browser downloads are not used). Set E2E_ALLOW_SKIP=1 to skip instead."
        )
        if os.environ.get("E2E_ALLOW_SKIP") == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _save_artifacts(page, request.node.nodeid)
        context.close()


def _save_artifacts(page, nodeid: str) -> None:
    folder = _artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    screenshot, html = folder / f"{stem}.png", folder / f"{stem}.html"
    try:
        page.screenshot(path=str(screenshot), full_page=True, timeout=TIMEOUT_MS)
    except Exception as exc:  # the page may be gone; still try the HTML
        print(f"\n[e2e] screenshot failed: {exc}")
    try:
        html.write_text(page.content(), encoding="utf-8")
    except Exception as exc:
        print(f"\n[e2e] saving HTML failed: {exc}")
    print(f"\n[e2e] failure artifacts for {nodeid} (url {page.url}) saved in {folder}: {screenshot.name}, {html.name}")


@pytest.fixture
def login_page(page):
    """Log ``page`` in through FAB's login form; returns a function(username, password='demo')."""
    from playwright.sync_api import expect

    def _login(username: str, password: str = "demo"):
        page.goto("/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form [type=submit]").first.click()
        page.wait_for_load_state()
        expect(page).not_to_have_url(re.compile(r"/login/?(\?|$)"))
        expect(page.locator("a[href*='/logout']")).to_have_count(1)
        return page

    return _login
