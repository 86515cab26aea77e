"""Issue 17, first half: one validation layer for every way data comes in (CLI options, config, import cells,
backup lines), the same rules on SQLite and PostgreSQL. Each probe of the issue is a test on both backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from rectify import validation
from rectify.errors import BadInput
from rectify.reports.cases import show_case
from rectify.store import Database
from rectify.store.models import Organization, Person
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, second_database_url, snapshot, walk

Run = Callable[..., Result]


def refused(result: Result, code: int) -> str:
    """One Chinese line on stderr, nothing on stdout, no traceback, exit ``code``."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert "内部错误" not in result.stderr and "Traceback" not in result.output
    return lines[0]


# -- the layer itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "multiline", "message"), [
    ("王家庄\x1b[31m村", False, "含有不可见的控制字符 U+001B"),
    ("王家庄\x07村", False, "U+0007"),
    ("王家庄\x00村", False, "U+0000"),
    ("第一行\n第二行", False, "只能写一行"),
    ("a\tb", False, "U+0009"),
    ("召开\x00党员大会", True, "U+0000"),
])
def test_text_refuses_control_characters(value: str, multiline: bool, message: str) -> None:
    with pytest.raises(BadInput, match=re.escape(message)):
        validation.text(value, "名称", multiline=multiline)


def test_text_allows_tab_and_newline_where_multi_line_and_strips() -> None:
    assert validation.text("  第一行\n\t第二行 ", "进展", multiline=True) == "第一行\n\t第二行"
    assert validation.text(" 王家庄村 ", "名称") == "王家庄村"


def test_lengths_come_from_the_schema() -> None:
    assert validation.limit(Organization, "county") == Organization.__table__.c.county.type.length  # type: ignore[attr-defined]
    assert validation.limit(Person, "name") == 100
    with pytest.raises(BadInput, match="县过长：101 个字符，最多 100 个"):
        validation.text("县" * 101, "县", max_len=validation.limit(Organization, "county"))


@pytest.mark.parametrize(("value", "expected"), [
    ("张三 <zhang@example.cn>", "zhang@example.cn"),
    ("zhang@example.cn", "zhang@example.cn"),
    ('"县委 组织部" <zzb@qingshan.gov.cn>', "zzb@qingshan.gov.cn"),
    ("", ""),
])
def test_email_takes_display_names(value: str, expected: str) -> None:
    assert validation.email(value, "邮箱") == expected


@pytest.mark.parametrize("value", ["zhang@example.cn\r\nBcc: x@evil.cn", "zhang@\nexample.cn", "zhang@example.cn\n", "张三 <zhang",
                                   "a@b.cn, c@d.cn", "not an address", "zhang@localhost"])
def test_email_refuses_line_breaks_lists_and_non_mailboxes(value: str) -> None:
    with pytest.raises(BadInput):
        validation.email(value, "邮箱")


