"""安全设置 on the web (SPEC §12: "set by an admin (`rectify security set KEY VALUE` or the web admin page)"): the
admin's page shows each setting's database, file and effective value and who set it last, and changes one by the
rules of ``security set`` — only an admin, loosening only for an admin of every county, each change signed; a refusal
is one line beside its setting, a 4xx, and writes nothing. Anyone else finds no such page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from rectify.config import Config
from rectify.store import Database
from rectify.write.security import web_security
from tests.conftest import snapshot
from tests.test_web_chromium import CHROMIUM, _playwright, _sign_in, served  # noqa: F401 (the fixture)
from tests.test_web_pages import app, client_for  # noqa: F401 (app is the fixture)
from tests.web_helpers import csrf


def _beside(html: str, key: str) -> str:
    """The error shown under the setting's own field ('' when none)."""
    found = re.search(rf'<p class="error" id="e-{key}" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_the_admin_tightens_a_setting_and_the_web_applies_it(app: Any, db: Database) -> None:  # noqa: F811 (the fixture)
    with client_for(app, "qs-admin") as admin:
        page = admin.get("/security")
        assert page.status_code == 200 and '<a href="/security" aria-current="page">安全设置</a>' in page.text
        assert "网页登录密码最短长度（字符）" in page.text and 'value="10"' in page.text
        done = admin.post("/security", data={"csrf_token": csrf(page.text), "key": "min_password_length",
                                             "value": "12"})
        assert done.status_code == 200
        assert "安全设置 min_password_length：10 → 12（县委组织部 周文博 修改）" in done.text
        assert "最近修改：县委组织部 周文博" in done.text
    assert web_security(db, Config()).min_password_length == 12  # what sign-in and password changes now check


def test_a_refusal_stands_beside_its_setting_and_writes_nothing(app: Any, db: Database) -> None:  # noqa: F811 (the fixture)
    with client_for(app, "qs-admin") as admin:
        token = csrf(admin.get("/security").text)
        before = snapshot(db)
        # The county's admin may tighten, not loosen: loosening is felt by every county.
        loose = admin.post("/security", data={"csrf_token": token, "key": "session_idle_minutes", "value": "600"})
        assert loose.status_code == 422
        assert "不能放宽安全设置 session_idle_minutes" in _beside(loose.text, "session_idle_minutes")
        assert 'value="600"' in loose.text  # the value as typed, to correct
        bad = admin.post("/security", data={"csrf_token": token, "key": "min_password_length",
                                            "value": "<script>alert(1)</script>"})
        assert bad.status_code == 400 and "的整数" in _beside(bad.text, "min_password_length")
        assert "<script>alert(1)" not in bad.text and "&lt;script&gt;" in bad.text
        unknown = admin.post("/security", data={"csrf_token": token, "key": "no_such", "value": "1"})
        assert unknown.status_code == 400 and "未知的安全设置 no_such" in unknown.text
        if db.dialect == "sqlite":
            pg_only = admin.post("/security", data={"csrf_token": token, "key": "actor_from_database",
                                                    "value": "true"})
            assert pg_only.status_code == 422
            assert "只适用于 PostgreSQL" in _beside(pg_only.text, "actor_from_database")
        assert snapshot(db) == before


def test_nobody_but_the_admin_finds_the_page_and_no_forged_post_writes(app: Any, db: Database) -> None:  # noqa: F811 (the fixture)
    han, admin = client_for(app, "qs-han"), client_for(app, "qs-admin")  # 乡镇包村领导, 系统管理员
    before = snapshot(db)
    with TestClient(app, follow_redirects=False) as anonymous:
        assert anonymous.get("/security").status_code in (302, 303)
        assert anonymous.post("/security", data={"key": "min_password_length", "value": "8"}).status_code in (
            302, 303, 403)
    with han:
        page = han.get("/")
        assert "/security" not in page.text  # not in the menu
        assert han.get("/security").status_code == 404
        assert han.post("/security", data={"csrf_token": csrf(page.text), "key": "min_password_length",
                                           "value": "20"}).status_code == 404
    with admin:
        token = csrf(admin.get("/security").text)
        form = {"key": "min_password_length", "value": "20"}
        assert admin.post("/security", data=form).status_code == 403  # no token
        assert admin.post("/security", data={**form, "csrf_token": token},
                          headers={"Origin": "https://evil.example"}).status_code == 403
    assert snapshot(db) == before


def test_the_page_in_chromium_on_a_phone_and_at_a_desk(served: str, tmp_path: Path) -> None:  # noqa: F811
    sync_playwright = _playwright()
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True, locale="zh-CN")
            phone.on("pageerror", lambda e: problems.append(str(e)))
            _sign_in(phone, served, "qs-admin")
            phone.goto(f"{served}/security")
            assert phone.inner_text("h1") == "安全设置"
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
            phone.fill("#v-session_idle_minutes", "600")
            phone.click("#s-session_idle_minutes button[type=submit]")
            error = phone.locator("#e-session_idle_minutes")
            assert "不能放宽" in error.inner_text() and error.is_visible()
            phone.screenshot(path=str(tmp_path / "security-phone.png"), full_page=True)

            desk = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            desk.on("pageerror", lambda e: problems.append(str(e)))
            _sign_in(desk, served, "qs-admin")
            desk.goto(f"{served}/security")
            desk.fill("#v-min_password_length", "14")
            desk.click("#s-min_password_length button[type=submit]")
            assert "10 → 14" in desk.inner_text(".message.ok")
            assert desk.input_value("#v-min_password_length") == "14"
            desk.screenshot(path=str(tmp_path / "security-desk.png"), full_page=True)
        finally:
            browser.close()
    assert not problems
