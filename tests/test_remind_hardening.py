"""An outbox no single message can block, SMTP refusals that are the server's, the templates' sandbox (issue 17)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import Result

from rectify.notifications.mailer import MemoryMailer, UnsendableMessage, build_message
from rectify.notifications.outbox import LEASE, claim, drain, list_outbox, run_sweep
from rectify.notifications.render import Renderer
from rectify.notifications.store import OutboxStore
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import FakeClock, snapshot
from .remind_helpers import (
    AS_OF_ISO,
    CITY_SUP,
    PASSWORD,
    USER,
    SmtpServer,
    build_county,
    county_config,
    memory_store,
    self_signed,
    start_server,
    write_config,
)

AS_OF = date.fromisoformat(AS_OF_ISO)


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    return build_county(wf, clock)


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest, db: Database, county: tuple) -> OutboxStore:
    return SqlOutboxStore(db) if request.param == "sql" else memory_store(db)



def with_county_supervisors(*addresses: str) -> object:
    cfg = county_config()
    return dataclasses.replace(cfg, supervisors=dataclasses.replace(cfg.supervisors, county=addresses))


def remind(run: Callable[..., Result], cfg: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    return run("remind", "run", "--as-of", AS_OF_ISO, *extra, env={"RECTIFY_CONFIG": str(cfg), **(env or {})})


def statuses(store: OutboxStore) -> dict[str, tuple[str, int]]:
    return {r["recipient"]: (r["status"], r["attempts"]) for r in list_outbox(store)}


# -- one digest that cannot be built or addressed ------------------------------------------------


def test_an_address_with_a_line_break_fails_its_digest_and_the_rest_are_sent(
    store: OutboxStore, clock: FakeClock
) -> None:
    cfg = with_county_supervisors("zzb@qingshan.example.cn\nBcc: all@example.cn")
    swept = run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    assert swept.failed == 1
    mailer = MemoryMailer()
    result = drain(store, cfg, mailer, now=clock.now)
    assert (result.sent, result.failed, result.held) == (5, 0, 0)
    [failed] = list_outbox(store, "failed")
    assert failed["recipient"] == "zzb@qingshan.example.cn\\nbcc: all@example.cn"
    assert failed["last_error"].startswith("无法投递：收件人地址含换行或控制字符")
    assert all("all@example.cn" not in str(m["To"]) + str(m.get("Bcc")) for m in mailer.sent)
    assert list_outbox(store, "sending") == [] and list_outbox(store, "pending") == []


def test_a_display_name_in_an_address_is_the_name_not_part_of_the_address(
    store: OutboxStore, clock: FakeClock
) -> None:
    cfg = with_county_supervisors("张三 <Zhang@Example.cn>")
    run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    mailer = MemoryMailer()
    assert drain(store, cfg, mailer, now=clock.now).sent == 6
    [msg] = [m for m in mailer.sent if "zhang@example.cn" in str(m["To"])]
    [to] = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("张三", "zhang@example.cn")
    assert statuses(store)["zhang@example.cn"] == ("sent", 0)


@pytest.mark.parametrize("address", ["", "zhang", "a@example.cn, b@example.cn", "张三 <zhang@>", "x\x07@example.cn"])
def test_an_address_that_cannot_be_used_is_recorded_failed(store: OutboxStore, clock: FakeClock, address: str) -> None:
    cfg = with_county_supervisors(address)
    swept = run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    assert swept.failed == 1
    assert drain(store, cfg, MemoryMailer(), now=clock.now).sent == 5
    [failed] = list_outbox(store, "failed")
    assert failed["last_error"].startswith("无法投递：")


class Crashing(MemoryMailer):
    """A mailer that dies on its second message (a bug, a kill): not a MailServerProblem."""

    def send(self, msg: EmailMessage) -> None:
        if self.sent:
            raise RuntimeError("boom")
        super().send(msg)


def test_a_drain_that_dies_gives_back_what_it_did_not_send(store: OutboxStore, clock: FakeClock, county: tuple) -> None:
    cfg = county_config()
    run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    with pytest.raises(RuntimeError):
        drain(store, cfg, Crashing(), now=clock.now)
    assert list_outbox(store, "sending") == []
    assert len(list_outbox(store, "sent")) == 1 and len(list_outbox(store, "pending")) == 5
    assert drain(store, cfg, MemoryMailer(), now=clock.now).sent == 5


def test_the_drain_counts_what_another_process_holds_until_its_lease_runs_out(
    store: OutboxStore, clock: FakeClock
) -> None:
    cfg = county_config()
    run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    taken = claim(store, now=clock.now, limit=2)  # a process that dies after claiming two
    first = drain(store, cfg, MemoryMailer(), now=clock.now)
    assert (first.sent, first.held, first.held_until) == (4, 2, clock.now + LEASE)
    later = MemoryMailer()
    second = drain(store, cfg, later, now=clock.now + LEASE + timedelta(seconds=1))
    assert (second.sent, second.held) == (2, 0)
    assert sorted(m["Message-ID"] for m in later.sent) == sorted(r.message_id for r in taken)


def test_remind_run_exits_1_while_digests_are_held_and_sends_them_after_the_lease(
    run: Callable[..., Result], db: Database, county: tuple, clock: FakeClock, smtp: SmtpServer, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    store = SqlOutboxStore(db)
    run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    taken = claim(store, now=clock.now)  # the crash mid-drain
    res = remind(run, cfg)
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == (
        "错误：6 封摘要正由另一进程发送（或上次发送中断），租约到 2026-03-10 10:10 为止；"
        "到期后下次运行重发（rectify outbox list --status sending 查看）")
    assert smtp.sink.messages == []
    clock.advance(minutes=11)
    res = remind(run, cfg)
    assert res.exit_code == 0, res.output
    assert sorted(m["Message-ID"] for m in smtp.sink.messages) == sorted(r.message_id for r in taken)


@pytest.mark.parametrize(("subject", "reason"), [
    ('{% if recipient != "' + CITY_SUP + '" %}提醒{% endif %}', "无法生成邮件：邮件主题为空（检查模板 subject.txt）"),
    ('{{ "提醒" if recipient != "' + CITY_SUP + '" else no_such_value }}',
     "无法生成邮件：邮件模板 subject.txt 使用了未定义的变量：'no_such_value' is undefined"),
])
def test_a_digest_the_templates_fail_on_is_failed_and_the_rest_are_sent(
    run: Callable[..., Result], db: Database, county: tuple, smtp: SmtpServer, tmp_path: Path, subject: str,
    reason: str,
) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "subject.txt").write_text(subject, encoding="utf-8")
    cfg = write_config(tmp_path / "c.toml", smtp.port, extra=f'[templates]\nfolder = "{folder}"\n')
    res = remind(run, cfg)
    assert res.exit_code == 1
    assert res.output.splitlines()[-3:] == [
        "提醒扫描 2026-12-24：2 个候选整顿对象，新记录 11 项提醒、6 封摘要（其中 1 封无法生成或投递）",
        "已发送 5 封摘要",
        "错误：1 封摘要未能发送（rectify outbox list 查看原因）",
    ]
    assert len(smtp.sink.messages) == 5 and smtp.sink.to(CITY_SUP) == []
    [failed] = list_outbox(SqlOutboxStore(db), "failed")
    assert (failed["recipient"], failed["last_error"]) == (CITY_SUP, reason)


def test_an_empty_subject_is_refused() -> None:
    with pytest.raises(UnsendableMessage, match="邮件主题为空"):
        build_message(sender="整改办 <zgb@example.cn>", recipient="a@example.cn", recipient_name="", subject=" ",
                      text="正文", html="<p>正文</p>", message_id="<t@example.cn>",
                      date_header="Thu, 24 Dec 2026 08:30:00 +0800")


# -- SMTP: the server's refusals ------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_no_password_over_an_unencrypted_connection(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    server = start_server(auth=True)
    try:
        cfg = write_config(tmp_path / "c.toml", server.port, user=USER)
        res = remind(run, cfg, env={"RECTIFY_SMTP_PASSWORD": PASSWORD})
        assert res.exit_code == 1
        assert res.output.splitlines()[-1] == (
            f"错误：未向邮件服务器 127.0.0.1:{server.port} 发送密码：连接未加密（[smtp] security = \"none\"）；"
            "请改用 security = \"starttls\" 或 \"ssl\"，确需明文登录时设 allow_plain_auth = true"
            "；未发送的邮件留在发件箱，下次运行时重发")
        assert server.sink.messages == []
        assert {(r["status"], r["attempts"]) for r in list_outbox(SqlOutboxStore(db))} == {("pending", 0)}
        cfg = write_config(tmp_path / "c.toml", server.port, user=USER, allow_plain_auth=True)
        assert remind(run, cfg, env={"RECTIFY_SMTP_PASSWORD": PASSWORD}).exit_code == 0
        assert len(server.sink.messages) == 6
    finally:
        server.controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_refused_login_counts_no_attempt(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    server = start_server(auth=True)
    try:
        cfg = write_config(tmp_path / "c.toml", server.port, user=USER, allow_plain_auth=True)
        for _ in range(4):  # more runs than max_attempts = 3
            assert remind(run, cfg, env={"RECTIFY_SMTP_PASSWORD": "wrong"}).exit_code == 1
        assert {(r["status"], r["attempts"]) for r in list_outbox(SqlOutboxStore(db))} == {("pending", 0)}
    finally:
        server.controller.stop()


def test_530_starttls_required_stops_the_drain_as_a_server_problem(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = start_server(tls_context=ctx)  # requires STARTTLS; we connect with security = "none"
    try:
        cfg = write_config(tmp_path / "c.toml", server.port)
        for _ in range(4):
            res = remind(run, cfg)
            assert res.exit_code == 1
            assert res.output.splitlines()[-1].startswith(
                f"错误：邮件服务器 127.0.0.1:{server.port} 拒绝本次连接发信：530 ")
        rows = list_outbox(SqlOutboxStore(db))
        assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 0)}
        assert server.sink.messages == []
    finally:
        server.controller.stop()


# -- templates from the config folder: the immutable sandbox --------------------------------------


@pytest.mark.parametrize("text", [
    "{{ recipient.__class__.__mro__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ items.append(1) }}",
    "{{ counts.clear() }}",
])
def test_a_template_reaching_python_objects_is_one_line_exit_2(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path, text: str
) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "subject.txt").write_text(text, encoding="utf-8")
    cfg = write_config(tmp_path / "c.toml", 1, extra=f'[templates]\nfolder = "{folder}"\n')
    before = snapshot(db)
    res = remind(run, cfg)
    assert res.exit_code == 2
    assert res.output.startswith("错误：邮件模板 subject.txt 访问了不允许的属性（模板只能使用提供给它的值）：")
    assert res.output.count("\n") == 1, res.output
    assert snapshot(db) == before


def test_retrying_a_digest_failed_for_its_address_fails_it_again_and_sends_nothing(
    store: OutboxStore, clock: FakeClock
) -> None:
    from rectify.notifications.outbox import retry

    cfg = with_county_supervisors("zzb@qingshan.example.cn\nBcc: all@example.cn")
    run_sweep(store, cfg, as_of=AS_OF, now=clock.now, renderer=Renderer())
    assert drain(store, cfg, MemoryMailer(), now=clock.now).sent == 5
    [failed] = list_outbox(store, "failed")
    retry(store, failed["id"], now=clock.now)
    mailer = MemoryMailer()
    result = drain(store, cfg, mailer, now=clock.now)
    assert (result.sent, result.failed, mailer.sent) == (0, 1, [])
    [again] = list_outbox(store, "failed")
    assert again["last_error"] == "无法生成邮件：一个收件人只能有一个邮箱地址：'zzb@qingshan.example.cn\\\\nbcc: all@example.cn'"
