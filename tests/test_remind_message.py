"""Digest messages: headers encoded directly read back exactly as the email package's own would."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from rectify.notifications import mailer
from rectify.notifications.mailer import build_message

TEXT = "赵经办，您好：\n\n截至 2026-06-30，您负责或督办的整顿软弱涣散基层党组织工作有以下 3 项提醒：\n" * 3
HTML = "<!DOCTYPE html>\n<p>赵经办，您好：</p>\r\n<table><tr><td>河口镇第3村党支部</td></tr></table>"
CASES = [
    ("rectify <rectify@example.cn>", "officer1@example.cn", "赵经办", "【整顿提醒】2026-06-30 您有 3 项整顿工作提醒（其中逾期 1 项）"),
    ("青山县委组织部 <zgb@example.cn>", "leader@example.cn", "李县长", "测试"),
    ("zgb@example.cn", "a.b+c@mail.example.cn", "", "Reminder: 3 items"),
    ('"Org, County" <zgb@example.cn>', "x@example.cn", 'Dr. "Zhao"', "ASCII subject"),
    ("整改办 <zgb@example.cn>", "x@example.cn", "很长的显示名称" * 8, "很长的主题" * 30),
    ("整改办 <zgb@example.cn>", "x@example.cn", "名字", "=?utf-8?q?looks_encoded?= 主题"),
    ("整改办 <zgb@example.cn>", "x@example.cn", "混合 Name 名", "🙂 emoji 主题 " + "x" * 70),
]


def _wire(msg: object) -> object:
    raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # type: ignore[attr-defined]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header RFC 2047 encoded
    return message_from_bytes(raw, policy=policy.default)


def _read(msg: object) -> dict[str, object]:
    def boxes(name: str) -> list[tuple[str, str]]:
        return [(a.display_name, a.addr_spec) for a in msg[name].addresses]  # type: ignore[index]

    return {
        "from": boxes("From"),
        "to": boxes("To"),
        "subject": str(msg["Subject"]),  # type: ignore[index]
        "message_id": str(msg["Message-ID"]),  # type: ignore[index]
        "date": str(msg["Date"]),  # type: ignore[index]
        "auto": str(msg["Auto-Submitted"]),  # type: ignore[index]
        "type": msg.get_content_type(),  # type: ignore[attr-defined]
        # line ends: an 8bit part arrives with the wire's CRLF, a base64 one as it was encoded
        "plain": msg.get_body(("plain",)).get_content().replace("\r\n", "\n"),  # type: ignore[attr-defined]
        "html": msg.get_body(("html",)).get_content().replace("\r\n", "\n"),  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize(("sender", "recipient", "name", "subject"), CASES)
def test_message_reads_back_like_the_email_packages_own(sender: str, recipient: str, name: str, subject: str) -> None:
    args = {"sender": sender, "recipient": recipient, "recipient_name": name, "subject": subject, "text": TEXT,
            "html": HTML, "message_id": "<rectify.1@example.cn>", "date_header": "Tue, 30 Jun 2026 02:00:00 +0000"}
    built = build_message(**args)  # type: ignore[arg-type]
    reference = mailer._standard_message(**args)  # type: ignore[arg-type]
    got = _read(_wire(built))
    assert got == _read(_wire(reference))
    if mailer._fast_message(**args) is not None:  # type: ignore[arg-type]
        assert got["subject"] == subject and got["to"] == [(name, recipient)]
    assert _read(built) == _read(reference)  # the object handed to the mailer reads the same too


def test_the_usual_digest_takes_the_direct_path() -> None:
    sender, recipient, name, subject = CASES[0]
    assert mailer._fast_message(sender, recipient, name, subject, TEXT, HTML, "<m@x.cn>", "Tue, 30 Jun 2026") is not None
    assert mailer._fast_message(*CASES[4], TEXT, HTML, "<m@x.cn>", "Tue, 30 Jun 2026") is None  # too long a name
