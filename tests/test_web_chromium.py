"""The web front in real Chromium (Debian's, driven by Playwright through ``executable_path``; nothing downloaded):
uvicorn serves the demo county on 127.0.0.1, a township leader signs in on a 375 px phone and a county officer at a
1366 px desk. The screenshots go to ``docs/`` for the README. The page must fit the phone's width, load the
vendored htmx under the Content-Security-Policy, and log no error."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rectify.config import Config
from rectify.store import open_database
from tests.conftest import FakeClock
from tests.web_helpers import service, serving

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = "/usr/bin/chromium"


def _playwright() -> Any:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: apt-get install -y chromium")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright not installed (pip install '.[test]')")
    return sync_playwright


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[str]:
    """The demo county (as of 2026-06-30) served by uvicorn on a free port of 127.0.0.1; yields the base URL."""
    from rectify.demo.demo import build_demo
    from rectify.web.app import create_app

    path = tmp_path / "rectify.sqlite"
    shutil.copy(sqlite_template, path)
    db = open_database(str(path))
    clock.set_day("2026-06-30")
    build_demo(db, Config(), date(2026, 6, 30))
    app = create_app(service(db, Config(), clock), secret_key=b"chromium-test-key-chromium-test-key")
    try:
        with serving(app) as base:
            yield base
    finally:
        db.dispose()


def _sign_in(page: Any, base: str, login: str) -> None:
    from rectify.demo.demo_data import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_township_leader_signs_in_on_a_phone_and_an_officer_at_a_desk(served: str) -> None:
    sync_playwright = _playwright()
    DOCS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True, locale="zh-CN")
            phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            phone.on("pageerror", lambda e: problems.append(str(e)))
            phone.goto(f"{served}/login")
            assert phone.title() == "登录 · 软弱涣散基层党组织整顿"
            phone.screenshot(path=str(DOCS / "web-login-phone.png"))
            _sign_in(phone, served, "qs-han")
            assert phone.inner_text("h1") == "我的待办"
            assert "韩青松" in phone.inner_text("header")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
            assert phone.evaluate("typeof window.htmx") == "object"  # the vendored htmx ran under the CSP
            tap = phone.locator("nav a").first.bounding_box()
            assert tap is not None and tap["height"] >= 44  # a finger's target
            # docs/web-inbox-phone.png is the walkthrough's (tests/test_web_walk.py), with its case in the inbox

            desk = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            desk.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _sign_in(desk, served, "qs-qian")
            nav, main = desk.locator("nav").bounding_box(), desk.locator("main").bounding_box()
            assert nav is not None and main is not None
            assert nav["x"] == 0 and nav["width"] < 300 and main["x"] >= nav["width"]  # the menu down the side
            desk.screenshot(path=str(DOCS / "web-inbox-desk.png"))
            desk.click("text=退出")
            desk.wait_for_url(f"{served}/login")
        finally:
            browser.close()
    assert problems == []
