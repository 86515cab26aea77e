"""Who the actor is (SPEC §12): resolved once per command from --actor / RECTIFY_ACTOR / the login name.

Stub until the people-and-roles work fills it: every actor is an unregistered name with no limits.
"""

from __future__ import annotations

from rectify.config import Config
from rectify.states.permissions import Actor
from rectify.workflow.persistence import Database


def resolve_actor(db: Database, config: Config, given: str) -> Actor:
    """The person acting; refuses an unknown or disabled one once anyone is registered (to be built)."""
    return Actor(name=given)
