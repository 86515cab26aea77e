"""Reminders and alerts: policy, outbox, templates, mailer and scheduler (SPEC §5)."""
