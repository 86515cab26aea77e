"""The ``case`` group: the commands that change a case (``case_write`` and its siblings) and those that read
(``case_read``), each module imported only when one of its commands runs (a read loads no write command)."""

from __future__ import annotations

import click

from rectify.cli.lazy import LazyGroup

# Each module's commands by attribute; a command's name is its attribute's (case_revise_plan → revise-plan).
_MODULES: dict[str, tuple[str, ...]] = {
    "case_write": ("case_open", "case_plan", "case_revise_plan", "case_measure_done", "case_progress",
                   "case_withdraw", "case_extend", "case_import"),
    "case_verification": ("case_rectified", "case_verify", "case_objection", "case_strike_off"),
    "case_tracks": ("case_assign_secretary", "case_recall_secretary", "case_secretary_term", "case_village_secretary",
                    "case_work_team"),
    "case_supervision": ("case_supervise", "case_unsupervise", "case_escalate"),
    "case_consolidation": ("case_look_back",),
    "case_read": ("case_show", "case_history_cmd", "case_list"),
    "case_evidence": ("case_files", "case_withdraw_file"),
}


def _name(attr: str) -> str:
    return attr.removeprefix("case_").removesuffix("_cmd").replace("_", "-")


# name → (module under rectify.cli, attribute); ``rectify case --help`` lists them in name order, as click does.
_COMMANDS = {_name(attr): (module, attr) for module, attrs in _MODULES.items() for attr in attrs}


@click.group(cls=LazyGroup, lazy=_COMMANDS)
def case() -> None:
    """整顿对象（case）：列入整顿，按阶段办理，查看。"""