@pytest.mark.parametrize(("value", "hi", "message"), [
    ("12345678901234567890", validation.MAX_COUNT, "数值过大"),
    (10**20, validation.MAX_COUNT, "应在 0–1000000 之间"),
    (-1, 10, "应在 0–10 之间"),
    ("3.5", 10, "应为整数"),
    (True, 10, "应为整数"),
])
def test_count_refuses_malformed_and_out_of_range(value: object, hi: int, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        validation.count(value, "人数", hi)


@pytest.mark.parametrize("value", [-1, 1.5, float("nan"), "0.5", True])
def test_share_is_between_0_and_1(value: object) -> None:
    with pytest.raises(BadInput):
        validation.share(value, "占比")


@pytest.mark.parametrize("value", ["9999-12-31", "1899-12-31", "2101-01-01", date(9999, 12, 31)])
def test_days_within_1900_to_2100(value: object) -> None:
    with pytest.raises(BadInput, match="超出范围"):
        validation.day(value, "转化时限")


def test_days_in_order() -> None:
    validation.days_in_order(("确定日期", date(2026, 3, 1)), ("转化时限", None), ("验收日期", date(2026, 3, 1)))
    with pytest.raises(BadInput, match="转化时限 2026-02-01 早于确定日期 2026-03-01"):
        validation.days_in_order(("确定日期", date(2026, 3, 1)), ("转化时限", date(2026, 2, 1)))


# -- config ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("toml", "message"), [
    ("[database]\nurl = 5\n", "配置项 [database] url 应为文字"),
    ("[verification]\nmax_dissatisfied_share = -1\n", "max_dissatisfied_share 应在 0–1 之间，现为 -1"),
    ("[verification]\nmax_dissatisfied_share = 1.5\n", "max_dissatisfied_share 应在 0–1 之间"),
    ("[verification]\npass_score = 12345678901234567890\n", "pass_score 应在 0–100 之间"),
    ('[supervisors]\ncounty = ["zzb@qingshan.gov.cn\\nBcc: all@example.cn"]\n',
     "配置项 [supervisors] county 第 1 项不是有效的邮箱地址（邮箱地址含有换行或控制字符"),
    ('[supervisors]\ncity = ["ok@example.cn", "not an address"]\n', "配置项 [supervisors] city 第 2 项不是有效的邮箱地址"),
    ('[smtp]\nsender = "rectify <rectify@localhost>\\r\\n"\n', "配置项 [smtp] sender 第 1 项不是有效的邮箱地址"),
])
def test_config_values_are_refused_in_one_line(run: Run, tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text(toml, encoding="utf-8")
    line = refused(run("case", "list", env={"RECTIFY_CONFIG": str(path)}), 2)
    assert message in line


def test_config_addresses_may_carry_display_names(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text('[supervisors]\ncounty = ["张三 <zhang@example.cn>"]\n[smtp]\nsender = "青山县委组织部 <zzb@qs.cn>"\n',
                    encoding="utf-8")
    assert run("case", "list", env={"RECTIFY_CONFIG": str(path)}).exit_code == 0


# -- CLI options and engine inputs -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "county", "message"), [
    ("王家庄\x1b[2J村党支部", "青山县", "组织名称含有不可见的控制字符 U+001B"),
    ("王家庄\x07村党支部", "青山县", "U+0007"),
    ("王家庄\x00村党支部", "青山县", "U+0000"),
    ("村" * 5000, "青山县", "组织名称过长：5000 个字符，最多 200 个"),
    ("王家庄村党支部", "县" * 300, "县过长：300 个字符，最多 100 个"),
])
def test_org_add_refuses_what_either_backend_could_not_hold(db: Database, run: Run, name: str, county: str,
                                                            message: str) -> None:
    before = snapshot(db)
    line = refused(run("org", "add", "V100", name, "--kind", "village", "--county", county, "--township", "河口镇"),
                   2)
    assert message in line
    assert snapshot(db) == before


@pytest.mark.parametrize(("args", "message"), [
    (("--name", "陈\x1b]0;pwned\x07海涛"), "控制字符"),
    (("--name", "陈" * 500), "过长"),
    (("--name", "陈海涛", "--email", "chen@example.cn\r\nBcc: all@example.cn"), "换行或控制字符"),
])
def test_secretary_inputs_are_checked(db: Database, wf: Workflow, clock: FakeClock, run: Run,
                                      args: tuple[str, ...], message: str) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    before = snapshot(db)
    line = refused(run("case", "assign-secretary", str(case_id), "--unit", "县财政局", "--since", "2026-03-09",
                       *args), 2)
    assert message in line
    assert snapshot(db) == before


def test_secretary_email_with_a_display_name_keeps_the_address(db: Database, wf: Workflow, clock: FakeClock,
                                                               run: Run, config) -> None:  # type: ignore[no-untyped-def]
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    result = run("case", "assign-secretary", str(case_id), "--name", "陈海涛", "--unit", "县财政局",
                 "--since", "2026-03-09", "--email", "陈海涛 <chen@example.cn>")
    assert result.exit_code == 0, result.output
    shown = show_case(db, str(case_id), as_of=date(2026, 3, 10), config=config)
    assert "chen@example.cn" in json.dumps(shown, ensure_ascii=False, default=str)
    assert "<chen@example.cn>" not in json.dumps(shown, ensure_ascii=False, default=str)


