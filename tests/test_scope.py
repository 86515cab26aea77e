"""Reads show only the reader's scope (SPEC §12): two counties, a township and a city, on both backends.

青山县 has cases in 河口镇 (A) and 城关镇 (B) and an organization without a case in 河口镇 (D); 绿水县
has a case in 柳林镇 (C). Each registered person sees exactly their part in every read command; a
case outside the scope is "not found" with the line an unknown case gets; nobody registered (legacy
mode) sees everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.reports.cases import case_history, list_cases, list_orgs, show_case
from rectify.reports.ledger import LedgerFilter, ledger_title, scope_counties
from rectify.reports.stats import compute_stats
from rectify.states.permissions import Actor
from rectify.states.reading import export_all_refusal
from rectify.store import Database
from rectify.store.people import insert_person
from rectify.write.engine import Workflow

from .conftest import NOW

Run = Callable[..., Result]
AS_OF = "2026-03-20"

ORGS = (  # code, name, county, township, with a case
    ("A", "河口镇王家庄村党支部", "青山县", "河口镇", True),
    ("B", "城关镇新华社区党支部", "青山县", "城关镇", True),
    ("C", "柳林镇孙家楼村党支部", "绿水县", "柳林镇", True),
    ("D", "河口镇李家湾村党支部", "青山县", "河口镇", False),
)

PEOPLE = (  # name, role, scope
    ("管理员", "admin", "*"),
    ("青经办", "county_officer", "青山县"),
    ("绿经办", "county_officer", "绿水县"),
    ("河口包村", "township_leader", "青山县/河口镇"),
    ("市督导", "city_supervisor", "青山县,绿水县"),
    ("绿审计", "auditor", "绿水县"),
)

# name → the organizations whose cases (and the organizations themselves) that person sees
SEES = {
    "管理员": "ABCD",
    "青经办": "ABD",
    "绿经办": "C",
    "河口包村": "AD",
    "市督导": "ABCD",
    "绿审计": "C",
}


def actor_of(name: str, role: str, scope: str, unit: str = "") -> Actor:
    """The Actor a registry row stands for: ``*`` every county, ``县/乡镇`` a township, ``县,县`` a list."""
    if scope in ("", "*"):
        return Actor(name=name, unit=unit, role=role)
    county, _, township = scope.partition("/")
    return Actor(name=name, unit=unit, role=role, counties=tuple(county.split(",")), township=township or None)


@pytest.fixture
def county(wf: Workflow) -> dict[str, int]:
    """The two counties' organizations and cases; organization code → case number."""
    cases = {}
    for code, name, county_name, township, with_case in ORGS:
        wf.add_org(code, name, kind="village", county=county_name, township=township)
        if with_case:
            cases[code] = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1),
                                       deadline=date(2026, 12, 31)).case_id
    return cases


@pytest.fixture
def registered(db: Database, county: dict[str, int]) -> dict[str, int]:
    with db.begin() as conn:
        for name, role, scope in PEOPLE:
            insert_person(conn, name=name, role=role, scope=scope, unit="县委组织部", now=NOW)
    return county


def said(result: Result) -> str:
    """A confirmation: on stderr, so stdout carries only data."""
    assert result.exit_code == 0, result.output + result.stderr
    return result.stderr


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def read_all(run: Run, name: str, cases: dict[str, int]) -> dict[str, object]:
    """What ``name`` sees in each read command, as organization codes (and the stats total)."""
    ledger = json.loads(ok(run("--actor", name, "ledger", "--as-of", AS_OF, "--format", "json")))
    listed = json.loads(ok(run("--actor", name, "case", "list", "--as-of", AS_OF, "--format", "json")))
    orgs = json.loads(ok(run("--actor", name, "org", "list", "--format", "json")))
    stats = json.loads(ok(run("--actor", name, "stats", "--as-of", AS_OF, "--format", "json")))
    shown = {code for code, cid in cases.items()
             if run("--actor", name, "case", "show", str(cid), "--as-of", AS_OF).exit_code == 0}
    return {
        "ledger": "".join(sorted(c["org_code"] for c in ledger["cases"])),
        "count": ledger["count"],
        "list": "".join(sorted(c["org_code"] for c in listed)),
        "orgs": "".join(sorted(o["code"] for o in orgs)),
        "stats": stats["total"],
        "form": stats["form"]["rows"][0]["values"]["identified"],
        "townships": sorted(t["township"] for t in stats["by_township"]),
        "show": "".join(sorted(shown)),
    }


