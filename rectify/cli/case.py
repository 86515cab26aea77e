"""The ``case`` group: the commands that change a case (``case_write``) and those that read (``case_read``)."""

from __future__ import annotations

import click

from rectify.cli import (
    case_consolidation,
    case_evidence,
    case_read,
    case_supervision,
    case_tracks,
    case_verification,
    case_write,
)


@click.group()
def case() -> None:
    """整顿对象（case）：列入整顿，按阶段办理，查看。"""


for _command in (*case_write.COMMANDS, *case_verification.COMMANDS, *case_tracks.COMMANDS,
                 *case_supervision.COMMANDS, *case_consolidation.COMMANDS, *case_read.COMMANDS,
                 *case_evidence.COMMANDS):
    case.add_command(_command)
