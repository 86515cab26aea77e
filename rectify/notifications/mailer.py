"""The ``Mailer`` port and its adapters: SMTP (plain, STARTTLS, SSL) and in memory for tests.

The domain hands over finished :class:`email.message.EmailMessage` objects; only this module knows
``smtplib``. One connection is opened per drain and reused for every message of it.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import random
import re
import smtplib
import socket
import ssl
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr
from functools import lru_cache
from types import TracebackType
from typing import Any

from rectify.config import SmtpConfig
from rectify.errors import RectifyError


class MailServerProblem(RectifyError):
    """The server cannot be reached or refuses us: nothing more can be sent in this drain."""


class ServerRefused(MailServerProblem):
    """A refusal meant for every message (530 STARTTLS required, 535 authentication): not the digest's
    fault, so it counts no attempt against it."""


class MessageRefused(Exception):
    """The server refused this one message; the next may go through."""


class UnsendableMessage(ValueError):
    """A digest no server could take (no subject, an address that cannot be written): it fails at once."""


# Replies that refuse the session, not the message: the drain stops instead of failing each digest.
SERVER_WIDE_CODES = frozenset({421, 454, 530, 534, 535, 538})


def mail_address(text: str) -> tuple[str, str]:
    """``张三 <zhang@example.cn>`` or ``zhang@example.cn`` → (display name, address), by the standard
    library's parser; ValueError saying what is wrong (a line break, no address, several addresses)."""
    if _CONTROL.search(text):
        raise UnsendableMessage(f"收件人地址含换行或控制字符：{text!r}")
    found = getaddresses([text])
    if len(found) != 1:
        raise UnsendableMessage(f"一个收件人只能有一个邮箱地址：{text!r}")
    name, addr = found[0]
    user, at, domain = addr.rpartition("@")
    if not at or not user or not domain or any(c in addr for c in ' <>()[]\\,;:"'):
        raise UnsendableMessage(f"不是有效的邮箱地址：{text!r}")
    return name.strip(), addr


@lru_cache(maxsize=16)  # one sender per configuration; asked once per digest recorded
def sender_address(sender: str) -> Address:
    """``"整改办 <zgb@example.cn>"`` → an Address whose display name is encoded properly."""
    name, addr = parseaddr(sender)
    if "@" not in addr:
        raise MailServerProblem(f"配置项 [smtp] sender 不是有效的邮箱地址：{sender!r}")
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


