"""The ``case`` group: the commands that change a case (``case_write`` and its siblings) and those that read
(``case_read``), each module imported only when one of its commands runs (a read loads no write command)."""

from __future__ import annotations

import click

from rectify.cli.lazy import LazyGroup

# name → (module under rectify.cli, attribute); ``rectify case --help`` lists them in name order, as click does.
_COMMANDS: dict[str, tuple[str, str]] = {
    **{name: ("case_write", attr) for name, attr in (
        ("open", "case_open"), ("plan", "case_plan"), ("revise-plan", "case_revise_plan"),
        ("measure-done", "case_measure_done"), ("progress", "case_progress"), ("withdraw", "case_withdraw"),
        ("extend", "case_extend"), ("import", "case_import"))},
    **{name: ("case_verification", attr) for name, attr in (
        ("rectified", "case_rectified"), ("verify", "case_verify"), ("objection", "case_objection"),
        ("strike-off", "case_strike_off"))},
    **{name: ("case_tracks", attr) for name, attr in (
        ("assign-secretary", "case_assign_secretary"), ("recall-secretary", "case_recall_secretary"),
        ("village-secretary", "case_village_secretary"), ("work-team", "case_work_team"))},
    **{name: ("case_supervision", attr) for name, attr in (
        ("supervise", "case_supervise"), ("unsupervise", "case_unsupervise"), ("escalate", "case_escalate"))},
    "look-back": ("case_consolidation", "case_look_back"),
    **{name: ("case_read", attr) for name, attr in (
        ("show", "case_show"), ("history", "case_history_cmd"), ("list", "case_list"))},
    **{name: ("case_evidence", attr) for name, attr in (
        ("files", "case_files"), ("withdraw-file", "case_withdraw_file"))},
}


@click.group(cls=LazyGroup, lazy=_COMMANDS)
def case() -> None:
    """Rectification cases (整顿对象): open, walk through the stages, show."""
