"""``digest_send`` and its honest floor: one digest rendered, made into a message and sent, by hand.

The product renders the digest (``Renderer.render``: the subject, text and HTML templates), builds the MIME
message (``build_message``) and sends it with ``SmtpMailer`` to a local aiosmtpd. The floor does the same work
by the shortest hand-written path: a bare ``jinja2.Environment`` of its own loads the product's three template
files as data (StrictUndefined, ``.html`` autoescaped, the ``days_left_text`` filter written here); the context
the templates read is made here from the items (labels, a task's label and its 抄送 from the task tables, groups
in the product's kind order, Chinese dates, counts, the salutation, the 联系人, the ``[report]`` values); the
message is built with the standard library's ``email`` package — the legacy ``Message``, whose headers stay the
strings they are given: the Chinese subject and name written here as RFC 2047 base64 encoded-words, one a line,
the two parts base64 with ``binascii`` (a header line that would pass 78 characters, a long display name, is
left to the package's own header classes and content manager, as the product leaves it) — and sent with
``smtplib.sendmail`` on one connection, to the addresses the floor already knows. Nothing of the product's
renderer, context or mailer runs; what it takes from the product is data: the template files, the label and
task tables, the ``[report]`` defaults.

The figure checks that the first product message and the first floor message the server receives (a handler
keeping the last message's envelope and bytes) are equal as a whole: envelope, headers, boundary and both parts,
byte for byte. The boundary is random in both, drawn once per message the same way, so the checked pair is
drawn from the same seed; Message-ID and Date are fixed as the product's are.
"""

from __future__ import annotations

import base64
import binascii
import random
import smtplib
import socket
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import jinja2

from bench.figures import measure, peak_rss_mb

if TYPE_CHECKING:
    from rectify.config import ReportConfig

SENDER = "rectify <rectify@example.cn>"
AS_OF = date(2026, 6, 30)
STAMP = format_datetime(datetime(2026, 6, 30, 2, 0, tzinfo=UTC))
BLOCKS, PER_BLOCK = 6, 50
SEED = 20261207
_WORD_BYTES = 42  # an encoded-word of 42 bytes of UTF-8 and "Subject: " fit a 78-character line
_MAX_LINE = 78
_CRLF = compat32.clone(linesep="\r\n")
_DEFAULT_CRLF = policy.default.clone(linesep="\r\n")


def bench_items() -> list[dict[str, Any]]:
    """The figure's digest: three cases of one township, one of each of three kinds."""
    return [{"case_id": k, "kind": kind, "stage": "secretary_assigned", "due_on": "2026-07-07",
             "days_left": days, "org_name": f"河口镇第{k}村党支部", "org_code": f"B{k:08d}",
             "township": "河口镇", "deadline": "2026-12-31", "supervised": False}
            for k, (kind, days) in enumerate((("deadline", 7), ("stage_due", 3), ("overdue", -8)), 1)]


def days_left_text(days: int) -> str:
    return f"已逾期 {-days} 天" if days < 0 else "今天到期" if days == 0 else f"剩余 {days} 天"


def _cn(day: str) -> str:
    y, m, d = day.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _salutation(name: str) -> str:
    name = name.strip()
    for bracket in ("（", "("):
        if bracket in name and name.endswith(("）", ")")):
            name = name[:name.index(bracket)].strip() or name
    return "各位同志" if not name else name if name.endswith("同志") else name + "同志"


def _words(text: str) -> str:
    """``text`` as a header value: as is when ASCII, else base64 encoded-words of ≤ 42 bytes, one a line."""
    if text.isascii():
        return text
    words, chunk, size = [], "", 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if size + n > _WORD_BYTES:
            words.append(chunk)
            chunk, size = "", 0
        chunk += ch
        size += n
    words.append(chunk)
    return "\n ".join("=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?=" for w in words)


def _mailbox(name: str, address: str) -> str:
    return formataddr((name, address)) if name.isascii() else f"{_words(name)} <{address}>"