def expected(codes: str, cases: dict[str, int]) -> dict[str, object]:
    with_case = "".join(c for c in codes if c in cases)
    townships = {code: township for code, _, _, township, _ in ORGS}
    return {
        "ledger": with_case, "count": len(with_case), "list": with_case, "orgs": codes,
        "stats": len(with_case), "form": len(with_case),
        "townships": sorted(townships[c] for c in with_case), "show": with_case,
    }


@pytest.mark.parametrize("name", list(SEES))
def test_each_person_sees_exactly_their_scope(run: Run, registered: dict[str, int], name: str) -> None:
    assert read_all(run, name, registered) == expected(SEES[name], registered)


def test_legacy_mode_nobody_registered_sees_everything(run: Run, county: dict[str, int]) -> None:
    assert read_all(run, "随便谁", county) == expected("ABCD", county)


def test_a_case_outside_the_scope_is_not_found_like_an_unknown_one(run: Run, registered: dict[str, int]) -> None:
    c = str(registered["C"])
    unknown = run("--actor", "青经办", "case", "show", "999")
    assert unknown.exit_code == 1 and unknown.stderr == "错误：找不到整顿对象或组织 999\n"
    for args, ref in ((("case", "show", c), c), (("case", "history", c), c), (("case", "show", "C"), "C"),
                      (("case", "history", "C", "--format", "json"), "C")):
        result = run("--actor", "青经办", *args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"错误：找不到整顿对象或组织 {ref}\n")
    # An organization outside the scope without an open case reads as unknown too, not "no open case".
    assert run("--actor", "绿经办", "case", "show", "D").stderr == "错误：找不到整顿对象或组织 D\n"
    assert "没有在办的整顿对象" in run("--actor", "青经办", "case", "show", "D").stderr
    # Within the scope the history and the show read as before.
    history = json.loads(ok(run("--actor", "绿审计", "case", "history", c, "--format", "json")))
    assert [e["case_id"] for e in history] == [registered["C"]]
    assert json.loads(ok(run("--actor", "绿审计", "case", "show", "C", "--format", "json")))["id"] == registered["C"]


def test_the_township_leader_reads_only_their_township(run: Run, registered: dict[str, int]) -> None:
    b = str(registered["B"])
    assert run("--actor", "河口包村", "case", "history", b).exit_code == 1
    assert ok(run("--actor", "河口包村", "case", "history", str(registered["A"])))
    # An explicit filter outside the scope shows nothing rather than widening it.
    listed = json.loads(ok(run("--actor", "河口包村", "case", "list", "--township", "城关镇", "--format", "json")))
    assert listed == []
    ledger = json.loads(ok(run("--actor", "青经办", "ledger", "--county", "绿水县", "--format", "json")))
    assert ledger["count"] == 0


def test_json_listings_name_the_scope_they_were_limited_to(run: Run, registered: dict[str, int]) -> None:
    def filters(name: str) -> dict[str, object]:
        return json.loads(ok(run("--actor", name, "ledger", "--as-of", AS_OF, "--format", "json")))["filters"]

    assert filters("河口包村") == {"scope": "青山县/河口镇"}
    assert filters("市督导") == {"scope": "青山县,绿水县"}
    assert filters("管理员") == {}
    stats = json.loads(ok(run("--actor", "绿审计", "stats", "--as-of", AS_OF, "--format", "json")))
    assert stats["filters"] == {"scope": "绿水县"}


