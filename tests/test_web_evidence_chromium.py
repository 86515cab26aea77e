"""佐证材料 in real Chromium (SPEC §14), on both backends: on a 375 px phone the demo's township leader attaches two
photos and the minutes to a progress report; at a desk the county officer sees them on the case page and downloads
the same bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from rectify.config import Config, EvidenceConfig
from rectify.service import Service
from rectify.states.stages import Stage
from rectify.store import Database
from tests.conftest import FakeClock
from tests.evidence_helpers import PDF, photo, write
from tests.test_web_chromium import CHROMIUM, DOCS, _playwright, _sign_in
from tests.web_helpers import serving


def base_db_name(svc: Service) -> str:
    return str(svc.db.url)


@pytest.fixture
def served(db: Database, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[str, Service]]:
    """The demo county on the test's backend, served by uvicorn on a free port; the base URL and the service."""
    from rectify.demo.demo import build_demo
    from rectify.web.app import create_app

    clock.set_day("2026-06-30")
    build_demo(db, Config(), date(2026, 6, 30))
    svc = Service(db, Config(evidence=EvidenceConfig(folder=str(tmp_path / "evidence"))), clock)
    app = create_app(svc, secret_key=b"chromium-test-key-chromium-test-key")
    with serving(app) as base:
        yield base, svc


def test_a_leader_attaches_photos_and_minutes_on_a_phone_and_the_county_downloads_them(
        served: tuple[str, Service], tmp_path: Path) -> None:
    sync_playwright = _playwright()
    base, svc = served
    reader = svc.identify("钱明远")
    case_id = next(r["case_id"] for r in svc.cases(reader, stage=Stage.secretary_assigned)
                   if r["township"] == "河口镇")
    sign, board = write(tmp_path, "警示牌.jpg", photo("red")), write(tmp_path, "公示栏.jpg", photo("green"))
    minutes = write(tmp_path, "支委会会议纪要.pdf", PDF)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                     locale="zh-CN")
            phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _sign_in(phone, base, "qs-han")
            phone.goto(f"{base}/cases/{case_id}")
            phone.click("a[href$='/steps/progress']")
            phone.fill("#f-note", "召开支委会，更换警示牌，公示栏更新")
            phone.set_input_files("#f-files", [str(sign), str(board), str(minutes)])
            phone.fill("#f-files-captions", "照片：新的警示牌\n照片：公示栏\n会议纪要：6月支委会记录")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375
            if "sqlite" in base_db_name(svc):
                phone.locator("#f-files").scroll_into_view_if_needed()
                phone.screenshot(path=str(DOCS / "web-evidence-phone.png"))
            with phone.expect_navigation():
                phone.click("form.form button[type=submit]")
            assert phone.url == f"{base}/cases/{case_id}?done=progress", phone.inner_text("main")
            shown = phone.inner_text("main")
            assert "警示牌.jpg" in shown and "支委会会议纪要.pdf" in shown and "6月支委会记录" in shown
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375

            desk = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
            desk.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            _sign_in(desk, base, "qs-qian")
            desk.goto(f"{base}/cases/{case_id}")
            assert desk.locator("img[src$='/thumb']").count() == 2
            for thumb in desk.locator("img[src$='/thumb']").all():
                thumb.scroll_into_view_if_needed()
                desk.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=thumb.element_handle())
            for original in (minutes, sign):
                with desk.expect_download() as info:
                    desk.click(f"a[download]:has-text('{original.name}')")
                download = info.value
                assert download.suggested_filename == original.name
                got = Path(download.path()).read_bytes()
                assert hashlib.sha256(got).hexdigest() == hashlib.sha256(original.read_bytes()).hexdigest()
        finally:
            browser.close()
    assert problems == []
    files = svc.files(reader, case_id)
    assert [(f["kind"], f["caption"]) for f in files] == [("照片", "新的警示牌"), ("照片", "公示栏"),
                                                          ("会议纪要", "6月支委会记录")]
