"""The django-fsm-2 + django-fsm-log peer's app (see :mod:`bench.peers`); loaded only by that peer."""
