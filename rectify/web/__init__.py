"""The web front (SPEC §13): ``rectify serve``. Server-rendered Chinese pages over the application layer.

``app`` builds the Starlette application and its shell (session, sign-in gate, headers, error table);
``security`` the cookie, CSRF and origin checks; one module per page kind (``auth``, ``inbox``, ``calendar``).
"""
