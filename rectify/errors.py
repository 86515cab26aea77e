"""Domain refusals. Each carries one line an officer can act on; the CLI maps them to exit codes."""

from __future__ import annotations


class RectifyError(Exception):
    """A refusal by a rule: exit 1."""

    exit_code = 1


class NotFound(RectifyError):
    pass


class Refused(RectifyError):
    """An illegal step: wrong stage or a missing requirement."""


class Conflict(RectifyError):
    """Someone else changed the case first; nothing of this change was written."""


class DatabaseProblem(RectifyError):
    """Missing, locked, unreachable or wrongly versioned database."""


class BadInput(RectifyError):
    """Malformed input (a date, a file, a code): exit 2."""

    exit_code = 2
