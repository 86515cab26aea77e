"""The ``Mailer`` port and its adapters: SMTP (plain, STARTTLS, SSL) and in memory for tests.

The domain hands over finished :class:`email.message.EmailMessage` objects; only this module knows
``smtplib``. One connection is opened per drain and reused for every message of it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from types import TracebackType

from rectify.config import SmtpConfig
from rectify.workflow.errors import RectifyError


class MailServerProblem(RectifyError):
    """The server cannot be reached or refuses us: nothing more can be sent in this drain."""


class MessageRefused(Exception):
    """The server refused this one message; the next may go through."""


def sender_address(sender: str) -> Address:
    """``"整改办 <zgb@example.cn>"`` → an Address whose display name is encoded properly."""
    name, addr = parseaddr(sender)
    if "@" not in addr:
        raise MailServerProblem(f"配置项 [smtp] sender 不是有效的邮箱地址：{sender!r}")
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


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
) -> EmailMessage:
    msg = EmailMessage()  # default policy: RFC 2047 encoded Chinese subject and names
    msg["From"] = sender_address(sender)
    user, _, domain = recipient.rpartition("@")
    msg["To"] = Address(display_name=recipient_name, username=user, domain=domain)
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
            raise MailServerProblem(
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


def _first(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "连接超时"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝（服务器未启动或端口错误）"
    if isinstance(exc, socket.gaierror):
        return "找不到主机"
    if isinstance(exc, smtplib.SMTPResponseException):
        err = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {err}".splitlines()[0]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "收件人被拒绝：" + ", ".join(exc.recipients)
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
