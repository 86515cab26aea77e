"""The web's pages over the demo county, signed in as its people: 我的待办, the list, the case page, one form per
step, the ledger and its downloads. Every refusal writes nothing; another township's case reads as unknown."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from rectify.config import Config
from rectify.demo.demo_data import DEMO_PASSWORD
from rectify.service import Service
from rectify.states.stages import Stage
from rectify.store import Database
from rectify.web.app import create_app
from tests.conftest import FakeClock, snapshot
from tests.web_helpers import KEY, csrf, sign_in


@pytest.fixture
def app(demo: Callable[..., Result], db: Database, clock: FakeClock) -> Any:
    return create_app(Service(db, Config(), clock), secret_key=KEY)


def client_for(app: Any, login: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert sign_in(client, login, DEMO_PASSWORD).status_code == 303
    return client


@pytest.fixture
def han(app: Any) -> Iterator[TestClient]:  # 乡镇包村领导, 青山县/河口镇
    with client_for(app, "qs-han") as c:
        yield c


def a_case(db: Database, clock: FakeClock, stage: str, township: str) -> dict[str, Any]:
    service = Service(db, Config(), clock)
    reader = service.identify("钱明远")
    rows = [r for r in service.cases(reader, stage=stage) if r["township"] == township]
    assert rows, (stage, township)
    return service.case(reader, rows[0]["case_id"])


def test_the_inbox_holds_my_townships_tasks_with_two_taps_to_report(han: TestClient, db: Database,
                                                                     clock: FakeClock) -> None:
    page = han.get("/")
    assert page.status_code == 200 and "我的待办" in page.text
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    assert f'href="/cases/{case["id"]}/steps/progress"' in page.text
    other = a_case(db, clock, Stage.secretary_assigned, "石桥乡")
    assert other["organization"]["name"] not in page.text


def test_a_township_leader_reports_progress_from_the_case_page(han: TestClient, db: Database,
                                                               clock: FakeClock) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    page = han.get(f"/cases/{case['id']}")
    assert page.status_code == 200 and case["organization"]["name"] in page.text
    assert f'/cases/{case["id"]}/steps/progress' in page.text and "/steps/verify" not in page.text
    form = han.get(f"/cases/{case['id']}/steps/progress")
    assert form.status_code == 200 and 'name="note"' in form.text
    done = han.post(f"/cases/{case['id']}/steps/progress", data={
        "csrf_token": csrf(form.text), "version": str(case["version"]), "on": "2026-06-29",
        "note": "召开党员大会<script>alert(1)</script>"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case['id']}?done=progress"
    shown = han.get(f"/cases/{case['id']}").text
    assert "召开党员大会&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script>alert(1)" not in shown
    assert "韩青松" in shown


def test_another_townships_case_answers_exactly_as_an_unknown_one(han: TestClient, db: Database,
                                                                  clock: FakeClock) -> None:
    other = a_case(db, clock, Stage.secretary_assigned, "石桥乡")
    seen, unknown = han.get(f"/cases/{other['id']}"), han.get("/cases/999999")
    assert seen.status_code == unknown.status_code == 404
    assert other["organization"]["name"] not in seen.text
    def main(text: str, ref: str) -> str:
        return re.search(r"<main.*</main>", text, re.S)[0].replace(ref, "N")  # type: ignore[index]

    assert main(seen.text, str(other["id"])) == main(unknown.text, "999999")
    assert han.get(f"/cases/{other['id']}/steps/progress").status_code == 404


def test_a_refused_step_puts_its_reason_beside_the_field_and_writes_nothing(han: TestClient, db: Database,
                                                                            clock: FakeClock) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    token = csrf(han.get(f"/cases/{case['id']}/steps/progress").text)
    before = snapshot(db)
    early = han.post(f"/cases/{case['id']}/steps/progress", data={
        "csrf_token": token, "version": str(case["version"]), "on": "2001-01-01", "note": "<b>x</b>"})
    assert early.status_code == 422
    field = early.text.index('id="f-on"')
    assert early.text.index('class="error"', field) < early.text.index('id="f-note"')
    assert "&lt;b&gt;x&lt;/b&gt;" in early.text
    bad = han.post(f"/cases/{case['id']}/steps/progress", data={
        "csrf_token": token, "version": str(case["version"]), "on": "2026-02-31", "note": ""})
    assert bad.status_code == 400 and bad.text.count('class="error"') == 2
    stale = han.post(f"/cases/{case['id']}/steps/progress", data={
        "csrf_token": token, "version": str(case["version"] - 1), "on": "2026-06-29", "note": "开会"})
    assert stale.status_code == 409 and "整顿对象已被他人修改" in stale.text
    no_token = han.post(f"/cases/{case['id']}/steps/progress", data={
        "version": str(case["version"]), "on": "2026-06-29", "note": "开会"})
    assert no_token.status_code == 403
    assert snapshot(db) == before


def test_a_step_the_person_may_not_take_shows_why_and_refuses_the_post(app: Any, db: Database,
                                                                        clock: FakeClock) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    with client_for(app, "qs-kong") as kong:  # 县级验收组成员: verifies only an applied case
        page = kong.get(f"/cases/{case['id']}/steps/verify")
        assert page.status_code == 422 and "不能办理" in page.text and 'name="satisfied"' not in page.text
        before = snapshot(db)
        refused = kong.post(f"/cases/{case['id']}/steps/verify", data={
            "csrf_token": csrf(page.text), "version": str(case["version"]), "on": "2026-06-29", "members": "孔立群",
            "score": "90", "satisfied": "40", "dissatisfied": "1"})
        assert refused.status_code == 422
        assert snapshot(db) == before


def test_the_list_filters_and_searches_within_scope(han: TestClient) -> None:
    listed = han.get("/cases")
    assert listed.status_code == 200 and "河口镇" in listed.text and "石桥乡" not in listed.text
    assert han.get("/cases?stage=nonsense").status_code == 400
    assert han.get("/cases?stage=secretary_assigned&q=村").status_code == 200


def _members(data: bytes, fmt: str) -> Any:
    """A file's bytes; an XLSX's members but its creation time (docProps/core.xml: the second it was written)."""
    if fmt != "xlsx":
        return data
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_ledger_downloads_are_the_bytes_the_cli_writes(app: Any, demo: Callable[..., Result]) -> None:
    with client_for(app, "qs-qian") as qian:
        page = qian.get("/ledger")
        assert page.status_code == 200 and "限期转化台账" in page.text
        for fmt in ("csv", "json", "xlsx"):
            got = qian.get(f"/ledger?format={fmt}&township=河口镇")
            assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
            cli = demo("--actor", "钱明远", "ledger", "--format", fmt, "--township", "河口镇", "-o", "-")
            assert cli.exit_code == 0
            assert _members(got.content, fmt) == _members(cli.stdout_bytes, fmt), fmt
        stats = qian.get("/stats")
        assert stats.status_code == 200 and "整顿软弱涣散" in stats.text
        assert qian.get("/stats?format=csv").content == demo("--actor", "钱明远", "stats", "--format", "csv").stdout_bytes
        assert qian.get("/ledger?format=exe").status_code == 400


def test_the_county_officer_lists_an_organization_from_its_row(app: Any, db: Database, clock: FakeClock) -> None:
    service = Service(db, Config(), clock)
    free = next(o for o in service.orgs(service.identify("钱明远")) if not o["open_case"] and o["township"] == "河口镇")
    with client_for(app, "qs-qian") as qian:
        listed = qian.get("/orgs?township=河口镇")
        assert f'/orgs/{free["code"]}/open' in listed.text
        form = qian.get(f"/orgs/{free['code']}/open")
        before = snapshot(db)
        missing = qian.post(f"/orgs/{free['code']}/open", data={"csrf_token": csrf(form.text), "problems": "",
                                                                "identified": ""})
        assert missing.status_code == 400 and missing.text.count('class="error"') == 2
        assert snapshot(db) == before
        opened = qian.post(f"/orgs/{free['code']}/open", data={
            "csrf_token": csrf(form.text), "problems": "P01:书记空缺半年\nP10", "identified": "2026-06-20",
            "deadline": "2026-12-31", "village_secretary": "缺配"})
        assert opened.status_code == 303 and opened.headers["location"].endswith("?done=open")
        assert free["name"] in qian.get(opened.headers["location"]).text
    with client_for(app, "qs-han") as han:
        assert "石桥乡" not in han.get("/orgs").text
        other = next(o for o in service.orgs(service.identify("钱明远")) if not o["open_case"]
                     and o["township"] == "河口镇")
        refused = han.get(f"/orgs/{other['code']}/open")
        assert refused.status_code == 422 and "不能列入整顿" in refused.text
        before = snapshot(db)
        assert han.post(f"/orgs/{other['code']}/open", data={
            "csrf_token": csrf(refused.text), "problems": "P01", "identified": "2026-06-20"}).status_code == 422
        assert snapshot(db) == before
        assert han.get("/orgs/NO-SUCH/open").status_code == 404


def test_only_the_admin_changes_the_registry_from_the_people_page(app: Any, db: Database) -> None:
    with client_for(app, "qs-admin") as admin:
        page = admin.get("/people")
        assert page.status_code == 200 and "登记人员" in page.text
        added = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "add", "name": "新经办",
                                            "unit": "县委组织部", "role": "county_officer", "scope": "青山县",
                                            "login": "qs-new"})
        assert added.status_code == 200 and "已登记人员 新经办" in added.text
        bad = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "add", "name": "",
                                          "unit": "县委组织部", "role": "county_officer", "scope": "青山县"})
        assert bad.status_code == 400 and "姓名不能为空" in bad.text
        short = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "password", "who": "新经办",
                                            "password": "short"})
        assert short.status_code in (400, 422)
    with client_for(app, "qs-han") as han:
        page = han.get("/people")
        assert page.status_code == 200 and "登记人员" not in page.text
        before = snapshot(db)
        assert han.post("/people", data={"csrf_token": csrf(page.text), "action": "disable",
                                         "who": "钱明远"}).status_code == 404
        assert snapshot(db) == before


def test_the_outbox_page_shows_only_the_readers_deliveries(app: Any, demo: Callable[..., Result]) -> None:
    assert demo("remind", "run", "--dry-run").exit_code == 0
    recorded = demo("--actor", "钱明远", "remind", "run", "--as-of", "2026-06-30", env={"RECTIFY_SMTP_HOST": ""})
    county = demo("--actor", "钱明远", "outbox", "list", "--format", "json")
    township = demo("--actor", "韩青松", "outbox", "list", "--format", "json")
    assert county.exit_code == township.exit_code == 0, recorded.output
    import json

    assert len(json.loads(county.stdout)) > len(json.loads(township.stdout)) > 0

    with client_for(app, "qs-qian") as qian:
        page = qian.get("/outbox")
        assert page.status_code == 200 and "发件箱" in page.text
        assert f"共 {len(json.loads(county.stdout))} 条" in page.text
        assert qian.get("/outbox?status=nonsense").status_code == 400
    with client_for(app, "qs-han") as han:
        assert f"共 {len(json.loads(township.stdout))} 条" in han.get("/outbox").text


def test_the_admin_registers_a_persons_channels_from_the_people_page(app: Any, db: Database, clock: FakeClock) -> None:
    with client_for(app, "qs-admin") as admin:
        page = admin.get("/people")
        for label in ("企业微信账号", "钉钉账号", "提醒方式"):
            assert label in page.text
        added = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "add", "name": "吴书记",
                                            "unit": "县财政局", "role": "first_secretary", "scope": "青山县/河口镇",
                                            "phone": "13800000009", "wecom_userid": "wushuji", "channels": "wecom_app,sms"})
        assert added.status_code == 200, added.text
    row = next(p for p in Service(db, Config(), clock).people(Service(db, Config(), clock).identify("周文博"))
               if p["name"] == "吴书记")
    assert (row["wecom_userid"], row["phone"]) == ("wushuji", "13800000009") and "wecom_app" in row["channels"]


def test_the_html_ledger_links_each_case_to_its_page_when_the_web_front_has_an_address(
        demo: Callable[..., Result], tmp_path: Any) -> None:
    plain = demo("--actor", "钱明远", "ledger", "--format", "html", "--township", "河口镇")
    assert plain.exit_code == 0 and "/cases/" not in plain.stdout
    config = tmp_path / "rectify.toml"
    config.write_text('[web]\nbase_url = "https://rectify.qingshan.example.cn"\n', "utf-8")
    linked = demo("--actor", "钱明远", "ledger", "--format", "html", "--township", "河口镇",
                  env={"RECTIFY_CONFIG": str(config)})
    assert linked.exit_code == 0, linked.output
    links = re.findall(r'<a href="https://rectify\.qingshan\.example\.cn/cases/(\d+)">([^<]+)</a>', linked.stdout)
    assert links and all("河口镇" in name for _, name in links)


def test_the_admin_imports_a_people_sheet_and_a_bad_row_writes_nothing(app: Any, db: Database) -> None:
    good = "姓名,单位,角色,范围,登录名\n甲经办,县委组织部,county_officer,青山县,qs-jia\n乙书记,县财政局,第一书记,青山县/河口镇,\n"
    bad = "姓名,单位,角色,范围\n丙经办,县委组织部,county_officer,青山县\n丁某,县委组织部,国王,青山县\n"
    with client_for(app, "qs-admin") as admin:
        page = admin.get("/people")
        before = snapshot(db)
        refused = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "import"},
                             files={"sheet": ("名册.csv", bad.encode("utf-8"), "text/csv")})
        assert refused.status_code == 400 and "第 3 行" in refused.text and "丙经办" not in refused.text.split("<table")[1]
        assert snapshot(db) == before
        done = admin.post("/people", data={"csrf_token": csrf(page.text), "action": "import"},
                          files={"sheet": ("名册.csv", good.encode("utf-8"), "text/csv")})
        assert done.status_code == 200 and "已导入人员 2 人" in done.text
        assert "甲经办" in done.text and "乙书记" in done.text


def test_the_case_page_offers_the_notices_the_cli_writes(app: Any, db: Database, clock: FakeClock,
                                                        demo: Callable[..., Result], tmp_path: Any) -> None:
    import io
    import zipfile

    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    with client_for(app, "qs-qian") as qian:
        page = qian.get(f"/cases/{case['id']}")
        assert "/notices/" in page.text
        got = qian.get(f"/cases/{case['id']}/notices/整改通知书")
        assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
        with zipfile.ZipFile(io.BytesIO(got.content)) as z:
            text = z.read("word/document.xml").decode("utf-8")
        assert case["organization"]["name"] in text
        assert qian.get(f"/cases/{case['id']}/notices/请柬").status_code == 404
    written = tmp_path / "n.docx"
    assert demo("--actor", "钱明远", "notice", str(case["id"]), "--kind", "整改通知书", "-o", str(written)).exit_code == 0
    with zipfile.ZipFile(written) as z:
        assert z.read("word/document.xml").decode("utf-8") == text
    with client_for(app, "qs-jiang") as jiang:  # 石桥乡: another township's case
        assert jiang.get(f"/cases/{case['id']}/notices/整改通知书").status_code == 404
