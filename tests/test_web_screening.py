"""排查 and 报送 on the web (SPEC §15): a county officer screens the demo county's register through forms generated
from the declared screening steps, a township leader records the 乡镇复查 of their township only, the 名单 prints,
and the city sees who has reported. Every refusal writes nothing; every form carries its CSRF token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from rectify.config import Config
from rectify.demo.demo_data import DEMO_PASSWORD
from rectify.service import Service
from rectify.store import Database
from rectify.web.app import create_app
from tests.conftest import FakeClock, snapshot
from tests.web_helpers import KEY, csrf, sign_in

Q = "county=青山县&year=2026"


@pytest.fixture
def app(demo: Callable[..., Result], db: Database, clock: FakeClock) -> Any:
    return create_app(Service(db, Config(), clock), secret_key=KEY)


@pytest.fixture
def clients(app: Any) -> Iterator[Callable[[str], TestClient]]:
    opened: list[TestClient] = []

    def client(login: str) -> TestClient:
        c = TestClient(app, follow_redirects=False)
        c.__enter__()
        opened.append(c)
        assert sign_in(c, login, DEMO_PASSWORD).status_code == 303
        return c

    yield client
    for c in opened:
        c.__exit__(None, None, None)


def post(client: TestClient, step: str, data: dict[str, str], org: str = "") -> Any:
    path = f"/screening/steps/{step}?{Q}" + (f"&org={org}" if org else "")
    form = client.get(path)
    return client.post(path, data={"csrf_token": csrf(form.text), **data})


def test_a_county_screens_and_lists_on_the_web(clients: Callable[[str], TestClient], db: Database) -> None:
    qian, han = clients("qs-qian"), clients("qs-han")
    first = qian.get(f"/screening?{Q}")
    assert first.status_code == 200 and "尚未开始 2026 年度排查" in first.text
    assert 'href="/screening/steps/start?' in first.text
    assert han.get(f"/screening/steps/start?{Q}").status_code == 422  # a township leader does not start a round
    assert post(qian, "start", {"on": "2026-06-01"}).status_code == 303

    page = qian.get(f"/screening?{Q}")
    assert "组织 295 个，已排查 0 个" in page.text and "各乡镇列入占比" in page.text and "不是指标" in page.text
    done = post(qian, "self_check", {"problems": "P03", "note": "组织生活不经常", "on": "2026-06-02"}, "QS02001")
    assert done.status_code == 303 and "已办理" in qian.get(done.headers["location"]).text
    assert post(han, "township_review", {"problems": "P03:三会一课不落实\nP05", "on": "2026-06-03"},
                "QS02001").status_code == 303
    feng = clients("qs-feng")  # 城关镇's leader: 河口镇's organization is outside their scope
    before = snapshot(db)
    refused = post(feng, "township_review", {"problems": "P01"}, "QS02001")
    assert refused.status_code in (404, 422) and snapshot(db) == before

    assert post(qian, "county_check", {"respondents": "40", "satisfied": "10", "basic": "10", "dissatisfied": "20",
                                       "on": "2026-06-04"}, "QS02002").status_code == 303
    flagged = qian.get(f"/screening?{Q}")
    assert "符合硬性情形而未列入、未说明理由（1 个）" in flagged.text and "须说明理由" in flagged.text
    before = snapshot(db)
    bare = post(qian, "judge", {"outcome": "not_listed", "on": "2026-06-05"}, "QS02002")
    assert bare.status_code == 422 and "不列入须说明理由" in bare.text and snapshot(db) == before
    assert post(qian, "judge", {"outcome": "not_listed", "reason": "测评后已调整班子分工", "on": "2026-06-05"},
                "QS02002").status_code == 303
    assert post(qian, "judge", {"outcome": "listed", "on": "2026-06-05"}, "QS02001").status_code == 303
    assert "未说明理由" not in qian.get(f"/screening?{Q}").text
    missing = post(qian, "decide", {"on": "2026-06-10"})
    assert missing.status_code == 400 and "会议名称" in missing.text
    assert post(qian, "decide", {"on": "2026-06-10", "meeting": "县委常委会第5次会议", "doc": "青组通〔2026〕8号"}
                ).status_code == 303
    assert post(qian, "list", {}).status_code == 303
    listed = qian.get(f"/screening?{Q}")
    assert "已按名单列入整顿" in listed.text and "县委常委会第5次会议" in listed.text
    assert 'href="/cases/' in listed.text
    assert post(qian, "self_check", {"problems": "P01"}, "QS02003").status_code == 422  # the 名单 is fixed


def test_the_forms_need_their_token_and_the_screen_its_scope(clients: Callable[[str], TestClient]) -> None:
    qian = clients("qs-qian")
    assert qian.post(f"/screening/steps/start?{Q}", data={"on": "2026-06-01"}).status_code == 403
    assert qian.get("/screening?county=绿水县&year=2026").status_code in (404, 422)
    form = qian.get(f"/screening/steps/start?{Q}")
    assert 'name="on"' in form.text and 'type="date"' in form.text
    assert qian.get(f"/screening/steps/nothing?{Q}").status_code == 404


def test_the_screen_refuses_a_stranger_another_origin_and_shows_script_as_text(
        app: Any, clients: Callable[[str], TestClient], db: Database) -> None:
    with TestClient(app, follow_redirects=False) as anonymous:
        assert anonymous.get(f"/screening?{Q}").status_code in (302, 303, 401)
        before = snapshot(db)
        assert anonymous.post(f"/screening/steps/start?{Q}", data={"on": "2026-06-01"}).status_code in (302, 303, 401,
                                                                                                      403)
        assert snapshot(db) == before
    qian = clients("qs-qian")
    path = f"/screening/steps/start?{Q}"
    token = csrf(qian.get(path).text)
    before = snapshot(db)
    assert qian.post(path, data={"csrf_token": token, "on": "2026-06-01"},
                     headers={"Origin": "https://evil.example"}).status_code == 403
    assert snapshot(db) == before
    assert post(qian, "start", {"on": "2026-06-01"}).status_code == 303
    script = "<script>alert(1)</script>"
    assert post(qian, "self_check", {"problems": "P03", "note": script, "on": "2026-06-02"}, "QS02001").status_code == 303
    page = qian.get(f"/screening?{Q}").text + qian.get(f"/screening/steps/self_check?{Q}&org=QS02001").text
    assert script not in page
    assert "&lt;script&gt;" in page  # shown, as text


@pytest.mark.skipif(not __import__("os").path.exists("/usr/bin/chromium"), reason="needs chromium")
def test_the_list_prints_from_the_screen(clients: Callable[[str], TestClient], db: Database, clock: FakeClock
                                         ) -> None:
    qian = clients("qs-qian")
    post(qian, "start", {"on": "2026-06-01"})
    got = qian.get(f"/screening/print?{Q}&part=table&format=pdf")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF") and "attachment" in got.headers["content-disposition"]
    assert qian.get(f"/screening/print?{Q}&part=x&format=pdf").status_code == 400


def test_the_city_sees_who_has_reported(clients: Callable[[str], TestClient], db: Database, clock: FakeClock) -> None:
    from rectify.states.permissions import Actor
    from rectify.write.reporting import Reporting

    chu = clients("city-chu")
    page = chu.get("/submissions")
    assert page.status_code == 200 and "2026-05 月报" in page.text and "逾期未报" in page.text
    Reporting(db, Config(), actor=Actor("钱明远", role="county_officer", counties=("青山县",)), clock=clock
              ).submit("2026-05")
    page = chu.get("/submissions?period=2026-05")
    assert "逾期报送" in page.text and "钱明远" in page.text
    assert chu.get("/submissions?period=2026-13").status_code == 400
    assert clock.now.date() == date(2026, 6, 30)