@pytest.mark.parametrize("args", [
    ("case", "extend", "{case}", "--to", "9999-12-31", "--reason", "推迟", "--approved-by", "部务会"),
    ("case", "measure-done", "{case}", "12345678901234567890", "--on", "2026-03-09"),
    ("case", "list", "--year", "12345678901234567890"),
    ("outbox", "retry", "12345678901234567890"),
    ("case", "verify", "{case}", "--on", "2026-03-10", "--score", "80", "--satisfied", "12345678901234567890",
     "--dissatisfied", "0"),
    ("case", "progress", "{case}", "--on", "2026-03-10", "--note", "召开\x00党员大会"),
])
def test_hostile_options_are_malformed_input(db: Database, wf: Workflow, clock: FakeClock, run: Run,
                                             args: tuple[str, ...]) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    before = snapshot(db)
    result = run(*(a.replace("{case}", str(case_id)) for a in args))
    assert result.exit_code == 2, result.output
    assert "内部错误" not in result.output and "Traceback" not in result.output
    assert snapshot(db) == before


def test_a_plan_of_ten_thousand_measures_is_refused(db: Database, wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "identified")
    before = snapshot(db)
    with pytest.raises(BadInput, match="整顿措施数应在 0–50 之间"):
        wf.plan(case_id, measures=[(["P01", "P10"], "措施", "王建国", date(2026, 6, 30))] * 10_000, county_leader="李县长",
                township_cadre="张干部")
    assert snapshot(db) == before


# -- import cells ----------------------------------------------------------------------------------

HEAD = "县,乡镇,党组织名称,类别,软弱涣散情形,整顿措施,确定日期,转化时限,当前阶段\n"


@pytest.mark.parametrize(("cells", "message"), [
    ("青山县,河口镇,王家庄村党支部,村,P01,0/10000000,2026-01-05,2026-12-31,identified",
     "整顿措施：整顿措施 10000000 项过多（一个整顿对象最多 50 项）"),
    ("青山县,河口镇,王家庄村党支部,村,P01,0/12345678901234567890,2026-01-05,2026-12-31,identified",
     "整顿措施：应写成 已完成/总数"),
    ("青山县,河口镇,王家庄村党支部,村,P01,1/2,2026-01-05,9999-12-31,identified", "转化时限：日期 9999-12-31 超出范围"),
    ("青山县,河口镇,王家庄\x1b[31m村党支部,村,P01,1/2,2026-01-05,2026-12-31,identified", "控制字符 U+001B"),
    ("青山县,河口镇," + "村" * 300 + ",村,P01,1/2,2026-01-05,2026-12-31,identified", "最多 200 个"),
    ("县" * 300 + ",河口镇,王家庄村党支部,村,P01,1/2,2026-01-05,2026-12-31,identified", "最多 100 个"),
])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)])
def test_import_cells_are_checked(db: Database, run: Run, tmp_path: Path, cells: str, message: str,
                                  dry_run: tuple[str, ...]) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(HEAD + cells + "\n", encoding="utf-8")
    before = snapshot(db)
    result = run("case", "import", str(path), *dry_run)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "内部错误" not in result.stderr
    assert snapshot(db) == before


def test_a_rows_first_look_at_its_text_cells_finds_what_each_cell_check_finds() -> None:
    """``check_text_cells`` passes plain rows with one search over all their cells; whatever it does not pass
    is checked cell by cell, so the answer (and the wording) is always the cell-by-cell one."""
    from rectify.importing.rows import MULTILINE_CELLS, check_text_cells

    def each_cell(values: dict[str, object]) -> list[tuple[str, str]]:
        bad = []
        for key, v in values.items():
            if type(v) is str and v:
                limit = {"org_name": 200, "county": 100}.get(key)
                try:
                    validation.text(v, "", max_len=limit, multiline=key in MULTILINE_CELLS)
                except BadInput as exc:
                    bad.append((key, str(exc)))
        return bad

    base = {"county": "青山县", "org_name": "王家庄村党支部", "remarks": "第一行\n第二行\t缩进", "deadline": ""}
    for key, value in [(None, None), ("org_name", "王家庄\n村"), ("org_name", "王家庄\t村"), ("remarks", "a\x1bb"),
                       ("org_name", "村" * 201), ("county", "县" * 101), ("remarks", "注" * 10_001),
                       ("org_name", " 王家庄村党支部\n"), ("deadline", date(2026, 1, 5)), ("county", "青山\u2028县")]:
        values = dict(base) if key is None else {**base, key: value}
        assert check_text_cells(values) == each_cell(values), (key, value)
    assert check_text_cells({**base, "org_name": "王家庄\n村"})  # refused, as before


