"""A case with a protected FSM stage and a version column, its step records; django-fsm-log keeps the history."""

from __future__ import annotations

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Case(ConcurrentTransitionMixin, models.Model):
    org_code = models.CharField(max_length=32, unique=True)
    stage = FSMField(default="identified", protected=True)
    version = models.IntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "djpeer"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            self.version += 1
        super().save(*args, **kwargs)

    @transition(field=stage, source="identified", target="ledger_created")
    def plan(self) -> None:
        pass

    @transition(field=stage, source="ledger_created", target="secretary_assigned")
    def assign_secretary(self) -> None:
        pass

    @transition(field=stage, source="secretary_assigned", target="secretary_assigned")
    def report_progress(self) -> None:
        pass

    @transition(field=stage, source="secretary_assigned", target="secretary_assigned")
    def complete_measure(self) -> None:
        pass

    @transition(field=stage, source="secretary_assigned", target="rectified")
    def mark_rectified(self) -> None:
        pass

    @transition(field=stage, source="rectified", target="verified")
    def verify(self) -> None:
        pass


class Record(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    kind = models.CharField(max_length=32)
    text = models.TextField()
    done = models.BooleanField(default=False)

    class Meta:
        app_label = "djpeer"
        indexes = [models.Index(fields=["case", "kind"])]
