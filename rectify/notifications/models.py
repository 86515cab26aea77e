"""Notification tables. The outbox arrives with the reminders; nothing is stored here yet."""
