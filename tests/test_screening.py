"""排查 (SPEC §15): a county's round over its register, the hard criteria, the 常委会 decision and the listing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.errors import BadInput, NotFound, Refused
from rectify.reports.cases import show_case
from rectify.reports.screening import screening_view, write_xlsx
from rectify.store import Database
from rectify.write.engine import Workflow
from rectify.write.screening import Screening

from .conftest import ACTOR, FakeClock, add_org, snapshot

Run = Callable[..., Result]


def _county(wf: Workflow) -> None:
    for n in range(1, 11):
        add_org(wf, f"H{n:02d}", f"河口镇第{n}村党支部")
    for n in range(1, 6):
        add_org(wf, f"S{n:02d}", f"石门镇第{n}村党支部", township="石门镇")


@pytest.fixture
def sc(wf: Workflow, db: Database, config: Config, clock: FakeClock) -> Screening:
    _county(wf)
    s = Screening(db, config, actor=ACTOR, clock=clock)
    s.start("青山县", 2026, date(2026, 3, 1))
    return s


def test_a_round_from_findings_to_the_listed_cases(sc: Screening, db: Database, config: Config) -> None:
    sc.finding("H01", "self_check", ["P03"], note="组织生活不经常", on=date(2026, 3, 2))
    sc.finding("H01", "township_review", ["P03:三会一课不落实", "P05"], on=date(2026, 3, 3))
    sc.finding("S01", "self_check", ["P01"], on=date(2026, 3, 2))
    sc.check("H02", respondents=40, satisfied=10, basic=10, dissatisfied=20, on=date(2026, 3, 4))
    sc.judge("H01", "listed", on=date(2026, 3, 5))
    sc.judge("S01", "listed", on=date(2026, 3, 5))
    with pytest.raises(Refused, match="符合硬性情形（群众满意率 50%，低于 60%），不列入须说明理由"):
        sc.judge("H02", "not_listed", on=date(2026, 3, 5))
    sc.judge("H02", "pending", on=date(2026, 3, 5))
    with pytest.raises(Refused, match="研判待定"):
        sc.decide("青山县", on=date(2026, 3, 8), meeting="县委常委会第5次会议", year=2026)
    sc.judge("H02", "not_listed", reason="测评后已整改到位", on=date(2026, 3, 6))
    before = snapshot(db)
    with pytest.raises(BadInput, match="会议名称"):
        sc.decide("青山县", on=date(2026, 3, 8), year=2026)
    assert snapshot(db) == before
    sc.decide("青山县", on=date(2026, 3, 8), meeting="县委常委会第5次会议", doc="青组通〔2026〕8号", year=2026)
    with pytest.raises(Refused, match="县委常委会已确定名单"):
        sc.finding("H03", "self_check", ["P01"], on=date(2026, 3, 9))

    opened = sc.list_from_decision("青山县", year=2026)
    assert [o.org_name for o in opened] == ["河口镇第1村党支部", "石门镇第1村党支部"]
    case = show_case(db, opened[0].case_id, as_of=date(2026, 3, 10), config=config)
    assert case["identified_on"] == "2026-03-08"
    assert [p["code"] for p in case["problems"]] == ["P03", "P05"]  # the township's review wins over 自查
    assert sc.list_from_decision("青山县", year=2026) == []  # nothing left to open: a second run is harmless

    view = screening_view(db, config, county="青山县", year=2026)
    assert (view["organizations"], view["screened"], view["listed"]) == (15, 3, 2)
    assert [(t["township"], t["listed"], t["share"], t["guidance"]) for t in view["townships"]] == [
        ("河口镇", 1, 0.1, "在参考区间 5%–10% 内"), ("石门镇", 1, 0.2, "高于参考区间 5%–10%")]
    assert [(r["seq"], r["code"], r["case_id"]) for r in view["list"]] == [
        (1, "H01", opened[0].case_id), (2, "S01", opened[1].case_id)]
    out = io.BytesIO()
    write_xlsx(view, out)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["名单", "排查表", "乡镇占比"]
    assert wb["名单"]["D3"].value == "河口镇第1村党支部"


def test_a_vacant_post_left_out_needs_a_reason_at_the_decision(sc: Screening) -> None:
    sc.check("H03", respondents=None, satisfied=None, basic=None, dissatisfied=None,
             vacant_since=date(2025, 6, 1), on=date(2026, 3, 4))
    sc.finding("H01", "self_check", ["P01"], on=date(2026, 3, 2))
    sc.judge("H01", "listed", on=date(2026, 3, 5))
    with pytest.raises(Refused, match="河口镇第3村党支部符合硬性情形而未列入，须研判并说明理由"):
        sc.decide("青山县", on=date(2026, 3, 8), meeting="县委常委会", year=2026)
    with pytest.raises(Refused, match="书记空缺 9 个月，超过 6 个月"):
        sc.judge("H03", "not_listed", on=date(2026, 3, 5))


def test_who_may_and_scope(sc: Screening, db: Database, config: Config, clock: FakeClock) -> None:
    from rectify.states.permissions import Actor

    cadre = Screening(db, config, actor=Actor("王干部", role="township_cadre", counties=("青山县",),
                                                township="河口镇"), clock=clock)
    cadre.finding("H01", "township_review", ["P02"], on=date(2026, 3, 3))
    with pytest.raises(Refused, match="不能研判：此步骤须由县委组织部经办人办理"):
        cadre.judge("H01", "listed")
    with pytest.raises(NotFound, match="^找不到组织 S01$"):  # another township's reads as unknown (issue 26)
        cadre.finding("S01", "township_review", ["P02"])
    officer = Screening(db, config, actor=Actor("钱明远", role="county_officer", counties=("青山县",)), clock=clock)
    with pytest.raises(Refused, match="不能登记乡镇复查"):
        officer.finding("H01", "township_review", ["P02"])
    other = Screening(db, config, actor=Actor("外县", role="county_officer", counties=("绿水县",)), clock=clock)
    with pytest.raises(NotFound, match="^找不到组织 H01$"):
        other.judge("H01", "listed")


def test_the_cli_round(run: Run, wf: Workflow, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _county(wf)
    assert run("screening", "start", "--county", "青山县", "--on", "2026-03-01").exit_code == 0
    r = run("screening", "finding", "H01", "--stage", "自查", "--problem", "P03", "--on", "2026-03-02")
    assert r.exit_code == 0 and "已登记 河口镇第1村党支部 的自查（1 项情形）" in r.stderr
    r = run("screening", "survey", "H02", "--respondents", "10", "--satisfied", "9", "--basic", "9")
    assert r.exit_code == 2 and r.stderr.startswith("错误：满意、基本满意、不满意之和 18 多于参与测评人数 10")
    assert run("screening", "judge", "H01", "--outcome", "列入").exit_code == 0
    r = run("screening", "decide", "--county", "青山县", "--on", "2026-03-08", "--meeting", "县委常委会第5次会议")
    assert r.exit_code == 0, r.output
    r = run("screening", "list-from-decision", "--county", "青山县")
    assert r.exit_code == 0 and "已按名单列入整顿 1 个" in r.stderr
    r = run("screening", "show", "--county", "青山县", "--part", "list", "--format", "json")
    assert [x["code"] for x in json.loads(r.stdout)] == ["H01"]
    r = run("screening", "show", "--county", "青山县")
    assert "青山县 2026 年度排查：组织 15 个，已排查 1 个，列入 1 个" in r.stdout and "【各乡镇列入占比】" in r.stdout
    path = tmp_path / "名单.xlsx"
    assert run("screening", "show", "--county", "青山县", "--format", "xlsx", "-o", str(path)).exit_code == 0
    assert path.stat().st_size > 0


def test_the_demo_county_screens_its_register_and_lists_from_the_decision(demo: Run, run: Run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The README's walk on the demo county (295 organizations): findings, a survey, 研判, the decision, the listing."""
    steps = [
        (demo, "screening", "start", "--county", "青山县", "--year", "2027"),
        (demo, "screening", "finding", "QS02001", "--year", "2027", "--stage", "自查", "--problem", "P03"),
        (lambda *a: run("--actor", "韩青松", *a), "screening", "finding", "QS02001", "--year", "2027", "--stage",
         "乡镇复查", "--problem", "P03:三会一课不落实", "--problem", "P05"),
        (demo, "screening", "survey", "QS02002", "--year", "2027", "--respondents", "40", "--satisfied", "10",
         "--basic", "10", "--dissatisfied", "20"),
        (demo, "screening", "judge", "QS02002", "--year", "2027", "--outcome", "不列入", "--reason", "测评后已调整班子分工"),
        (demo, "screening", "judge", "QS02001", "--year", "2027", "--outcome", "列入"),
        (demo, "screening", "decide", "--county", "青山县", "--year", "2027", "--meeting", "县委常委会第5次会议"),
        (demo, "screening", "list-from-decision", "--county", "青山县", "--year", "2027"),
    ]
    for invoke, *args in steps:
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
    r = demo("screening", "show", "--county", "青山县", "--year", "2027", "--format", "json")
    view = json.loads(r.stdout)
    assert (view["organizations"], view["screened"], view["listed"]) == (295, 2, 1)
    assert view["list"][0]["code"] == "QS02001" and view["list"][0]["case_id"] == 45
    r = demo("case", "show", "45", "--format", "json")
    assert json.loads(r.stdout)["identified_on"] == "2026-06-30"
    r = run("--actor", "韩青松", "screening", "judge", "QS02003", "--year", "2027", "--outcome", "列入")
    assert r.exit_code == 1 and "不能研判" in r.stderr
