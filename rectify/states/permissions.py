"""Who may take each step (SPEC §12), as data beside the transitions.

Empty until the people registry lands: every registered actor may take every step. The engine
already asks :func:`may` before each change, so filling the table is the whole of that change.
"""

from __future__ import annotations

from dataclasses import dataclass

# trigger → roles that may take it; a trigger absent from the table is open to every actor.
WHO_MAY: dict[str, frozenset[str]] = {}


def may(trigger: str, role: str | None) -> bool:
    allowed = WHO_MAY.get(trigger)
    return allowed is None or (role is not None and role in allowed)


@dataclass(frozen=True)
class Actor:
    """Who signs a change or reads: a registered person, or (no registry yet) a bare name with no limits.

    ``role`` None means unregistered: legacy mode, no role or scope applies. ``counties`` empty with a
    role means every county (an admin with scope ``*``).
    """

    name: str
    unit: str = ""
    role: str | None = None
    counties: tuple[str, ...] = ()
    township: str | None = None

    @property
    def signature(self) -> str:
        """How the history names the signer: 县委组织部 张三."""
        return f"{self.unit} {self.name}" if self.unit else self.name

    def sees(self, county: str, township: str) -> bool:
        if self.role is None or not self.counties:
            return True
        if county not in self.counties:
            return False
        return self.township is None or township == self.township
