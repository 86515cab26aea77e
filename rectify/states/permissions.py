"""Who may take each step (SPEC §12), as data beside the transitions.

Empty until the people registry lands: every registered actor may take every step. The engine
already asks :func:`may` before each change, so filling the table is the whole of that change.
"""

from __future__ import annotations

# trigger → roles that may take it; a trigger absent from the table is open to every actor.
WHO_MAY: dict[str, frozenset[str]] = {}


def may(trigger: str, role: str | None) -> bool:
    allowed = WHO_MAY.get(trigger)
    return allowed is None or (role is not None and role in allowed)