def test_ledger_and_form_titles_follow_the_scope(db: Database, registered: dict[str, int]) -> None:
    def title(actor: Actor) -> str:
        return ledger_title(scope_counties(db, LedgerFilter(reader=actor)), date(2026, 3, 20))

    assert title(actor_of("河口包村", "township_leader", "青山县/河口镇")).startswith("青山县河口镇软弱涣散")
    assert title(actor_of("绿经办", "county_officer", "绿水县")).startswith("绿水县软弱涣散")
    assert title(actor_of("市督导", "city_supervisor", "青山县,绿水县")).startswith("绿水县、青山县软弱涣散")
    # A scope with no case yet still names its own county, never every county.
    assert title(actor_of("远县", "county_officer", "远山县")).startswith("远山县软弱涣散")
    assert title(Actor(name="随便谁")).startswith("绿水县、青山县软弱涣散")


def test_the_stats_form_xlsx_is_titled_with_the_scope(run: Run, registered: dict[str, int],
                                                        tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "form.xlsx"
    ok(run("--actor", "绿审计", "stats", "--as-of", AS_OF, "--format", "xlsx", "-o", str(out)))
    cells = [str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert any("绿水县" in c for c in cells)
    assert not any("青山县" in c for c in cells)


def test_the_read_side_takes_the_reader(db: Database, config: Config, registered: dict[str, int]) -> None:
    as_of = date(2026, 3, 20)
    green = actor_of("绿经办", "county_officer", "绿水县")
    assert [r["org_code"] for r in list_cases(db, as_of=as_of, config=config, reader=green)] == ["C"]
    assert [r["code"] for r in list_orgs(db, reader=green)] == ["C"]
    assert compute_stats(db, as_of=as_of, config=config, filters=LedgerFilter(reader=green))["total"] == 1
    assert show_case(db, "C", as_of=as_of, config=config, reader=green)["id"] == registered["C"]
    from rectify.errors import NotFound

    with pytest.raises(NotFound, match="^找不到整顿对象或组织 A$"):
        show_case(db, "A", as_of=as_of, config=config, reader=green)
    with pytest.raises(NotFound, match=f"^找不到整顿对象或组织 {registered['B']}$"):
        case_history(db, registered["B"], reader=green)
    # An unlimited reader: an unregistered name, or a role with no counties.
    for everyone in (Actor(name="随便谁"), Actor(name="管理员", role="admin")):
        assert len(list_cases(db, as_of=as_of, config=config, reader=everyone)) == 3


@pytest.mark.parametrize("name", [n for n, role, _ in PEOPLE if role != "admin"])
def test_export_all_is_refused_to_everyone_but_the_admin(run: Run, registered: dict[str, int], tmp_path: Path,
                                                         name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("--actor", name, "export", "--all", str(folder / "backup.jsonl"))
    assert (result.exit_code, result.stdout) == (1, "")
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：县委组织部 " + name) and "仅限系统管理员" in lines[0]
    assert "export --all" in lines[0]
    assert list(folder.iterdir()) == []


def test_export_all_by_the_admin_and_in_legacy_mode(run: Run, county: dict[str, int], db: Database,
                                                   tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.jsonl"
    assert "整顿对象 3 个" in said(run("--actor", "随便谁", "export", "--all", str(legacy)))
    with db.begin() as conn:
        insert_person(conn, name="管理员", role="admin", scope="*", now=NOW)
    admin = tmp_path / "admin.jsonl"
    assert "整顿对象 3 个" in said(run("--actor", "管理员", "export", "--all", str(admin)))


def test_the_backup_rule_is_data_in_states() -> None:
    assert export_all_refusal(Actor(name="甲")) is None
    assert export_all_refusal(Actor(name="甲", role="admin")) is None
    refusal = export_all_refusal(Actor(name="乙", unit="县委组织部", role="auditor", counties=("绿水县",)))
    assert refusal is not None and refusal.startswith("县委组织部 乙（审计（只读））")
