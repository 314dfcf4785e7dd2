"""The end-to-end browser test's setup: Debian's chromium driven by Playwright's sync API
against pytest-django's live server (a thread of this process, so a time_machine travel in the
test moves the server's clock too).

Without chromium the test skips with a notice (``make browser`` installs it), except under
CI=true, where a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from jingzhun.accounts.models import User
from jingzhun.areas.loading import load_divisions_into_db
from tests.conftest import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    message = "chromium is not installed: `make browser` installs Debian's chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true requires the browser test.", pytrace=False)
    pytest.skip(f"{message} (as root).")


@pytest.fixture
def browser() -> Iterator[object]:
    executable = chromium_path()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (the
    # personas, the checks) are still plain synchronous code, which Django must be told. Only
    # for the test's duration: the worker's later tests must not inherit it (a subprocess
    # running `check --deploy` would refuse it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def shanxi(transactional_db) -> None:
    """The division list. The live server needs committed data (a transactional test), and a
    transactional test's flush at teardown empties every table, the divisions loaded once per
    session included: load them again if an earlier one removed them."""
    load_divisions_into_db(["14"])


@pytest.fixture
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _watch_policy(context: object, refused: list[str]) -> None:
    """Collect what the browser refused under the pages' Content-Security-Policy: a page that
    needs an inline script or a style element is a bug (the test fails at teardown)."""

    def on_console(message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            refused.append(text)

    context.on("page", lambda page: page.on("console", on_console))  # type: ignore[attr-defined]


@pytest.fixture
def policy_refusals() -> Iterator[list[str]]:
    refused: list[str] = []
    yield refused
    assert refused == [], refused


@pytest.fixture
def log_in(browser, live_server, policy_refusals) -> Iterator[Callable[..., object]]:
    """``log_in(user)``: a new browser context (its own cookies) logged in through the real
    login page; the page is returned on the page the login redirects to."""
    contexts = []

    def log_in(user: User, password: str = PASSWORD, **options: object):
        # ``options``: more of the browser context's settings (a phone's viewport, touch).
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        _watch_policy(context, policy_refusals)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    yield log_in
    for context in contexts:
        context.close()


@pytest.fixture
def anonymous(browser, live_server, policy_refusals) -> Iterator[Callable[[], object]]:
    """``anonymous()``: a fresh context with no session, for the public pages."""
    contexts = []

    def anonymous():
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        _watch_policy(context, policy_refusals)
        contexts.append(context)
        return context.new_page()

    yield anonymous
    for context in contexts:
        context.close()