class _ReusedHeaders(HeaderRegistry):
    """Header objects reused for a value seen before.

    The email package parses a header's value each time it is read (the generator reads each part's
    Content-Type several times, smtplib the From and To) and most values repeat from one digest to
    the next (From, the parts' Content-Type, MIME-Version). Header objects are immutable.
    """

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if type(value) is str:  # an Address object (assigned, not read) is not hashable
            return self._parsed(name, value)
        return super().__call__(name, value)

    @lru_cache(maxsize=1024)  # noqa: B019 - one registry for the process
    def _parsed(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


# The default policy (RFC 2047 encoded words, \n line ends) with parsed headers reused.
POLICY = email.policy.default.clone(header_factory=_ReusedHeaders())

# Pre-encoded headers: an encoded-word holds at most 42 bytes of UTF-8 (56 base64 characters), so
# that "Subject: " and one encoded word fit a 78-character line.
_WORD_BYTES = 42
_MAX_LINE = 78
_BASE64_BYTES = 57  # 76 base64 characters a line, as the email package writes them
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 encoded-words for ``text``, never splitting a character between two words."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if size + n > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(ch)
        size += n
    words.append("".join(chunk))
    return ["=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?=" for w in words]


def _phrase(text: str) -> str | None:
    """A display name or subject as a header value: as is when plain ASCII, else encoded-words folded
    one a line. None when it needs more care than that (left to the email package)."""
    if _CONTROL.search(text) or "=?" in text:
        return None
    if text.isascii():
        return text
    return "\n ".join(_encoded_words(text))


@lru_cache(maxsize=4096)
def _mailbox(display_name: str, address: str) -> str | None:
    if not _PLAIN_ADDRESS.fullmatch(address):
        return None
    if not display_name:
        return address
    if display_name.isascii():
        return None if _CONTROL.search(display_name) else formataddr((display_name, address))
    phrase = _phrase(display_name)
    return None if phrase is None else f"{phrase} <{address}>"


def _base64_body(text: str) -> str:
    """``text`` as the email package's content manager writes it: lines ending in \\n, UTF-8, base64."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return "".join(
        binascii.b2a_base64(data[i : i + _BASE64_BYTES]).decode("ascii") for i in range(0, len(data), _BASE64_BYTES)
    )


def _text_part(subtype: str, text: str) -> EmailMessage:
    part = EmailMessage(POLICY)
    part.set_raw("Content-Type", f'text/{subtype}; charset="utf-8"')
    part.set_raw("Content-Transfer-Encoding", "base64")
    part.set_payload(_base64_body(text))
    return part


def _fast_message(
    sender: str, recipient: str, recipient_name: str, subject: str, text: str, html: str, message_id: str,
    date_header: str, reply_to: str = "",
) -> EmailMessage | None:
    """The message with its headers encoded here once, in the form the email package itself writes;
    None when a value is unusual enough to need the package's own header classes."""
    from_ = _mailbox(*parseaddr(sender))
    to = _mailbox(recipient_name, recipient)
    subj = _phrase(subject)
    replies = [_mailbox(name, addr) for name, addr in getaddresses([reply_to])] if reply_to else []
    if from_ is None or to is None or subj is None or _CONTROL.search(message_id + date_header + reply_to) \
            or None in replies:
        return None
    headers: tuple[tuple[str, str], ...] = (
        ("From", from_),
        ("To", to),
        *((("Reply-To", ",\n ".join(r for r in replies if r)),) if replies else ()),
        ("Subject", subj),
        ("Message-ID", message_id),
        ("Date", date_header),
        ("Auto-Submitted", "auto-generated"),
    )
    for name, value in headers:
        if any(len(line) > _MAX_LINE for line in f"{name}: {value}".split("\n")):
            return None
    msg = EmailMessage(POLICY)
    for name, value in headers:
        msg.set_raw(name, value)
    msg.set_raw("MIME-Version", "1.0")
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
    msg.set_raw("Content-Type", f'multipart/alternative;\n boundary="{boundary}"')
    msg.set_payload([_text_part("plain", text), _text_part("html", html)])
    return msg


def build_message(
    *,
    sender: str,
    recipient: str,
    recipient_name: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date_header: str,
    reply_to: str = "",
) -> EmailMessage:
    """A multipart/alternative message (text and HTML), Chinese subject and names RFC 2047 encoded;
    ``reply_to``: the officers in charge (``钱明远 <qian@example.cn>, …``), the 联系人 the body names.

    Usually its headers are encoded directly (the email package's header classes parse and refold
    every header of every message, most of the cost of a digest); anything unusual (a long or odd
    display name, a subject with control characters, an address needing quotes) goes through them.
    An empty subject is refused (UnsendableMessage): a mail without one is taken for spam, or lost.
    """
    if not subject.strip():
        raise UnsendableMessage("邮件主题为空（检查模板 subject.txt）")
    fast = _fast_message(sender, recipient, recipient_name, subject, text, html, message_id, date_header, reply_to)
    if fast is not None:
        return fast
    return _standard_message(sender, recipient, recipient_name, subject, text, html, message_id, date_header,
                             reply_to)


def _standard_message(
    sender: str, recipient: str, recipient_name: str, subject: str, text: str, html: str, message_id: str,
    date_header: str, reply_to: str = "",
) -> EmailMessage:
    msg = EmailMessage(POLICY)  # default policy: RFC 2047 encoded Chinese subject and names
    msg["From"] = sender_address(sender)
    _, address = mail_address(recipient)  # an unusual address is parsed, never cut at its last "@"
    user, _, domain = address.rpartition("@")
    try:
        msg["To"] = Address(display_name=recipient_name, username=user, domain=domain)
    except ValueError as exc:
        raise UnsendableMessage(f"无法写入收件人地址 {recipient!r}：{exc}") from None
    if reply_to and not _CONTROL.search(reply_to):  # a reply address the package cannot write is left out
        try:
            msg["Reply-To"] = reply_to
        except (ValueError, IndexError):
            pass
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = date_header
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class Mailer(ABC):
    """Open once, send many, close: ``with mailer: mailer.send(msg)``."""

    def __enter__(self) -> Mailer:
        self.open()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def send(self, msg: EmailMessage) -> None:
        """Deliver ``msg``; raise MessageRefused for this message, MailServerProblem for the server."""

    @abstractmethod
    def close(self) -> None: ...


@dataclass
class MemoryMailer(Mailer):
    """Keeps what it is given. ``refuse`` holds recipients it refuses; ``down`` makes it unreachable."""

    sent: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    down: bool = False
    opened: int = 0

    def open(self) -> None:
        if self.down:
            raise MailServerProblem("无法连接邮件服务器 memory")
        self.opened += 1

    def send(self, msg: EmailMessage) -> None:
        to = [a for _, a in getaddresses([str(msg["To"])])]
        if any(a in self.refuse for a in to):
            raise MessageRefused(f"收件人被拒绝：{', '.join(to)}")
        self.sent.append(msg)

    def close(self) -> None:
        pass


class SmtpMailer(Mailer):
    """SMTP with ``none`` / ``starttls`` / ``ssl``; TLS always verifies with the default context.

    ``cafile`` adds a trusted CA (a self-signed test server); it never turns verification off.
    """

    def __init__(self, config: SmtpConfig, *, password: str | None = None, cafile: str | None = None) -> None:
        self.config = config
        self.password = config.password if password is None else password
        self.cafile = cafile
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def open(self) -> None:
        c = self.config
        if c.user and c.security == "none" and not c.allow_plain_auth:
            raise MailServerProblem(
                f"未向邮件服务器 {self.where} 发送密码：连接未加密（[smtp] security = \"none\"）；"
                "请改用 security = \"starttls\" 或 \"ssl\"，确需明文登录时设 allow_plain_auth = true"
            )
        try:
            if c.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout_seconds, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)
            self._smtp = smtp
            smtp.ehlo()
            if c.security == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if c.user:
                smtp.login(c.user, self.password)
        except smtplib.SMTPAuthenticationError:
            self.close()
            raise ServerRefused(
                f"邮件服务器 {self.where} 拒绝登录：用户 {c.user} 的用户名或密码错误"
                "（密码取自环境变量 RECTIFY_SMTP_PASSWORD）"
            ) from None
        except UnicodeEncodeError:
            self.close()
            raise MailServerProblem(
                f"无法登录邮件服务器 {self.where}：用户名或密码含非 ASCII 字符，SMTP 登录不支持"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise MailServerProblem(f"邮件服务器 {self.where} 不支持所需功能：{_first(exc)}") from None
        except ssl.SSLError as exc:
            self.close()
            raise MailServerProblem(
                f"与邮件服务器 {self.where} 建立加密连接失败：{exc.reason or exc}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailServerProblem(f"无法连接邮件服务器 {self.where}：{_first(exc)}") from None

    def send(self, msg: EmailMessage) -> None:
        if self._smtp is None:
            raise MailServerProblem(f"未连接邮件服务器 {self.where}")
        try:
            self._smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if _server_wide(exc):
                raise ServerRefused(f"邮件服务器 {self.where} 拒绝本次连接发信：{_first(exc)}") from None
            raise MessageRefused(_first(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailServerProblem(f"与邮件服务器 {self.where} 的连接中断：{_first(exc)}") from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            try:
                smtp.close()
            except OSError:
                pass


def _server_wide(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
        return bool(codes) and codes <= SERVER_WIDE_CODES
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code in SERVER_WIDE_CODES


def _first(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "连接超时"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝（服务器未启动或端口错误）"
    if isinstance(exc, socket.gaierror):
        return "找不到主机"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}".splitlines()[0]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = " ".join(sorted({f"{code} {_text(msg)}" for code, msg in exc.recipients.values()}))
        return "收件人被拒绝：" + ", ".join(exc.recipients) + (f"（{codes}）" if codes else "")
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)).splitlines()[0] \
        if reply else ""
