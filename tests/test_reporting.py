"""报送 (SPEC §15): counties submit signed packages, a city receives, refuses, returns and consolidates them."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config, ReportingConfig
from rectify.demo.demo import build_demo
from rectify.errors import BadInput, Refused
from rectify.reports.stats import compute_stats
from rectify.reports.submissions import consolidate, submission_list
from rectify.states.permissions import Actor
from rectify.states.reporting import due_date, parse_period
from rectify.store import SCHEMA_HEAD, Database, open_database
from rectify.write.engine import Workflow
from rectify.write.reporting import Reporting

from .conftest import DEMO_ACTOR, FakeClock, PgServer

Run = Callable[..., Result]
CITY = Actor("褚振华", "市委组织部", role="city_supervisor", counties=("青山县", "绿水县"))


def _config(code: str, tmp: Path) -> Config:
    return replace(Config(), reporting=replace(ReportingConfig(), county_code=code, key_file=str(tmp / f"{code}.key")))


def _green_county(db: Database, config: Config, clock: FakeClock) -> None:
    """A second, small county: 绿水县, five organizations, three cases listed in 2026, one struck off."""
    wf = Workflow(db, config, actor="绿水县经办人", clock=clock)
    for n in range(1, 6):
        wf.add_org(f"LS{n:03d}", f"清溪镇第{n}村党支部", kind="village" if n < 5 else "community", county="绿水县",
                   township="清溪镇")
    clock.set_day("2026-04-01")
    for n in (1, 2, 5):
        wf.open_case(f"LS{n:03d}", problems=["P01", "P04"], identified_on=date(2026, 3, 20))
    wf.plan(1, measures=[(["P01", "P04"], "配齐班子", "王建国", date(2026, 5, 30))], county_leader="李县长",
            township_cadre="张干部", helping_unit="县财政局")


def _officer(county: str) -> Actor:
    return Actor(f"{county}经办人", role="county_officer", counties=(county,))


def _submit(db: Database, config: Config, clock: FakeClock, county: str, day: str) -> bytes:
    clock.set_day(day)
    return Reporting(db, config, actor=_officer(county), clock=clock).submit("2026-H1").package.data


def _tampered(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == name:
                body = body.replace(b'"P01"', b'"P02"', 1) if name == "ledger.json" else body.replace(b"2026-H1",
                                                                                                       b"2026-H2")
            dst.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.postgres
def test_two_counties_report_to_a_city_on_postgresql(tmp_path: Path, pg_server: PgServer, pg_template: str,
                                                     sqlite_template: Path, clock: FakeClock) -> None:
    dbs = []
    for name in ("qingshan", "lvshui"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.sqlite")
        dbs.append(open_database(f"sqlite:///{tmp_path / name}.sqlite"))
    city_db = open_database(pg_server.new_database(pg_template))
    qs, ls = dbs
    qs_config, ls_config = _config("341122", tmp_path), _config("341123", tmp_path)
    try:
        build_demo(qs, qs_config, date(2026, 6, 30))
        _green_county(ls, ls_config, clock)
        qs1 = _submit(qs, qs_config, clock, "青山县", "2026-07-03")
        ls_old = _submit(ls, ls_config, clock, "绿水县", "2026-07-02")
        ls_new = _submit(ls, ls_config, clock, "绿水县", "2026-07-04")
        city = Reporting(city_db, Config(), actor=CITY, clock=clock)
        clock.set_day("2026-07-06")
        first = city.receive(qs1)
        city.receive(ls_new)
        with pytest.raises(Refused, match="报送包文件 ledger.json 的 SHA-256 与清单不符"):
            city.receive(_tampered(qs1, "ledger.json"))
        with pytest.raises(Refused, match="报送包签名校验失败"):
            city.receive(_tampered(qs1, "manifest.json"))
        with pytest.raises(Refused, match="已有 绿水县 2026-H1 更新的报送.*此包较旧，未接收"):
            city.receive(ls_old)
        with pytest.raises(Refused, match="此报送包已接收"):
            city.receive(qs1)
        with pytest.raises(BadInput, match="不是有效的 zip 文件"):
            city.receive(b"not a zip")

        city.return_submission(first.submission_id, "河口镇两个村的整改时限与方案不符")
        listed = submission_list(city_db, Config(), period_text="2026-H1", today=date(2026, 7, 6), reader=CITY)
        assert {r["county"]: r["state"] for r in listed["counties"]} == {"青山县": "已退回，待重报",
                                                                         "绿水县": "已报送"}
        qs2 = _submit(qs, qs_config, clock, "青山县", "2026-07-08")
        clock.set_day("2026-07-08")
        again = city.receive(qs2)
        listed = submission_list(city_db, Config(), period_text="2026-H1", today=date(2026, 7, 20), reader=CITY)
        qs_row = next(r for r in listed["counties"] if r["county"] == "青山县")
        assert (qs_row["state"], qs_row["submission_id"], qs_row["note"]) == ("已报送", again.submission_id,
                                                                              "第 2 次报送")
        assert [h["status"] for h in qs_row["history"]] == ["returned", "submitted"]  # both kept

        result = consolidate(city_db, period_text="2026-H1", reader=CITY)
        forms = [compute_stats(db, as_of=date(2026, 6, 30), config=c, year=2026, known_on=date(2026, 7, 8))["form"]
                 for db, c in ((qs, qs_config), (ls, ls_config))]
        for i, row in enumerate(result["form"]["rows"]):
            for key, value in row["values"].items():
                parts = [f["rows"][i]["values"][key] for f in forms]
                assert value == (None if parts[0] is None else sum(parts)), (row["row"], key)
        assert result["form"]["rows"][0]["values"]["identified"] > 0
        assert {c["county"]: c["submission_id"] for c in result["county_forms"]} == {
            "青山县": again.submission_id, "绿水县": 2}
        keys = [r["case_key"] for r in result["ledger"]]
        assert len(keys) == len(set(keys)) == 44 + 3
        assert {"341122-1", "341123-1"} <= set(keys)

        only_green = Actor("市督导乙", role="city_supervisor", counties=("绿水县",))
        assert [c["county"] for c in consolidate(city_db, period_text="2026-H1", reader=only_green)["counties"]] \
            == ["绿水县"]
        with pytest.raises(Refused, match="不能接收 青山县 的报送"):
            Reporting(city_db, Config(), actor=only_green, clock=clock).receive(qs2)
    finally:
        for db in (*dbs, city_db):
            db.dispose()


def test_on_a_shared_database_the_submission_is_what_the_city_sees(db: Database, config: Config, clock: FakeClock,
                                                                   tmp_path: Path) -> None:
    cfg = _config("341123", tmp_path)
    _green_county(db, cfg, clock)
    clock.set_day("2026-06-30")
    with pytest.raises(Refused, match="2026-06-30 之后方可报送"):
        Reporting(db, cfg, actor=_officer("绿水县"), clock=clock).submit("2026-H1")
    with pytest.raises(Refused, match="不能报送：此步骤须由县委组织部经办人办理"):
        Reporting(db, cfg, actor=CITY, clock=clock).submit("2026-H1")
    _submit(db, cfg, clock, "绿水县", "2026-07-03")
    listed = submission_list(db, cfg, period_text="2026-H1", today=date(2026, 7, 20), reader=CITY)
    assert {r["county"]: (r["state"], r["cases"]) for r in listed["counties"]} == {
        "青山县": ("逾期未报", None), "绿水县": ("已报送", 3)}
    assert listed["due_on"] == "2026-07-15"
    assert consolidate(db, period_text="2026-H1", reader=CITY)["form"]["rows"][0]["values"]["identified"] == 3
    with pytest.raises(Refused, match="不能汇总：此步骤须由市委组织部督导"):
        consolidate(db, period_text="2026-H1", reader=_officer("绿水县"))
    own = submission_list(db, cfg, period_text="2026-H1", today=date(2026, 7, 20), reader=_officer("绿水县"))
    assert [r["county"] for r in own["counties"]] == ["绿水县"]


@pytest.mark.parametrize(("text", "end", "due"), [
    ("2026-06", date(2026, 6, 30), date(2026, 7, 5)), ("2026-H1", date(2026, 6, 30), date(2026, 7, 15)),
    ("2026-h2", date(2026, 12, 31), date(2027, 1, 15)), ("2026", date(2026, 12, 31), date(2027, 1, 20)),
    ("2026-12", date(2026, 12, 31), date(2027, 1, 5))])
def test_periods_and_their_due_days(text: str, end: date, due: date) -> None:
    period = parse_period(text)
    r = ReportingConfig()
    assert period.end == end
    assert due_date(period, monthly_due_day=r.monthly_due_day, half_year_due_day=r.half_year_due_day,
                    year_due_day=r.year_due_day) == due


@pytest.mark.parametrize("text", ["2026-13", "2026-H3", "26-06", "2026-6", ""])
def test_a_malformed_period_is_refused(text: str) -> None:
    with pytest.raises(BadInput, match="报告期应为 2026-06"):
        parse_period(text)


def test_the_cli_submit_receive_return_consolidate(demo: Run, run: Run, clock: FakeClock, tmp_path: Path,
                                                   db_url: str) -> None:
    package = tmp_path / "青山县-2026-H1.zip"
    clock.set_day("2026-07-03")
    toml = tmp_path / "rectify.toml"  # the key in the test's folder (on PostgreSQL it would go to the user's data folder)
    toml.write_text(f'[reporting]\nkey_file = "{tmp_path / "county.key"}"\n', encoding="utf-8")
    env = {"RECTIFY_CONFIG": str(toml)}
    r = demo("report", "submit", "--period", "2026-H1", "-o", str(package), env=env)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("已报送 青山县 2026-H1（截至 2026-06-30，据 2026-07-03 已录入的记录）：报送编号 1")
    with zipfile.ZipFile(package) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["cases"] == 44 and manifest["schema"] == SCHEMA_HEAD
    city = lambda *a: run("--actor", "褚振华", *a)  # noqa: E731
    r = city("report", "receive", str(package))
    assert r.exit_code == 1 and r.stderr == "错误：此报送包已接收（报送编号 1，青山县 2026-H1）\n"
    r = city("report", "list", "--period", "2026-H1")
    assert r.exit_code == 0 and "青山县" in r.stdout and "已报送" in r.stdout
    r = city("report", "return", "1", "--reason", "请补充名单")
    assert r.exit_code == 0 and r.stderr == "已退回报送 1（青山县 2026-H1）\n"
    r = city("report", "return", "1", "--reason", "再退")
    assert r.exit_code == 1 and r.stderr.startswith("错误：报送 1（青山县 2026-H1）已于")
    r = city("report", "consolidate", "--period", "2026-H1")
    assert r.exit_code == 1 and r.stderr == "错误：2026-H1 半年报 没有可汇总的报送\n"
    clock.set_day("2026-07-05")
    assert demo("report", "submit", "--period", "2026-H1", env=env).exit_code == 0
    out = tmp_path / "汇总.xlsx"
    r = city("report", "consolidate", "--period", "2026-H1", "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["汇总统计表", "汇总台账"]
    r = city("report", "consolidate", "--period", "2026-H1", "--format", "csv")
    assert r.exit_code == 0 and "汇总" in r.stdout
    r = run("--actor", DEMO_ACTOR, "report", "submit", "--period", "2026-13")
    assert r.exit_code == 2 and r.stderr.startswith("错误：报告期应为 2026-06（月报）")


def test_a_backup_carries_the_submissions_and_the_screening(db: Database, clock: FakeClock, tmp_path: Path,
                                                            request: pytest.FixtureRequest, db_url: str) -> None:
    from rectify.store.backup import export_all, restore_all
    from rectify.write.screening import Screening

    from .conftest import second_database_url, snapshot

    cfg = _config("341123", tmp_path)
    _green_county(db, cfg, clock)
    s = Screening(db, cfg, actor="绿水县经办人", clock=clock)
    s.start("绿水县", 2026, date(2026, 3, 1))
    s.finding("LS003", "self_check", ["P02"], on=date(2026, 3, 2))
    _submit(db, cfg, clock, "绿水县", "2026-07-03")
    out = io.StringIO()
    counts = export_all(db, out)
    assert (counts["report_submission"], counts["screening_round"], counts["screening_entry"]) == (1, 1, 1)
    target = open_database(second_database_url(request, db_url, tmp_path, "restored"))
    try:
        restore_all(target, io.StringIO(out.getvalue()))
        for table in ("report_submission", "screening_round", "screening_entry"):
            assert snapshot(target)[table] == snapshot(db)[table]
    finally:
        target.dispose()


def _resigned(data: bytes, key_path: Path, change: Callable[[dict], None]) -> bytes:  # type: ignore[type-arg]
    """The package with its manifest changed and signed again by the key at ``key_path``."""
    from rectify.signing import load_or_create

    key = load_or_create(key_path)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        manifest["public_key"] = key.public
        change(manifest)
        head = json.dumps(manifest).encode("utf-8")
        for info in src.infolist():
            body = {"manifest.json": head, "manifest.sig": key.sign(head).encode("ascii")}.get(
                info.filename, src.read(info.filename))
            dst.writestr(info.filename, body)
    return out.getvalue()


def test_another_key_or_a_malformed_manifest_is_refused(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    cfg = _config("341123", tmp_path)
    _green_county(db, cfg, clock)
    data = _submit(db, cfg, clock, "绿水县", "2026-07-03")
    city = Reporting(db, cfg, actor=CITY, clock=clock)
    with pytest.raises(Refused, match="报送包的签名密钥与 绿水县 登记的不同（此前收到的报送包），未接收"):
        city.receive(_resigned(data, tmp_path / "forged.key", lambda m: None))
    with pytest.raises(BadInput, match="报送包清单的字段不完整或格式不符"):
        city.receive(_resigned(data, tmp_path / "forged.key", lambda m: m.pop("county")))
    trusting = Reporting(db, replace(cfg, reporting=replace(cfg.reporting, trusted_keys={"绿水县": "ed25519:AAAA"})),
                         actor=CITY, clock=clock)
    with pytest.raises(Refused, match=r"登记的不同（\[reporting\] trusted_keys）"):
        trusting.receive(_resigned(data, tmp_path / "other.key", lambda m: None))
