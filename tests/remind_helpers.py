"""A real SMTP server (aiosmtpd on 127.0.0.1, a free port) and a config file pointing at it."""

from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "rectify", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    """What the SMTP server received, as parsed messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )  # type: ignore[arg-type]
        return "250 OK"

    def to(self, addr: str) -> list[EmailMessage]:
        return [m for m in self.messages if addr in str(m["To"])]


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    sink: Sink
    port: int
    controller: Controller


def start_server(
    *,
    auth: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> SmtpServer:
    sink = Sink()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if auth:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    controller = Controller(sink, hostname="127.0.0.1", port=port, ssl_context=ssl_context, **kwargs)
    controller.start()
    return SmtpServer(sink, port, controller)


def write_config(path: Path, port: int, *, extra: str = "", user: str = "", security: str = "none",
                 allow_plain_auth: bool = False) -> Path:
    path.write_text(
        "[smtp]\n"
        f'host = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\nuser = "{user}"\n'
        f"allow_plain_auth = {str(allow_plain_auth).lower()}\n"
        'sender = "青山县委组织部 <zzb@qingshan.example.cn>"\ntimeout_seconds = 5\nmax_attempts = 3\n'
        "[supervisors]\n"
        'county = ["county.sup@qingshan.example.cn"]\ncity = ["city.sup@example.cn"]\n' + extra,
        encoding="utf-8",
    )
    return path


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 made by the openssl command line."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


# -- a small county with something due on AS_OF ----------------------------------------------------

AS_OF_ISO = "2026-12-24"
OFFICER, LEADER, CADRE, SECRETARY = (
    "officer@example.cn",
    "leader@example.cn",
    "cadre@example.cn",
    "secretary@example.cn",
)
COUNTY_SUP, CITY_SUP = "county.sup@qingshan.example.cn", "city.sup@example.cn"


def build_county(wf: Any, clock: Any) -> tuple[int, int]:
    """Case 1: deadline in 7 days, its measures done, no progress report since March. Case 2: ledger overdue, supervised."""
    from .conftest import add_org, walk

    add_org(wf, "V001", "河口镇王家庄村党支部")
    add_org(wf, "V002", "石桥乡李家湾村党支部", township="石桥乡")
    a = walk(wf, clock, "V001", "secretary_assigned")
    # Its measures are done, so the county's items are the cases' own (measure items: test_remind_measures).
    wf.complete_measure(a, 1, on=date(2026, 3, 10))
    wf.complete_measure(a, 2, on=date(2026, 3, 10))
    b = walk(wf, clock, "V002", "identified")
    wf.supervise(b, unit="县委组织部", matter="进度滞后")
    return a, b


def county_config() -> Any:
    from rectify.config import Config, SmtpConfig, SupervisorsConfig

    return Config(
        smtp=SmtpConfig(sender="青山县委组织部 <zzb@qingshan.example.cn>", max_attempts=3),
        supervisors=SupervisorsConfig(county=(COUNTY_SUP,), city=(CITY_SUP,)),
    )


def memory_store(db: Any) -> Any:
    """An in-memory outbox holding the cases and people of ``db``: the same county, no SQL behind it."""
    from rectify.notifications.memory import Address, Candidate, Contact, MemoryOutboxStore, Person
    from rectify.states.stages import Stage
    from rectify.store.outbox import SqlOutboxStore

    with SqlOutboxStore(db).reading() as read:
        rows = list(read.candidates(stages=[str(s) for s in Stage], progress_stages=(), horizon=date.max,
                               progress_cutoff=date.max, listed_before=date.max))
        people = read.recipients([r.case_id for r in rows]) if rows else []
        contacts = read.contacts([r.case_id for r in rows]) if rows else []
        addresses = read.addresses([r.case_id for r in rows]) if rows else []
        return MemoryOutboxStore(cases=[Candidate(*r) for r in rows], people=[Person(*p) for p in people],
                                 contacts_by_case=[Contact(*c) for c in contacts],
                                 addresses_by_case=[Address(*a) for a in addresses])
