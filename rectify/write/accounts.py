"""Web sign-in (SPEC §13): passwords, the back-off after failures, and the calendar subscription's secret.

Passwords are kept as argon2id hashes (argon2-cffi's ``PasswordHasher``), never as text. A password set by
someone else (an admin's ``rectify people password``) must be changed at the next sign-in; the demo's are not.
After ``sign_in_free_failures`` (5) failed sign-ins in a row, a login waits, and so does an address: one minute,
doubled with each further failure, at most ``sign_in_max_wait_minutes`` (60). These rules and the password's length
and strength are security settings in the database (:func:`rectify.write.security.web_security`), not the caller's
configuration file. Every attempt is recorded (login as typed, address, time, ok), and
one refusal reads the same whether the login exists, is disabled, or the password is wrong.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from rectify.clock import Clock
from rectify.config import Config
from rectify.errors import BadInput, NotFound, Refused
from rectify.states.permissions import Actor, parse_scope
from rectify.states.roles import ALL_COUNTIES, Role
from rectify.store import Database, translate_errors
from rectify.store.accounts import (
    failures,
    log_sign_in,
    person_by_calendar_token,
    person_by_id,
    set_calendar_token,
    set_password_hash,
)
from rectify.store.people import find_person
from rectify.write.actors import person_actor
from rectify.write.people import person_in_scope
from rectify.write.security import WebSecurity, web_security

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = ["FREE_FAILURES", "WRONG", "Accounts", "SignInRefused", "SignInWaiting", "SignedIn", "character_classes",
           "fingerprint", "hash_password", "wait_minutes"]

FREE_FAILURES = 5  # the defaults of the security settings sign_in_free_failures and sign_in_max_wait_minutes
WINDOW = timedelta(hours=24)  # failures older than this no longer count
MAX_WAIT_MINUTES = 60
MAX_PASSWORD_LENGTH = 256
WRONG = "登录名或密码不正确"


class SignInRefused(Refused):
    """A sign-in that did not succeed; its one line never says whether the login exists."""


class SignInWaiting(SignInRefused):
    """Too many failures of this login or from this address: no password is checked until the wait is over."""


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended cost


@cache
def _dummy_hash() -> str:
    """A hash to check a password against when the login is unknown, so that such a refusal takes as long."""
    return _hasher().hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored or _dummy_hash(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def fingerprint(password_hash: str | None) -> str:
    """A short digest of the stored hash: a session remembers it, so a new password ends every other session."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def wait_minutes(failed: int, free: int = FREE_FAILURES, longest: int = MAX_WAIT_MINUTES) -> int:
    """Minutes to wait after the latest of ``failed`` failures in a row (0 for the first ``free``)."""
    if failed < free:
        return 0
    return int(min(2 ** min(failed - free, 20), longest))


_CLASSES = (str.islower, str.isupper, str.isdigit)


def character_classes(password: str) -> int:
    """How many of lower-case letters, upper-case letters, digits and other characters the password has."""
    kinds = {i for ch in password for i, test in enumerate(_CLASSES) if test(ch)}
    if any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password):
        kinds.add(len(_CLASSES))
    return len(kinds)


def _within(admin: Actor, scope: str) -> bool:
    """Whether a person of ``scope`` lies inside the admin's scope (an admin of every county: everyone)."""
    if admin.role is None or not admin.counties:
        return True
    theirs, township = parse_scope(scope) if scope.strip() not in ("", ALL_COUNTIES) else ((), None)
    return bool(theirs) and set(theirs) <= set(admin.counties) and admin.township in (None, township)


@dataclass(frozen=True)
class SignedIn:
    person_id: int
    actor: Actor
    must_change: bool
    fingerprint: str


