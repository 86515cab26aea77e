"""The reader's scope (SPEC §12) as SQL: one condition every read adds to its one query.

A case or organization is in a person's scope when its county is one of the person's counties and,
for a township-scoped person, its township is theirs. An unregistered actor (legacy mode) or one
without counties (an admin with scope ``*``) has no limit. :meth:`Actor.sees` is the same rule in
Python, for the one row ``case show`` has already read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from rectify.states.permissions import Actor
from rectify.store.plain import limited, scope_text
from rectify.store.tables import org_t


def scope_clause(reader: Actor | None) -> sa.ColumnElement[bool] | None:
    """The condition on ``org_t`` for what ``reader`` may see; None when there is no limit."""
    if reader is None or not limited(reader):
        return None
    # Named parameters: the light read path (rectify.store.light) runs this very condition, compiled once.
    clause: sa.ColumnElement[bool] = org_t.c.county.in_(sa.bindparam("scope", list(reader.counties),
                                                                      expanding=True))
    if reader.township is not None:
        clause = sa.and_(clause, org_t.c.township == sa.bindparam("scope_township", reader.township))
    return clause


def within_scope(q: sa.Select[Any], reader: Actor | None) -> sa.Select[Any]:
    """``q`` (which joins ``org_t``) limited to what ``reader`` may see."""
    clause = scope_clause(reader)
    return q if clause is None else q.where(clause)


__all__ = ["limited", "scope_clause", "scope_text", "within_scope"]