def _base64(text: str) -> str:
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return "".join(binascii.b2a_base64(data[i : i + 57]).decode("ascii") for i in range(0, len(data), 57))


class Floor:
    """The templates, labels and sender, taken before anything is timed."""

    def __init__(self, sender: str = SENDER, report: ReportConfig | None = None) -> None:
        import rectify.notifications
        from rectify.config import ReportConfig
        from rectify.notifications.policy import KIND_LABELS, KINDS
        from rectify.notifications.render import CN_NUMERALS, DEFAULT_BASIS, DEFAULT_SENDER, DUE_LABELS, HOW_TO_REPORT
        from rectify.states import tasks as t
        from rectify.states.stages import STAGE_LABELS

        folder = Path(rectify.notifications.__file__).parent / "templates"
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined,
                                 autoescape=jinja2.select_autoescape(["html"], default_for_string=False))
        env.filters["days_left_text"] = days_left_text
        self.subject, self.text, self.html = (env.get_template(n) for n in ("subject.txt", "digest.txt", "digest.html"))
        self.kinds, self.kind_labels, self.due_labels = KINDS, KIND_LABELS, DUE_LABELS
        self.stage_labels, self.numerals = STAGE_LABELS, CN_NUMERALS
        # A task's label and who acts on it, from the task tables (the later entries win, as the product asks).
        self.task_labels = {s.code: s.label for s in t.TASKS} | t.SIDE_LABELS | {
            t.MEASURE_TASK: t.MEASURE_LABEL, t.STRIKE_OFF_TASK: t.STRIKE_OFF_LABEL, t.LOOK_BACK_TASK: t.LOOK_BACK_LABEL,
            t.DEADLINE_TASK: t.DEADLINE_LABEL, t.PROGRESS_TASK: t.PROGRESS_LABEL}
        self.notify = {s.code: s.notify for s in t.TASKS} | dict.fromkeys(t.SIDE_LABELS, t.SECRETARY_NOTIFY) | {
            t.LOOK_BACK_TASK: t.LOOK_BACK_NOTIFY, t.PROGRESS_TASK: t.PROGRESS_NOTIFY}
        self.default_notify = t.DEADLINE_NOTIFY
        report = report or ReportConfig()
        self.fixed = {"basis": report.plan_title.strip() or DEFAULT_BASIS,
                      "sender": report.unit.strip() or DEFAULT_SENDER, "how_to_report": HOW_TO_REPORT,
                      "report_contact": report.contact.strip(),
                      "report_phone": report.phone.strip()}
        self.sender_name, self.envelope_from = parseaddr(sender)
        self.from_header = _mailbox(self.sender_name, self.envelope_from)

    def context(self, recipient_name: str, as_of: date, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """What the templates read, made from the items."""
        entries: dict[str, list[SimpleNamespace]] = {}
        overdue = 0
        for item in items:
            kind, task, role = item["kind"], item.get("task", ""), item.get("role", "")
            entry = SimpleNamespace(
                case_id=item["case_id"], township=item["township"], org_name=item["org_name"],
                stage_label=self.stage_labels.get(item["stage"], item["stage"]),
                task_label=item.get("task_label") or self.task_labels.get(task) or self.kind_labels[kind],
                cc=bool(role) and kind not in ("escalation", "brief")
                and role not in self.notify.get(task, self.default_notify),
                due_cn=_cn(item["due_on"]), days_left=item["days_left"], supervised=item["supervised"])
            if "measure_text" in item:
                entry.measure_seq, entry.measure_text = item["measure_seq"], item["measure_text"]
                entry.measure_owner = item["measure_owner"]
            entries.setdefault(kind, []).append(entry)
            if item["days_left"] < 0 and kind != "brief":
                overdue += 1
        groups = [SimpleNamespace(number=self.numerals[i] if i < len(self.numerals) else str(i + 1),
                                  label=self.kind_labels[kind], due_label=self.due_labels[kind], entries=entries[kind])
                  for i, kind in enumerate(k for k in self.kinds if k in entries)]
        return {**self.fixed, "salutation": _salutation(recipient_name), "date_cn": _cn(as_of.isoformat()),
                "brief_only": all(i["kind"] == "brief" for i in items), "overdue_count": overdue, "items": items,
                "groups": groups, "contacts": list(dict.fromkeys(i["contact"] for i in items if i.get("contact")))}

    def render(self, recipient_name: str, as_of: date, items: Sequence[dict[str, Any]]) -> tuple[str, str, str]:
        ctx = self.context(recipient_name, as_of, items)
        ctx["subject"] = subject = " ".join(self.subject.render(ctx).split())
        return subject, self.text.render(ctx).strip() + "\n", self.html.render(ctx)

    def message(self, recipient: str, recipient_name: str, rendered: tuple[str, str, str], message_id: str) -> bytes:
        subject, text, html = rendered
        headers = (("From", self.from_header), ("To", _mailbox(recipient_name, recipient)),
                   ("Subject", _words(subject)), ("Message-ID", message_id), ("Date", STAMP),
                   ("Auto-Submitted", "auto-generated"))
        if any(len(line) > _MAX_LINE for name, value in headers for line in f"{name}: {value}".split("\n")):
            return self._folded_by_the_package(recipient, recipient_name, rendered, message_id)
        msg = Message(compat32)
        for name, value in headers:
            msg[name] = value
        msg["MIME-Version"] = "1.0"
        msg["Content-Type"] = f'multipart/alternative;\n boundary="{"=" * 15}{random.randrange(sys.maxsize):019d}=="'
        parts: list[Message | str] = []
        for subtype, body in (("plain", text), ("html", html)):
            part = Message(compat32)
            part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
            part["Content-Transfer-Encoding"] = "base64"
            part.set_payload(_base64(body))
            parts.append(part)
        msg.set_payload(parts)
        return msg.as_bytes(policy=_CRLF)

    def _folded_by_the_package(self, recipient: str, recipient_name: str, rendered: tuple[str, str, str],
                               message_id: str) -> bytes:
        """A header line too long for one encoded-word a line (a long display name): the email package's own
        header classes write and fold the headers, its content manager the parts."""
        subject, text, html = rendered
        msg = EmailMessage(policy.default)
        user, _, domain = self.envelope_from.rpartition("@")
        msg["From"] = Address(display_name=self.sender_name, username=user, domain=domain)
        user, _, domain = recipient.rpartition("@")
        msg["To"] = Address(display_name=recipient_name, username=user, domain=domain)
        msg["Subject"] = subject
        msg["Message-ID"] = message_id
        msg["Date"] = STAMP
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg.as_bytes(policy=_DEFAULT_CRLF)

    def send(self, smtp: smtplib.SMTP, recipient: str, recipient_name: str, items: Sequence[dict[str, Any]],
             message_id: str, as_of: date = AS_OF) -> None:
        data = self.message(recipient, recipient_name, self.render(recipient_name, as_of, items), message_id)
        smtp.sendmail(self.envelope_from, [recipient], data)


class LastMessage:
    """An aiosmtpd handler keeping what the last message arrived as: envelope sender, recipients, bytes."""

    def __init__(self) -> None:
        self.last: tuple[str, tuple[str, ...], bytes] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.last = (envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.original_content))
        return "250 OK"