@pytest.mark.parametrize("text", ["2026-01-05", "2026-1-5", "2026/01/05", "2026年1月5日", "20260105",
                                  "2026-02-30", "2026-0x-05", "9999-12-31", "1899-12-31", "２０２６-01-05"])
def test_iso_dates_read_first_give_what_the_general_reading_gives(text: str) -> None:
    """``parse_date`` reads YYYY-MM-DD with ``date.fromisoformat`` first; every answer and refusal is the same
    as the general reading's (the pattern below)."""
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", text) \
        or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    try:
        if m is None:
            raise BadInput(f"日期无法识别「{text}」（应为 2024-03-05、2024/3/5 或 2024年3月5日）")
        expected: object = validation.in_range(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    except ValueError:
        expected = f"日期不存在「{text}」"
    except BadInput as exc:
        expected = str(exc)
    try:
        got: object = validation.parse_date(text)
    except BadInput as exc:
        got = str(exc)
    assert got == expected


def test_import_numeric_columns_are_bounded(db: Database, run: Run, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("县,乡镇,党组织名称,类别,软弱涣散情形,措施已完成,措施总数,确定日期,转化时限,当前阶段\n"
                    "青山县,河口镇,王家庄村党支部,村,P01,0,99999999999999999999,2026-01-05,2026-12-31,identified\n",
                    encoding="utf-8")
    result = run("case", "import", str(path), "--dry-run")
    assert result.exit_code == 2 and "措施总数" in result.stderr and "内部错误" not in result.stderr


# -- references ------------------------------------------------------------------------------------


def test_a_reference_that_is_a_case_and_an_org_code_is_ambiguous(db: Database, wf: Workflow, clock: FakeClock,
                                                                 run: Run) -> None:
    add_org(wf, "V001", "河口镇王家庄村党支部")
    case_id = walk(wf, clock, "V001", "identified")
    add_org(wf, str(case_id), "河口镇李家湾村党支部")
    walk(wf, clock, str(case_id), "identified")
    line = refused(run("case", "show", str(case_id)), 1)
    assert f"既是整顿对象编号 {case_id}（河口镇王家庄村党支部），也是组织代码 {case_id}（河口镇李家湾村党支部）" in line
    assert "河口镇王家庄村党支部" in run("case", "show", f"case:{case_id}").stdout
    assert "河口镇李家湾村党支部" in run("case", "show", f"org:{case_id}").stdout


# -- damaged database ------------------------------------------------------------------------------


def test_a_truncated_sqlite_file_is_one_line_naming_it(demo: Run, db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("a file on disk is SQLite's; PostgreSQL's damage is the server's")
    from click.testing import CliRunner

    from rectify.cli import cli
    from rectify.store import sqlite_file

    source = sqlite_file(db_url)
    assert source is not None
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(source.read_bytes()[:40_000])
    result = CliRunner().invoke(cli, ["--db", str(cut), "--actor", "钱明远", "ledger", "--as-of", "2026-06-30"],
                                env={"RECTIFY_CONFIG": "", "RECTIFY_NOW": "2026-06-30T09:00:00+08:00"})
    line = refused(result, 1)
    assert str(cut) in line and "已损坏" in line and "restore" in line


# -- restore ---------------------------------------------------------------------------------------


def _backup(run: Run, tmp_path: Path) -> list[dict]:
    path = tmp_path / "backup.jsonl"
    assert run("export", "--all", str(path)).exit_code == 0
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _edit(lines: list[dict], table: str, key: str, value: object) -> list[dict]:
    out = [json.loads(json.dumps(x)) for x in lines]
    next(x for x in out if x.get("table") == table)["row"][key] = value
    return out


@pytest.mark.parametrize(("table", "key", "value", "message"), [
    ("rectification_case", "stage", "bogus_stage", "stage 的值 'bogus_stage' 无效"),
    ("rectification_case", "score", 999, "score 的值 '999' 无效"),
    ("rectification_case", "measures_done", 99, "已完成措施数多于措施总数"),
    ("rectification_case", "deadline", "9999-12-31", "超出范围"),
    ("rectification_case", "year", 12345678901234567890, "年度应在"),
    ("rectification_case", "version", "1", "类型不对"),
    ("organization", "name", "王家庄\x00村", "控制字符 U+0000"),
    ("organization", "county", "县" * 300, "最多 100 个"),
    ("organization", "kind", "castle", "kind 的值 'castle' 无效"),
    ("measure", "case_id", 999, "引用的 rectification_case 行不存在"),
    ("person", "email", "a" * 400, "最多 320 个"),
])
def test_restore_checks_every_line_before_writing(db: Database, wf: Workflow, clock: FakeClock, run: Run,
                                                  request: pytest.FixtureRequest, tmp_path: Path, table: str,
                                                  key: str, value: object, message: str) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "verified")
    lines = _edit(_backup(run, tmp_path), table, key, value)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    other_url = second_database_url(request, str(db.url), tmp_path)
    from rectify.store import open_database

    other = open_database(other_url)
    try:
        before = snapshot(other)
        from click.testing import CliRunner

        from rectify.cli import cli

        result = CliRunner().invoke(cli, ["--db", other_url, "restore", str(path)], env={"RECTIFY_CONFIG": ""})
        line = refused(result, 2)
        assert message in line and "未恢复任何数据" in line
        assert snapshot(other) == before
    finally:
        other.dispose()


def test_row_decides_instants_flags_and_fractions_as_before() -> None:
    """An instant within 1900–2100, a flag and a fraction pass at once; an instant outside is refused as before."""
    from rectify.store.tables import case_t

    validation.row(case_t, {"updated_at": datetime(2026, 1, 5, 8, tzinfo=UTC), "supervised": True,
                            "satisfaction": 0.952})
    with pytest.raises(BadInput, match=r"updated_at 1899-12-31 超出范围"):
        validation.row(case_t, {"updated_at": datetime(1899, 12, 31, 23, tzinfo=UTC)})
    with pytest.raises(BadInput, match="超出范围"):
        validation.row(case_t, {"created_at": datetime(2101, 1, 1, tzinfo=UTC)})


def test_a_rows_compiled_check_decides_as_the_loop_does() -> None:
    """A row with the columns of one already checked is checked by code made for them (validation._compiled): for
    every table and kind of value it passes and refuses what the general loop does, with the same message."""
    from rectify.store.tables import case_t, event_t, person_t, progress_t, verification_t

    kinds: list[Any] = [None, "", "正常", "x\x00", "a\nb", "y" * 20_001, 5, -5, 2**40, True, 0.5, date(2026, 1, 5),
                        date(1800, 1, 1), datetime(2026, 1, 5, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC),
                        b"bytes", ["list"]]

    def outcome(table: Any, values: dict[str, Any], compiled: bool) -> str:
        key = (id(table), tuple(values))
        validation._COMPILED.pop(key, None)
        if compiled:
            validation.row(table, dict.fromkeys(values))  # nothing to refuse: the code for these keys is made
            assert key in validation._COMPILED
        try:
            validation.row(table, values, where="W")
        except BadInput as exc:
            return str(exc)
        return "ok"

    for table in (case_t, event_t, person_t, progress_t, verification_t):
        columns = [c.key for c in table.c] + ["not_a_column"]
        for value in kinds:
            every = dict.fromkeys(columns, value)
            assert outcome(table, every, True) == outcome(table, every, False), (table.name, value)
            for key in columns:  # one column at a time, the rest empty
                single = {k: (value if k == key else None) for k in columns}
                assert outcome(table, single, True) == outcome(table, single, False), (table.name, key, value)