class Accounts:
    """Sign-in, passwords and calendar tokens over one database, at the injected clock's time."""

    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    def rules(self) -> WebSecurity:
        """The password and sign-in rules in force: the database's security settings (``[web]`` only tightens)."""
        return web_security(self.db, self.config)

    # -- passwords ---------------------------------------------------------------------------------

    def check_new(self, password: str, *, name: str = "", login: str = "") -> None:
        """Refuse a password that is too short, too long, of too few kinds of character, or the person's own name
        or login."""
        rules = self.rules()
        least = rules.min_password_length
        if password.strip() in {name, login} - {""}:
            raise BadInput("密码不能与姓名或登录名相同")
        if len(password) < least:
            raise BadInput(f"密码至少 {least} 个字符")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise BadInput(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符")
        if character_classes(password) < rules.min_password_classes:
            raise BadInput(f"密码应至少包含 {rules.min_password_classes} 类字符（小写字母、大写字母、数字、其他符号）")

    def set_password(self, by: Actor, name: str, password: str) -> str:
        """An admin sets anyone's password, or a person their own; it must be changed at the next sign-in.
        Returns the person's name."""
        name = name.strip()
        if ALL_COUNTIES in by.counties:  # (an actor built by hand for every county)
            by = replace(by, counties=())
        with translate_errors(self.db.url), self.db.begin() as conn:
            row = find_person(conn, name)
            own = row is not None and by.name == row.name
            if row is None or not row.registered or not (own or person_in_scope(row.scope or "", by)):
                raise NotFound(f"找不到已登记的人员 {name}")  # one the reader may not see reads as unknown
            if by.role != Role.admin and not own:
                raise Refused(f"无法设置 {row.name} 的密码：只有系统管理员或本人可以设置")
            if not own and not _within(by, row.scope or ""):
                raise Refused(f"无法设置 {row.name} 的密码：{by.name} 的范围是 {by.scope_text}，"
                              "只能设置此范围内人员的密码")
            if not row.active:
                raise Refused(f"无法设置 {row.name} 的密码：该人员已停用")
            self.check_new(password, name=row.name, login=row.login or "")
            set_password_hash(conn, row.id, hash_password(password), must_change=True)
            return str(row.name)

    def set_known_hash(self, logins: list[str], stored: str) -> None:
        """The demo's path: the same password (its hash) for each of these people, not to be changed."""
        with translate_errors(self.db.url), self.db.begin() as conn:
            for login in logins:
                row = find_person(conn, login)
                if row is not None:
                    set_password_hash(conn, row.id, stored, must_change=False)

    def change_password(self, person_id: int, current: str, new: str) -> SignedIn:
        """The person's own change: the current password first; returns the session's new identity."""
        with translate_errors(self.db.url), self.db.begin() as conn:
            row = person_by_id(conn, person_id)
            if row is None or not _verify(row.password_hash, current):
                raise SignInRefused("当前密码不正确")
            self.check_new(new, name=row.name, login=row.login or "")
            if _verify(row.password_hash, new):
                raise BadInput("新密码不能与当前密码相同")
            stored = hash_password(new)
            set_password_hash(conn, row.id, stored, must_change=False)
        return SignedIn(row.id, person_actor(row), False, fingerprint(stored))

    # -- signing in --------------------------------------------------------------------------------

    def waiting(self, login: str, address: str) -> int:
        """Minutes this login or this address still has to wait before the next attempt (0: none)."""
        now = self.clock()
        rules = self.rules()
        free, most = rules.sign_in_free_failures, rules.sign_in_max_wait_minutes
        longest = timedelta(0)
        with translate_errors(self.db.url), self.db.connect() as conn:
            for key, value in (("login", login[:100]), ("address", address[:64])):
                failed, last = failures(conn, key, value, now - WINDOW)
                if last is not None and failed >= free:
                    longest = max(longest, last + timedelta(minutes=wait_minutes(failed, free, most)) - now)
        return 0 if longest <= timedelta(0) else -(-int(longest.total_seconds()) // 60)

    def sign_in(self, login: str, password: str, address: str) -> SignedIn:
        """The person signing in, or :class:`SignInRefused` (wrong, unknown, disabled, or waiting)."""
        login = login.strip()
        wait = self.waiting(login, address)
        if wait:
            raise SignInWaiting(f"登录失败次数过多，请 {wait} 分钟后再试")
        with translate_errors(self.db.url), self.db.connect() as conn:
            row = find_person(conn, login) if login else None
        usable = row is not None and row.registered and row.active
        good = _verify(row.password_hash if usable and row is not None else None, password)
        stored = row.password_hash if row is not None else None
        with translate_errors(self.db.url), self.db.begin() as conn:
            log_sign_in(conn, login=login, address=address, at=self.clock(), ok=good)
            if good and row is not None and stored and _hasher().check_needs_rehash(stored):
                stored = hash_password(password)  # the library's cost went up since it was hashed
                set_password_hash(conn, row.id, stored, must_change=bool(row.must_change))
        if not good or row is None:
            raise SignInRefused(WRONG)
        return SignedIn(row.id, person_actor(row), bool(row.must_change), fingerprint(stored))

    def session_person(self, person_id: int, print_: str) -> SignedIn | None:
        """The person of a session, or None when they were disabled or their password changed since."""
        with translate_errors(self.db.url), self.db.connect() as conn:
            row = person_by_id(conn, person_id)
        if row is None or not row.registered or not row.active or not row.password_hash:
            return None
        if not secrets.compare_digest(fingerprint(row.password_hash), print_):
            return None
        return self._signed_in(row)

    @staticmethod
    def _signed_in(row: Any) -> SignedIn:
        return SignedIn(row.id, person_actor(row), bool(row.must_change), fingerprint(row.password_hash))

    # -- the calendar subscription -----------------------------------------------------------------

    def calendar_token(self, person_id: int, *, renew: bool = False) -> str:
        """The person's calendar secret, made on first use; ``renew`` replaces it (the old address stops)."""
        with translate_errors(self.db.url), self.db.begin() as conn:
            row = person_by_id(conn, person_id)
            if row is None:
                raise NotFound("找不到该人员")
            if row.calendar_token and not renew:
                return str(row.calendar_token)
            token = secrets.token_urlsafe(32)
            set_calendar_token(conn, row.id, token)
            return token

    def calendar_token_of(self, person_id: int) -> str | None:
        """The person's calendar secret, or None when they have none (never made, or revoked)."""
        with translate_errors(self.db.url), self.db.connect() as conn:
            row = person_by_id(conn, person_id)
        return None if row is None or not row.calendar_token else str(row.calendar_token)

    def revoke_calendar(self, person_id: int) -> None:
        with translate_errors(self.db.url), self.db.begin() as conn:
            set_calendar_token(conn, person_id, None)

    def calendar_person(self, token: str) -> Actor | None:
        """The active person whose calendar secret is ``token``."""
        if not token or len(token) > 64:
            return None
        with translate_errors(self.db.url), self.db.connect() as conn:
            row = person_by_calendar_token(conn, token)
        if row is None or not row.registered or not row.active:
            return None
        return person_actor(row)