class Pair:
    """The product's renderer and mailer and the floor, each on its own connection to the same server."""

    def __init__(self, port: int, report: ReportConfig | None = None, as_of: date = AS_OF) -> None:
        from rectify.config import SmtpConfig
        from rectify.notifications.mailer import SmtpMailer
        from rectify.notifications.render import Renderer

        self.renderer = Renderer(report=report)
        self.mailer = SmtpMailer(SmtpConfig(host="127.0.0.1", port=port, sender=SENDER))
        self.floor = Floor(SENDER, report)
        self.as_of = as_of
        self.mailer.open()
        self.smtp = smtplib.SMTP("127.0.0.1", port)
        self.smtp.ehlo()

    def product(self, recipient: str, name: str, items: Sequence[dict[str, Any]], message_id: str) -> None:
        from rectify.notifications.mailer import build_message

        r = self.renderer.render(recipient, name, self.as_of, items)
        self.mailer.send(build_message(sender=SENDER, recipient=recipient, recipient_name=name, subject=r.subject,
                                       text=r.text, html=r.html, message_id=message_id, date_header=STAMP))

    def floor_send(self, recipient: str, name: str, items: Sequence[dict[str, Any]], message_id: str) -> None:
        self.floor.send(self.smtp, recipient, name, items, message_id, self.as_of)

    def close(self) -> None:
        self.mailer.close()
        self.smtp.quit()


