"""Measure reminders (SPEC §5): each open measure's due date reminds its 责任人, copied to the officer.

Against a real SMTP server (aiosmtpd) on both backends, and the pure rule on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import PolicyConfig
from rectify.notifications.policy import MeasureRow, measure_sweep
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org
from .remind_helpers import OFFICER, SmtpServer, write_config

OWNER = "wang.jg@example.cn"



@pytest.fixture
def planned(wf: Workflow, clock: FakeClock) -> int:
    """A case with three measures: 1 (王建国, with e-mail) due 06-30; 2 (李志强, no e-mail) due 07-10;
    3 done."""
    add_org(wf, "V001", "河口镇王家庄村党支部")
    case_id = wf.open_case("V001", problems=["P01", "P10"], identified_on=date(2026, 3, 1),
                           deadline=date(2026, 12, 31), officer="赵经办", officer_email=OFFICER).case_id
    wf.plan(case_id, measures=[
        {"problems": ["P01"], "text": "配齐村两委班子", "owner": "王建国（河口镇党委）", "owner_email": OWNER,
         "due": date(2026, 6, 30)},
        (["P10"], "规范三会一课", "李志强", date(2026, 7, 10)),
        (["P10"], "建立党员联系户制度", "李志强", date(2026, 6, 30)),
    ], county_leader="李县长", township_cadre="张干部", helping_unit="县财政局")
    wf.complete_measure(case_id, 3, on=date(2026, 3, 10))
    return case_id


def remind(run: Callable[..., Result], cfg: Path, as_of: str) -> Result:
    return run("remind", "run", "--as-of", as_of, env={"RECTIFY_CONFIG": str(cfg)})


def body(msg: object) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[attr-defined,no-any-return]


def mentions(smtp: SmtpServer, addr: str, text: str) -> int:
    """How many messages to ``addr`` name ``text`` (the officer also hears of the case's own tasks)."""
    return sum(1 for m in smtp.sink.to(addr) if text in body(m))


def test_a_measure_reminds_its_owner_and_the_officer_once(
    run: Callable[..., Result], smtp: SmtpServer, planned: int, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    res = remind(run, cfg, "2026-06-23")  # measure 1 is 7 days off, measure 2 17 days (no window)
    assert res.exit_code == 0, res.output
    [owner] = smtp.sink.to(OWNER)
    text = body(owner)
    assert "整改措施时限临近" in text and "整改措施 1：配齐村两委班子（责任人：王建国）" in text
    assert "规范三会一课" not in text and "建立党员联系户制度" not in text
    assert owner["To"].addresses[0].display_name == "王建国"
    [officer] = smtp.sink.to(OFFICER)
    assert "整改措施 1：配齐村两委班子" in body(officer)
    sent = len(smtp.sink.messages)
    again = remind(run, cfg, "2026-06-23")
    assert again.exit_code == 0, again.output
    assert len(smtp.sink.messages) == sent
    # 06-24 is still in the 7-day window: nothing new; 06-27 opens the 3-day one.
    assert remind(run, cfg, "2026-06-24").exit_code == 0
    assert len(smtp.sink.to(OWNER)) == 1 and mentions(smtp, OFFICER, "配齐村两委班子") == 1
    assert remind(run, cfg, "2026-06-27").exit_code == 0
    assert len(smtp.sink.to(OWNER)) == 2 and mentions(smtp, OFFICER, "配齐村两委班子") == 2


def test_an_owner_without_email_is_covered_by_the_officer_and_overdue_is_alerted(
    run: Callable[..., Result], smtp: SmtpServer, planned: int, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    res = remind(run, cfg, "2026-07-11")  # measure 1 overdue 11 days, measure 2 overdue 1 day
    assert res.exit_code == 0, res.output
    [officer] = smtp.sink.to(OFFICER)
    text = body(officer)
    assert "整改措施逾期" in text
    assert "整改措施 2：规范三会一课（责任人：李志强）" in text and "逾期 1 天" in text
    assert "整改措施 1：配齐村两委班子" in text
    assert "建立党员联系户制度" not in text  # done
    [owner] = smtp.sink.to(OWNER)
    assert "规范三会一课" not in body(owner) and "配齐村两委班子" in body(owner)
    # Weekly after that: nothing new within a week's window.
    assert remind(run, cfg, "2026-07-12").exit_code == 0
    assert mentions(smtp, OFFICER, "规范三会一课") == 1 and len(smtp.sink.to(OWNER)) == 1
    # 07-15 starts measure 1's third week of overdue (days 15–21), 07-18 measure 2's second.
    assert remind(run, cfg, "2026-07-18").exit_code == 0
    assert mentions(smtp, OFFICER, "规范三会一课") == 2 and len(smtp.sink.to(OWNER)) == 2
    assert remind(run, cfg, "2026-07-21").exit_code == 0
    assert mentions(smtp, OFFICER, "规范三会一课") == 2 and len(smtp.sink.to(OWNER)) == 2


def test_a_done_measure_and_a_dry_run_send_nothing(
    run: Callable[..., Result], smtp: SmtpServer, wf: Workflow, planned: int, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    dry = run("remind", "run", "--as-of", "2026-06-23", "--dry-run", env={"RECTIFY_CONFIG": str(cfg)})
    assert dry.exit_code == 0, dry.output
    assert "配齐村两委班子" in dry.output
    assert smtp.sink.messages == []
    wf.complete_measure(planned, 1, on=date(2026, 3, 10))
    assert remind(run, cfg, "2026-06-23").exit_code == 0
    assert smtp.sink.to(OWNER) == [] and mentions(smtp, OFFICER, "配齐村两委班子") == 0


def row(seq: int, due: date, stage: str = "ledger_created") -> MeasureRow:
    return MeasureRow(1, seq, f"措施{seq}", "王建国", "", due, stage, "王家庄村党支部", "V001", "河口镇")


@pytest.mark.parametrize(
    ("due", "kind", "offset"),
    [
        (date(2026, 6, 16), None, None),  # 15 days: before the first window
        (date(2026, 6, 15), "measure_due", 14),
        (date(2026, 6, 7), "measure_due", 7),
        (date(2026, 6, 1), "measure_due", 1),  # due today
        (date(2026, 5, 31), "measure_overdue", -1),
        (date(2026, 5, 24), "measure_overdue", -8),
    ],
)
def test_measure_windows(due: date, kind: str | None, offset: int | None) -> None:
    items = measure_sweep(date(2026, 6, 1), [row(2, due)], PolicyConfig())
    assert [(i.kind, i.offset_days, i.stage) for i in items] == ([] if kind is None else [(kind, offset, "measure#2")])


def test_rectified_and_closed_cases_have_no_measure_items() -> None:
    rows = [row(1, date(2026, 5, 1), "rectified"), row(2, date(2026, 5, 1), "verified")]
    assert measure_sweep(date(2026, 6, 1), rows, PolicyConfig()) == []


def test_two_measures_due_the_same_day_are_two_items() -> None:
    items = measure_sweep(date(2026, 6, 1), [row(1, date(2026, 6, 3)), row(2, date(2026, 6, 3))], PolicyConfig())
    assert [i.stage for i in items] == ["measure#1", "measure#2"]
    assert json.dumps([i.offset_days for i in items]) == "[3, 3]"
