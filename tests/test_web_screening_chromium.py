"""The 排查 screen and the city's 报送 list in real Chromium (Debian's, through Playwright's ``executable_path``):
a county officer at a 1366 px desk and on a 375 px phone, a city supervisor at a desk. The screenshots go to
``docs/`` for the README; the page fits the phone's width and logs no error."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rectify.config import Config
from rectify.states.permissions import Actor
from rectify.store import open_database
from tests.conftest import FakeClock
from tests.test_web_chromium import CHROMIUM, DOCS, _playwright, _sign_in
from tests.web_helpers import service, serving

QIAN = Actor("钱明远", "县委组织部组织二科", role="county_officer", counties=("青山县",))
HAN = Actor("韩青松", "河口镇党委", role="township_leader", counties=("青山县",), township="河口镇")


def _screen_some(db: Any, clock: FakeClock) -> None:
    """青山县 2026: a round under way in 河口镇, one organization meeting a hard criterion without a reason yet."""
    from rectify.write.screening import Screening

    s, t = Screening(db, Config(), actor=QIAN, clock=clock), Screening(db, Config(), actor=HAN, clock=clock)
    s.start("青山县", 2026, date(2026, 6, 1))
    for n, problems in ((1, ["P03:三会一课不落实", "P05"]), (4, ["P02"]), (7, [])):
        s.finding(f"QS02{n:03d}", "self_check", problems[:1], on=date(2026, 6, 2))
        t.finding(f"QS02{n:03d}", "township_review", problems, on=date(2026, 6, 3))
    s.check("QS02002", respondents=40, satisfied=10, basic=10, dissatisfied=20, on=date(2026, 6, 4))
    s.check("QS02004", respondents=30, satisfied=20, basic=6, dissatisfied=4, on=date(2026, 6, 4))
    s.judge("QS02001", "listed", on=date(2026, 6, 5))
    s.judge("QS02004", "listed", on=date(2026, 6, 5))
    s.judge("QS02007", "not_listed", reason="复查未发现软弱涣散情形", on=date(2026, 6, 5))


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[str]:
    from rectify.demo.demo import build_demo
    from rectify.web.app import create_app

    path = tmp_path / "rectify.sqlite"
    shutil.copy(sqlite_template, path)
    db = open_database(str(path))
    clock.set_day("2026-06-30")
    build_demo(db, Config(), date(2026, 6, 30))
    _screen_some(db, clock)
    app = create_app(service(db, Config(), clock), secret_key=b"chromium-test-key-chromium-test-key")
    try:
        with serving(app) as base:
            yield base
    finally:
        db.dispose()


def test_the_screening_screen_at_a_desk_and_on_a_phone(served: str) -> None:
    sync_playwright = _playwright()
    DOCS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            desk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            desk.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _sign_in(desk, served, "qs-qian")
            desk.click("nav >> text=排查")
            desk.wait_for_url(f"{served}/screening")
            assert desk.inner_text("h1") == "青山县 2026 年度排查"
            assert "符合硬性情形而未列入、未说明理由（1 个）" in desk.inner_text("main")
            desk.goto(f"{served}/screening?county=青山县&year=2026&township=河口镇")
            desk.screenshot(path=str(DOCS / "web-screening-desk.png"), full_page=False)
            desk.click("a[href*='steps/judge'][href*='QS02002']")
            assert desk.inner_text("h1") == "研判"
            desk.select_option("#f-outcome", "not_listed")
            desk.click("button.primary")
            assert "不列入须说明理由" in desk.inner_text("main")  # refused, beside the form, nothing written
            desk.fill("#f-reason", "测评后已调整班子分工")
            desk.click("button.primary")
            desk.wait_for_url("**/screening?**")
            assert "已办理：已研判" in desk.inner_text("main") and "未说明理由" not in desk.inner_text("main")

            phone = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                     has_touch=True, locale="zh-CN")
            phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            phone.on("pageerror", lambda e: problems.append(str(e)))
            _sign_in(phone, served, "qs-han")
            phone.goto(f"{served}/screening")
            assert phone.inner_text("h1") == "青山县 2026 年度排查"
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
            phone.evaluate("document.querySelectorAll('h2')[1].scrollIntoView()")
            phone.screenshot(path=str(DOCS / "web-screening-phone.png"))

            city = browser.new_page(viewport={"width": 1366, "height": 600}, locale="zh-CN")
            city.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _sign_in(city, served, "city-chu")
            city.click("nav >> text=报送")
            assert city.inner_text("h1") == "报送情况" and "逾期未报" in city.inner_text("main")
            city.screenshot(path=str(DOCS / "web-submissions-desk.png"))
        finally:
            browser.close()
    refused = [m for m in problems if "status of 422" in m]
    assert len(refused) == 1  # the 研判 refused on purpose above; nothing else went wrong
    assert [m for m in problems if m not in refused] == []
