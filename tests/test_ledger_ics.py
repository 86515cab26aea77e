"""The ledger as iCalendar: UIDs unique per installation and stable, alarms, closed cases cancelled."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar

from rectify.cli import cli
from rectify.states.stages import CLOSED_STAGES
from rectify.write.engine import Workflow

from .conftest import DEMO_ACTOR, DEMO_ADMIN, FakeClock, second_database_url
from .ledger_helpers import AS_OF

Run = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def events(path: Path) -> dict[str, Any]:
    cal = Calendar.from_ical(path.read_bytes())
    found = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(found) == len(cal.walk("VEVENT")), "a UID appears twice in one file"
    return found


def export(run: Run, path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    ok(run("ledger", "--as-of", AS_OF, "--format", "ics", "-o", str(path), *args, env=env))
    return events(path)


def _invoke(url: str, clock: FakeClock, *args: str) -> Result:
    env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""}
    return CliRunner().invoke(cli, ["--db", url, "--actor", DEMO_ACTOR, *args], env=env, catch_exceptions=False)


def test_two_installations_share_no_uid(demo: Run, db_url: str, clock: FakeClock, tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    other = second_database_url(request, db_url, tmp_path)
    ok(_invoke(other, clock, "demo", "--as-of", AS_OF))
    ok(_invoke(other, clock, "ledger", "--as-of", AS_OF, "--format", "ics", "-o", str(tmp_path / "b.ics")))
    first, second = export(demo, tmp_path / "a.ics"), events(tmp_path / "b.ics")
    assert len(first) == len(second) == 2 * 44
    assert not set(first) & set(second)
    # The same case numbers, told apart by the installation id only.
    strip = {u.split("@")[0] for u in first}
    assert strip == {u.split("@")[0] for u in second}
    hosts = {u.split("@")[1] for u in first} | {u.split("@")[1] for u in second}
    assert len(hosts) == 2 and all(h.endswith(".rectify") and len(h) == 36 + len(".rectify") for h in hosts)


def test_uids_stable_across_exports_and_events_move(demo: Run, tmp_path: Path, wf: Workflow) -> None:
    first = export(demo, tmp_path / "a.ics")
    cases = ok(demo("ledger", "--as-of", AS_OF, "--format", "json", "--open")).stdout
    open_cases = json.loads(cases)["cases"]
    target = next(c for c in open_cases if c["stage"] == "secretary_assigned")
    host = next(iter(first)).split("@")[1]
    uid = f"case-{target['case_id']}-deadline@{host}"
    assert uid in first and f"case-{target['case_id']}-task@{host}" in first
    wf.extend(target["case_id"], to=date(2027, 3, 31), reason="换届推迟", approved_by="县委组织部部务会")
    second = export(demo, tmp_path / "b.ics")
    assert set(second) == set(first)
    assert second[uid]["DTSTART"].dt == date(2027, 3, 31)
    assert int(second[uid]["SEQUENCE"]) == int(first[uid]["SEQUENCE"]) + 1
    again = export(demo, tmp_path / "c.ics")
    assert set(again) == set(second)


def test_alarm_days_before_each_open_date(demo: Run, tmp_path: Path) -> None:
    found = export(demo, tmp_path / "a.ics")
    confirmed = [e for e in found.values() if str(e["STATUS"]) == "CONFIRMED"]
    assert confirmed
    for e in confirmed:
        alarms = e.walk("VALARM")
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY" and str(alarms[0]["DESCRIPTION"]) == str(e["SUMMARY"])
        assert alarms[0]["TRIGGER"].to_ical() == b"-P7D"
    assert b"TRIGGER:-P7D" in (tmp_path / "a.ics").read_bytes()
    assert not any(e.walk("VALARM") for e in found.values() if str(e["STATUS"]) == "CANCELLED")


@pytest.mark.parametrize(("days", "trigger"), [(0, None), (3, b"-P3D")])
def test_alarm_days_from_the_config(demo: Run, tmp_path: Path, days: int, trigger: bytes | None) -> None:
    conf = tmp_path / "rectify.toml"
    conf.write_text(f"[calendar]\nalarm_days = {days}\n", encoding="utf-8")
    found = export(demo, tmp_path / "a.ics", env={"RECTIFY_CONFIG": str(conf)})
    alarms = [a for e in found.values() for a in e.walk("VALARM")]
    if trigger is None:
        assert alarms == [] and b"BEGIN:VALARM" not in (tmp_path / "a.ics").read_bytes()
    else:
        assert alarms and {a["TRIGGER"].to_ical() for a in alarms} == {trigger}


def test_closed_cases_are_cancelled(demo: Run, tmp_path: Path) -> None:
    found = export(demo, tmp_path / "a.ics")
    cases = json.loads(ok(demo("ledger", "--as-of", AS_OF, "--format", "json")).stdout)["cases"]
    host = next(iter(found)).split("@")[1]
    closed = [c for c in cases if c["stage"] in CLOSED_STAGES]
    assert {c["stage"] for c in closed} == set(CLOSED_STAGES)
    for c in closed:
        for what in ("deadline", "task"):
            e = found[f"case-{c['case_id']}-{what}@{host}"]
            assert str(e["STATUS"]) == "CANCELLED", (c["case_id"], what)
    open_deadlines = [found[f"case-{c['case_id']}-deadline@{host}"] for c in cases if c not in closed]
    assert open_deadlines and all(str(e["STATUS"]) == "CONFIRMED" for e in open_deadlines)
    # A task event exists for every case, named by the task and dated by its due date; live while the case is open.
    live = [c for c in cases if c not in closed]
    for c in live:
        e = found[f"case-{c['case_id']}-task@{host}"]
        assert str(e["STATUS"]) == "CONFIRMED" and e["DTSTART"].dt.isoformat() == c["next_due"]
        assert str(e["SUMMARY"]) == f"【{c['task_label']}】{c['org_name']}"


def test_closed_events_say_so(demo: Run, tmp_path: Path) -> None:
    found = export(demo, tmp_path / "a.ics").values()
    cancelled = [str(e["DESCRIPTION"]) for e in found if str(e["STATUS"]) == "CANCELLED"]
    assert any("整顿已办结，本日程已取消" in t for t in cancelled)
    assert not any("已办结" in str(e["DESCRIPTION"]) for e in found if str(e["STATUS"]) == "CONFIRMED")


def test_installation_id_travels_with_export_and_restore(demo: Run, db_url: str, clock: FakeClock,
                                                        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    before = export(demo, tmp_path / "a.ics")
    backup = tmp_path / "backup.jsonl"
    ok(demo("--actor", DEMO_ADMIN, "export", "--all", str(backup)))
    other = second_database_url(request, db_url, tmp_path)
    ok(_invoke(other, clock, "restore", str(backup)))
    ok(_invoke(other, clock, "ledger", "--as-of", AS_OF, "--format", "ics", "-o", str(tmp_path / "b.ics")))
    assert set(events(tmp_path / "b.ics")) == set(before)


def test_restore_over_a_calendar_only_database_takes_the_backups_id(
        demo: Run, db_url: str, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    before = export(demo, tmp_path / "a.ics")
    backup = tmp_path / "backup.jsonl"
    ok(demo("--actor", DEMO_ADMIN, "export", "--all", str(backup)))
    other = second_database_url(request, db_url, tmp_path)
    # A calendar exported from the new, empty database gives it an id of its own first.
    ok(_invoke(other, clock, "ledger", "--format", "ics", "-o", str(tmp_path / "empty.ics")))
    ok(_invoke(other, clock, "restore", str(backup)))
    ok(_invoke(other, clock, "ledger", "--as-of", AS_OF, "--format", "ics", "-o", str(tmp_path / "b.ics")))
    assert set(events(tmp_path / "b.ics")) == set(before)