def check(pair: Pair, handler: LastMessage, recipient: str, name: str, items: Sequence[dict[str, Any]]) -> bytes:
    """One product message and one floor message, boundaries drawn from the same seed: the server received the
    same envelope and the same bytes (AssertionError naming the first difference otherwise). The message."""
    random.seed(SEED)
    pair.product(recipient, name, items, "<bench-check@example.cn>")
    product = handler.last
    random.seed(SEED)
    pair.floor_send(recipient, name, items, "<bench-check@example.cn>")
    floor = handler.last
    assert product is not None and floor is not None
    if product != floor:
        at = next((i for i, (a, b) in enumerate(zip(product[2], floor[2], strict=False)) if a != b),
                  min(len(product[2]), len(floor[2])))
        raise AssertionError(f"digest_send: the floor's message differs from the product's: envelopes "
                             f"{product[:2]} / {floor[:2]}, bytes from {at}: {product[2][at:at + 80]!r} / "
                             f"{floor[2][at:at + 80]!r}")
    return product[2]


def run(blocks: int = BLOCKS, per_block: int = PER_BLOCK) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = LastMessage()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        pair = Pair(port)
        items = bench_items()
        size = len(check(pair, handler, "officer0@example.cn", "赵经办", items))
        product: list[float] = []
        floor: list[float] = []
        cpu = [0.0, 0.0]  # the process's CPU time (the server's thread included) for each side
        for _ in range(blocks):
            for side, times, send in ((0, product, pair.product), (1, floor, pair.floor_send)):
                start, used = time.perf_counter(), time.process_time()
                for k in range(per_block):
                    send(f"officer{k}@example.cn", "赵经办", items, f"<bench-{k}@example.cn>")
                times.append((time.perf_counter() - start) / per_block)
                cpu[side] += time.process_time() - used
        pair.close()
    finally:
        server.stop()
    ms = 1000 / (blocks * per_block)
    return {"value": statistics.median(product) * 1000, "floor": statistics.median(floor) * 1000, "unit": "ms",
            "peak_rss_mb": peak_rss_mb(),
            "note": f"{size:,}-byte message, the same bytes both (checked); median of {blocks} alternating blocks "
                    f"of {per_block}; best blocks {min(product) * 1000:.2f} / {min(floor) * 1000:.2f} ms; CPU a "
                    f"message (the server's thread included) {cpu[0] * ms:.2f} / {cpu[1] * ms:.2f} ms"}


@measure("digest_send")
def digest_send(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """One digest rendered and sent to a local aiosmtpd (ms), against its hand floor (bench.digest_floor): the
    same template files rendered by a bare jinja2 Environment with a context made by hand, the same message built
    with the ``email`` package (headers encoded by hand) and sent with ``smtplib`` on one connection. The first
    product message and the first floor message the server receives are checked equal byte for byte; then
    alternating blocks of 50 of each, the median block of 6."""
    return run()
