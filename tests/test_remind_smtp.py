"""Against a real SMTP server (aiosmtpd on 127.0.0.1): encoding, once-only, auth, TLS, two processes."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import SmtpConfig
from rectify.notifications.mailer import MailServerProblem, SmtpMailer, build_message
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import ACTOR, FakeClock, snapshot
from .remind_helpers import (
    AS_OF_ISO,
    CITY_SUP,
    COUNTY_SUP,
    LEADER,
    OFFICER,
    PASSWORD,
    USER,
    SmtpServer,
    build_county,
    free_port,
    self_signed,
    start_server,
    write_config,
)


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    return build_county(wf, clock)


def remind(run: Callable[..., Result], cfg: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    return run("remind", "run", "--as-of", AS_OF_ISO, *extra, env={"RECTIFY_CONFIG": str(cfg), **(env or {})})


def test_remind_run_sends_one_digest_per_person_once(
    run: Callable[..., Result],
    smtp: SmtpServer,
    county: tuple,
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    res = remind(run, cfg)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-1] == "已发送 6 封摘要"
    assert len(smtp.sink.messages) == 6
    [msg] = smtp.sink.to(OFFICER)
    assert msg["Subject"] == "【整顿工作提醒】2026年12月24日 您有 4 项应办事项（其中逾期 2 项）"
    assert msg["From"].addresses[0].display_name == "青山县委组织部"
    assert msg["To"].addresses[0].display_name == "赵经办"
    body = msg.get_body(("plain",)).get_content()
    assert "河口镇王家庄村党支部" in body and "石桥乡李家湾村党支部" in body
    assert "<table" in msg.get_body(("html",)).get_content()
    [sup] = smtp.sink.to(CITY_SUP)
    assert (
        "逾期督办" in sup.get_body(("plain",)).get_content()
        and "河口镇" not in sup.get_body(("plain",)).get_content()
    )
    # The raw header is RFC 2047-encoded, not raw UTF-8.
    raw = bytes(smtp.sink.messages[0]).decode("ascii")
    assert "=?utf-8?" in raw
    again = remind(run, cfg)
    assert again.exit_code == 0 and again.output.splitlines() == [
        "提醒扫描 2026-12-24：2 个候选整顿对象，新记录 0 项提醒、0 封摘要",
        "已发送 0 封摘要",
    ]
    assert len(smtp.sink.messages) == 6
    listed = json.loads(run("outbox", "list", "--format", "json").output)
    assert {r["status"] for r in listed} == {"sent"} and len(listed) == 6
    assert {r["message_id"] for r in listed} == {m["Message-ID"] for m in smtp.sink.messages}


def test_server_down_keeps_everything_for_the_next_run(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    port = free_port()  # nobody listens here
    cfg = write_config(tmp_path / "c.toml", port)
    res = remind(run, cfg)
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == (
        f"错误：无法连接邮件服务器 127.0.0.1:{port}：连接被拒绝（服务器未启动或端口错误）；"
        "未发送的邮件留在发件箱，下次运行时重发"
    )
    pending = json.loads(run("outbox", "list", "--status", "pending", "--format", "json").output)
    assert len(pending) == 6
    server = start_server()
    try:
        res = remind(run, write_config(tmp_path / "c.toml", server.port))
        assert res.exit_code == 0 and len(server.sink.messages) == 6
        assert {m["Message-ID"] for m in server.sink.messages} == {r["message_id"] for r in pending}
    finally:
        server.controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_wrong_password_is_one_line_and_keeps_rows_pending(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    server = start_server(auth=True)
    try:
        cfg = write_config(tmp_path / "c.toml", server.port, user=USER, allow_plain_auth=True)
        res = remind(run, cfg, env={"RECTIFY_SMTP_PASSWORD": "wrong"})
        assert res.exit_code == 1
        assert res.output.splitlines()[-1] == (
            f"错误：邮件服务器 127.0.0.1:{server.port} 拒绝登录：用户 rectify 的用户名或密码错误"
            "（密码取自环境变量 RECTIFY_SMTP_PASSWORD）；未发送的邮件留在发件箱，下次运行时重发"
        )
        before = snapshot(db)
        assert {r[7] for r in before["outbox_digest"]} == {"pending"}
        assert server.sink.messages == []
        res = remind(run, cfg, env={"RECTIFY_SMTP_PASSWORD": PASSWORD})
        assert res.exit_code == 0 and len(server.sink.messages) == 6
    finally:
        server.controller.stop()


def _message() -> object:
    return build_message(
        sender="整改办 <zgb@example.cn>",
        recipient=LEADER,
        recipient_name="李县长",
        subject="测试",
        text="正文",
        html="<p>正文</p>",
        message_id="<t1@example.cn>",
        date_header="Thu, 24 Dec 2026 08:30:00 +0800",
    )


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_verifies_the_server_certificate(tmp_path: Path, security: str) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server = (
        start_server(ssl_context=server_ctx) if security == "ssl" else start_server(tls_context=server_ctx)
    )
    try:
        config = SmtpConfig(host="127.0.0.1", port=server.port, security=security, timeout_seconds=5)
        with pytest.raises(MailServerProblem, match="建立加密连接失败|无法连接"):
            SmtpMailer(config).open()  # self-signed: refused without the test CA
        with SmtpMailer(config, cafile=str(cert)) as mailer:
            mailer.send(_message())  # type: ignore[arg-type]
        [got] = server.sink.messages
        assert got["Subject"] == "测试" and got["Message-ID"] == "<t1@example.cn>"
    finally:
        server.controller.stop()


def test_two_processes_at_once_send_each_digest_once(
    db_url: str, db: Database, county: tuple, clock: FakeClock, smtp: SmtpServer, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    env = {**os.environ, "RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": str(cfg)}
    cmd = [
        sys.executable,
        "-m",
        "rectify.cli",
        "--db",
        db_url,
        "--actor",
        ACTOR,
        "remind",
        "run",
        "--as-of",
        AS_OF_ISO,
    ]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    # The one that finishes first may see digests the other still holds: it says so and exits 1.
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0 or (proc.returncode == 1 and "正由另一进程发送" in err), outs
    assert 0 in [p.returncode for p in procs], outs
    recipients = sorted(to for _, tos in smtp.sink.envelopes for to in tos)
    assert len(recipients) == 6 and len(set(recipients)) == 6
    assert COUNTY_SUP in recipients and OFFICER in recipients
