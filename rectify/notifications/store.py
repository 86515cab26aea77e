"""The storage the notifications need, as a port (apscheduler's ``DataStore``): they never build SQL.

The SQL adapter is ``rectify.store.outbox.SqlOutboxStore``; it satisfies these
protocols by shape, without importing them, and the CLI hands it in. Rows crossing the boundary are
read by attribute (query rows, named tuples); what goes in is plain dicts keyed by column name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any, Protocol


class SweepReader(Protocol):
    """One consistent read of what a sweep decides on: the candidate cases, then their people."""

    def candidates(
        self, *, stages: Sequence[str], progress_stages: Sequence[str], horizon: date, progress_cutoff: date,
        listed_before: date,
    ) -> Iterable[Any]:
        """Open cases (in ``stages``) with a stage due date or deadline on or before ``horizon``, or in
        ``progress_stages`` with no report after ``progress_cutoff`` (or none, listed before ``listed_before``); in case
        order.

        Each row has ``case_id stage stage_due cycle_start deadline supervised last_progress_on
        org_name org_code township`` (and ``_fields`` when it is a named tuple or a query row). May be
        streamed: it is read once, to the end, before any other read.
        """

    def open_measures(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        """Measures not done, due on or before ``horizon``, of cases in ``stages``; in case and measure order.

        Rows ``case_id seq text owner owner_email due_on stage org_name org_code township``. May be streamed
        like the candidates: read once, to the end, before any other read.
        """

    def secretary_tasks(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        """Cases in ``stages`` that may have a 第一书记 track's task (a term ending by ``horizon``, or a
        第一书记 who left), in case order: rows of the candidates' fields and ``sec_term_until
        sec_vacant_since vsec_action``. Read once, to the end, before any other read."""

    def recipients(self, case_ids: Sequence[int]) -> Iterable[Any]:
        """Rows ``case_id role name email``: the people with an e-mail on these cases and their
        current secretary (role ``secretary``)."""

    def addresses(self, case_ids: Sequence[int]) -> Iterable[Any]:
        """Rows ``case_id role name email phone wecom_userid dingtalk_userid channels``: the people on these
        cases and their current secretaries, with where else they read (from the registry, by name)."""

    def contacts(self, case_ids: Sequence[int]) -> Iterable[Any]:
        """Rows ``case_id unit name phone email``, at most one per case: the registered county officer
        in charge of it (the mails' 联系人); none for a case the registry has nobody for."""


class Recording(Protocol):
    """One transaction recording a sweep: all of it is kept, or none of it."""

    def add_digests(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """Insert digest rows; their ids by recipient."""

    def add_items(self, rows: Sequence[Mapping[str, Any]]) -> Iterable[Any]:
        """Insert item rows, skipping those whose dedupe key is recorded already.

        Rows ``digest_id detail role`` of the items newly inserted."""

    def drop_digests(self, ids: Sequence[int]) -> None:
        """Delete these digests (they got no new item)."""

    def set_bodies(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows ``b_id subject body_text body_html b_reply_to b_status b_error``: the rendered digests, ``pending``,
        or ``failed`` with the reason when they could not be built or addressed."""

    def advance_state(self, name: str, value: str) -> None:
        """Set a persisted fact, only ever to a greater value."""


class Preview(Protocol):
    """A dry run's look at the outbox: read only."""

    def recorded(self, keys: Sequence[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        """Those of these item keys (``case_id kind stage due_on offset_days recipient``, the dedupe key) the outbox
        holds already."""


class OutboxStore(Protocol):
    def reading(self) -> AbstractContextManager[SweepReader]: ...

    def previewing(self) -> AbstractContextManager[Preview]:
        """A read of the recorded items for a dry run, which writes nothing."""

    def recording(self, *, keep: bool) -> AbstractContextManager[Recording]:
        """A recording transaction, committed at the end when ``keep`` (rolled back on a dry run or
        an error)."""

    def claim(self, *, now: datetime, lease: timedelta, limit: int, skip_channels: Sequence[str] = ()) -> list[Any]:
        """Take up to ``limit`` due digests (pending and due, or whose lease ran out) for this process,
        which no other process gets: full digest rows, in id order; none of ``skip_channels``."""

    def mark_sent(self, digest_id: int, *, now: datetime) -> None: ...

    def mark_failed(self, digest_id: int, *, attempts: int, error: str) -> None: ...

    def mark_pending(self, digest_id: int, *, attempts: int, next_attempt_at: datetime, error: str) -> None:
        """Back in the queue from ``next_attempt_at`` (a refused message's backoff, a server problem)."""

    def release(self, ids: Sequence[int]) -> None:
        """Give claimed digests back untouched."""

    def held(self, *, now: datetime) -> tuple[int, datetime | None]:
        """How many digests are ``sending`` under a lease still running at ``now``, and the latest
        lease's end (None when there is none)."""

    def digests(self, status: str | None) -> list[dict[str, Any]]:
        """Digest summaries (``id status channel recipient recipient_name sweep_date items attempts
        next_attempt_at sent_at message_id subject last_error``), in id order."""

    def requeue_failed(self, digest_id: int, *, now: datetime) -> str | None:
        """Put a failed digest back in the queue; the status it had (None: no such digest)."""

    def get_state(self, name: str) -> str | None: ...
