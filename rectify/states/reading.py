"""What a person may read (SPEC §12): their scope everywhere, and the full backup only as admin.

A backup holds every county's cases and the people registry, whatever the scope of who takes it,
so only an admin (or anyone in legacy mode, before anybody is registered) may write one.
"""

from __future__ import annotations

from rectify.states.permissions import Actor
from rectify.states.roles import ROLE_NAMES, Role

BACKUP_ROLES: frozenset[str] = frozenset({Role.admin})


def export_all_refusal(actor: Actor) -> str | None:
    """Why ``actor`` may not write a full backup (one line: who, which step, why not); None if they may."""
    if actor.role is None or actor.role in BACKUP_ROLES:
        return None
    role = ROLE_NAMES.get(actor.role, actor.role)
    return f"{actor.signature}（{role}）不能导出全量备份（export --all）：全量备份含所有县的数据，仅限系统管理员"
