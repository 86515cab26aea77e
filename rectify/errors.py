"""Domain refusals. Each carries one line an officer can act on, and the reasons behind it as data.

The tree (the CLI maps each class to an exit code in one table; the web to a status in another)::

    RectifyError            a refusal by a rule: exit 1
    ├── NotFound            no such case, organization or person (or one outside the reader's scope): 404
    ├── Refused             an illegal step: wrong role, scope or stage, a guard not met: 422
    ├── Conflict            someone else changed the case first; nothing written: 409
    ├── DatabaseProblem     missing, locked, unreachable or wrongly versioned database
    └── BadInput            malformed input (a date, a file, a code): exit 2, 400
    ConfigError             (rectify.config) a malformed configuration file: exit 2

Every error has ``reasons``: a tuple of :class:`Reason` (a code, the input field it concerns or None, the
message). The CLI prints the one line; the web puts each message beside its field.
"""

from __future__ import annotations

from collections.abc import Iterable

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass


@dataclass(frozen=True)
class Reason:
    """Why a step was refused: ``code`` (a guard's name, ``role``, ``scope``, ``stage``, ``version`` …),
    ``field`` (the declared input it concerns, or None for the step as a whole) and the Chinese message."""

    code: str
    field: str | None
    message: str


class RectifyError(Exception):
    """A refusal by a rule: exit 1."""

    exit_code = 1
    default_code = "refused"

    def __init__(self, message: str = "", *, reasons: Iterable[Reason] = ()) -> None:
        given = tuple(reasons)
        super().__init__(message or "；".join(r.message for r in given))
        self.reasons: tuple[Reason, ...] = given or (Reason(self.default_code, None, str(self)),)

    def fields(self) -> dict[str | None, list[str]]:
        """The messages by field (None: the step as a whole), in order."""
        out: dict[str | None, list[str]] = {}
        for r in self.reasons:
            out.setdefault(r.field, []).append(r.message)
        return out


class NotFound(RectifyError):
    default_code = "not_found"


class Refused(RectifyError):
    """An illegal step: wrong stage or a missing requirement."""


class Conflict(RectifyError):
    """Someone else changed the case first; nothing of this change was written."""

    default_code = "version"


class DatabaseProblem(RectifyError):
    """Missing, locked, unreachable or wrongly versioned database."""

    default_code = "database"


class BadInput(RectifyError):
    """Malformed input (a date, a file, a code): exit 2."""

    exit_code = 2
    default_code = "bad_input"


class ConfigError(RectifyError):
    """A configuration file that cannot be read or holds a wrong value: exit 2."""

    exit_code = 2
    default_code = "config"
