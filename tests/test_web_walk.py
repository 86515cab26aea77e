"""A whole case on the web in real Chromium (SPEC §13), from 列入整顿 to 销号, each step signed in as the person whose
role takes it: the county officer at a 1366 px desk lists an organization of 河口镇, files the plan and sends the
first secretary; the township leader on a 375 px phone reports progress, marks each measure done and applies for
验收, each two taps from 我的待办; the verifier scores it; after the 公示 (the served clock moves on) the approver
strikes it off. Every form lands on the case page with 已办理; the phone never scrolls sideways; nothing is
logged to the console (the Content-Security-Policy holds). The screenshots of the phone's inbox and the desk's
case page go to ``docs/`` for the README."""

from __future__ import annotations

import re
from typing import Any

from tests import test_web_chromium
from tests.conftest import FakeClock
from tests.test_web_chromium import CHROMIUM, DOCS, _playwright, _sign_in

served = test_web_chromium.served  # the fixture: the demo county served by uvicorn on 127.0.0.1

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 740}


class Walk:
    """One browser; a fresh page (its own cookies) per person, the console watched on each."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base = browser, base
        self.problems: list[str] = []

    def person(self, login: str, *, phone: bool) -> Any:
        context = self.browser.new_context(viewport=PHONE if phone else DESK, locale="zh-CN",
                                           device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(f"{login}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"{login}: {e}"))
        _sign_in(page, self.base, login)
        return page

    def submit(self, page: Any, case_id: int, fields: dict[str, str], *, phone: bool = False) -> None:
        """Fills the open step form, submits it, and lands on the case page with 已办理."""
        for name, value in fields.items():
            selector = f"#f-{name}"
            if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
        if phone:
            fits(page)
        page.click("form.form button[type=submit]")
        page.wait_for_url(re.compile(rf"{self.base}/cases/{case_id}\?done="))
        assert "已办理" in page.inner_text(".message.ok"), page.inner_text("main")
        if phone:
            fits(page)

    def step(self, page: Any, case_id: int, name: str, fields: dict[str, str], *, phone: bool = False) -> None:
        """From the case page: the step's button, then its form."""
        page.click(f"a.button[href='/cases/{case_id}/steps/{name}']")
        page.wait_for_url(f"{self.base}/cases/{case_id}/steps/{name}")
        self.submit(page, case_id, fields, phone=phone)


def fits(page: Any) -> None:
    """No sideways scrolling on the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_whole_case_from_listing_to_strike_off_in_chromium(served: str, clock: FakeClock) -> None:
    sync_playwright = _playwright()
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        walk = Walk(browser, served)
        try:
            # 县委组织部经办人 at a desk: 列入整顿 from the organization's row, the plan, the first secretary.
            desk = walk.person("qs-qian", phone=False)
            desk.goto(f"{served}/orgs?township=河口镇")
            desk.locator("a[href$='/open']").first.click()
            desk.wait_for_url(re.compile(rf"{served}/orgs/[^/]+/open"))
            name = desk.inner_text("h1").removeprefix("列入整顿：")
            desk.fill("#f-problems", "P01:书记空缺半年\nP04:组织生活不正常")
            desk.fill("#f-identified", "2026-06-30")
            desk.fill("#f-deadline", "2026-12-31")
            desk.fill("#f-detail", "班子不全，三会一课长期不开")
            desk.fill("#f-officer", "钱明远")
            desk.select_option("#f-village_secretary", "")
            desk.click("form.form button[type=submit]")
            desk.wait_for_url(re.compile(rf"{served}/cases/\d+\?done=open"))
            assert "已办理" in desk.inner_text(".message.ok")
            case_id = int(re.findall(r"/cases/(\d+)", desk.url)[0])
            assert desk.inner_text("h1") == name
            walk.step(desk, case_id, "plan", {
                "measures": "P01|选配村党组织书记|韩青松（河口镇党委）|2026-09-30\n"
                            "P04|恢复三会一课|韩青松（河口镇党委）|2026-10-31",
                "county_leader": "刘建华", "township_cadre": "秦小川", "helping_unit": "县农业农村局"})
            walk.step(desk, case_id, "assign-secretary", {"name": "李文杰", "unit": "县农业农村局",
                                                          "since": "2026-06-30"})

            # 乡镇包村领导 on a phone: each step two taps from 我的待办 (the case, then the step's button).
            phone = walk.person("qs-han", phone=True)
            fits(phone)
            assert phone.locator(f"a[href='/cases/{case_id}']").count() >= 1  # the new case is in 我的待办
            phone.screenshot(path=str(DOCS / "web-inbox-phone.png"))
            for step, fields in (("progress", {"on": "2026-06-30", "note": "召开党员大会，补选支部委员"}),
                                 ("measure-done", {"on": "2026-06-30"}), ("measure-done", {"on": "2026-06-30"}),
                                 ("rectified", {"on": "2026-06-30", "opinion": "逐项初验，两项措施均已完成"})):
                phone.goto(f"{served}/")
                phone.locator(f"a[href='/cases/{case_id}']").first.click()
                phone.wait_for_url(f"{served}/cases/{case_id}")
                fits(phone)
                walk.step(phone, case_id, step, fields, phone=True)
            assert "未完成" not in phone.inner_text("table.grid")
            assert phone.inner_text("ol.timeline").count("召开党员大会，补选支部委员") == 1  # the note once

            # 县级验收组: the score sheet and the 民主测评.
            verifier = walk.person("qs-kong", phone=False)
            verifier.goto(f"{served}/cases/{case_id}")
            walk.step(verifier, case_id, "verify", {
                "on": "2026-06-30", "by": "县级验收组", "members": "孔立群\n吴国平",
                "items": "班子=16\n队伍=15\n场所=15\n载体=14\n制度=14\n业绩=14",
                "satisfied": "40", "basic": "5", "dissatisfied": "1"})
            assert "公示至" in verifier.inner_text("main")

            # The 公示 runs its five working days; then 县委组织部 (审批) strikes it off.
            clock.advance(days=10)
            approver = walk.person("qs-zheng", phone=False)
            approver.goto(f"{served}/cases/{case_id}")
            walk.step(approver, case_id, "strike-off", {"on": "2026-07-10", "doc_no": "青组字〔2026〕31号"})
            text = approver.inner_text("main")
            assert "已验收销号" in text and "销号：2026-07-10" in text
            approver.screenshot(path=str(DOCS / "web-case-desk.png"), full_page=True)
        finally:
            browser.close()
    assert walk.problems == []
