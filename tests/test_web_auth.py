"""The web's shell and security (SPEC §13), through Starlette's TestClient on both backends: who may see what
without signing in, the session cookie and its timeouts by the injected clock, CSRF and origin checks that write
nothing, the back-off after failed sign-ins, the password a person must change, headers, and the error table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from rectify.config import Config, WebConfig
from rectify.errors import BadInput, Conflict, NotFound, Refused
from rectify.store import Database
from rectify.web.app import create_app
from rectify.web.security import COOKIE
from rectify.write.accounts import WRONG, Accounts
from rectify.write.people import Registry
from tests.conftest import FakeClock, snapshot
from tests.web_helpers import (
    ADMIN,
    KEY,
    LEADER,
    OFFICER,
    PASSWORD,
    admin_actor,
    cheap_hasher,
    csrf,
    form_token,
    register,
    service,
    sign_in,
)

HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import rectify.write.accounts as accounts

    hasher = cheap_hasher()
    dummy = hasher.hash("dummy")
    monkeypatch.setattr(accounts, "_hasher", lambda: hasher)
    monkeypatch.setattr(accounts, "_dummy_hash", lambda: dummy)


def make_app(db: Database, clock: FakeClock, config: Config | None = None) -> Any:
    return create_app(service(db, config or Config(), clock), secret_key=KEY)


@pytest.fixture
def app(db: Database, clock: FakeClock) -> Any:
    register(db, clock, LEADER, OFFICER)
    return make_app(db, clock)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def signed_in(app: Any, login: str = LEADER.login) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    assert sign_in(c, login).status_code == 303
    return c


# -- anonymous -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/cases", "/cases/1", "/cases/1/steps/progress", "/ledger?format=csv",
                                  "/stats", "/people", "/orgs", "/outbox", "/password", "/calendar", "/no/such"])
def test_an_anonymous_request_goes_to_the_sign_in_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_an_anonymous_post_goes_to_the_sign_in_page_and_writes_nothing(client: TestClient, db: Database) -> None:
    before = snapshot(db)
    for path in ("/logout", "/password", "/calendar", "/cases/1/steps/progress"):
        response = client.post(path, data={"csrf_token": "x"})
        assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert snapshot(db) == before


def test_healthz_answers_without_signing_in_and_sets_no_cookie(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/site.css", "/static/htmx.min.js", "/", "/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert {k: response.headers.get(k) for k in HEADERS} == HEADERS


def test_htmx_is_served_from_the_package_with_its_licence(client: TestClient) -> None:
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert response.text.startswith("/*! htmx.org 2.") and "0BSD" in response.text.splitlines()[0]
    page = client.get("/login").text
    assert '<script src="/static/htmx.min.js"' in page and "https://" not in page  # no CDN


# -- signing in ------------------------------------------------------------------------------------


def test_signing_in_rotates_the_session_and_shows_the_inbox(app: Any) -> None:
    c = TestClient(app, follow_redirects=False)
    c.get("/login")
    anonymous = c.cookies[COOKIE]
    response = sign_in(c, LEADER.login)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert c.cookies[COOKIE] != anonymous
    page = c.get("/")
    assert page.status_code == 200 and "<h1>我的待办</h1>" in page.text
    assert "韩青松" in page.text and "乡镇包村领导" in page.text
    assert ">人员<" not in page.text and ">退出<" in page.text  # 人员 only for an admin
    # The anonymous session from before signing in signs nobody in.
    old = TestClient(app, follow_redirects=False, cookies={COOKIE: anonymous})
    assert old.get("/").status_code == 303


def test_an_admin_sees_the_people_menu(app: Any) -> None:
    page = signed_in(app, ADMIN.login).get("/").text
    assert [label for label in re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a>', page)] == [
        "我的待办", "整顿对象", "台账", "统计", "组织", "人员", "安全设置", "发件箱"]


def test_the_name_signs_in_too(app: Any) -> None:
    assert sign_in(TestClient(app, follow_redirects=False), LEADER.name).headers["location"] == "/"


def test_a_wrong_password_and_an_unknown_login_read_the_same(client: TestClient, db: Database) -> None:
    wrong = sign_in(client, LEADER.login, "not-the-password")
    unknown = sign_in(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    message = re.compile(r'<p class="message" role="alert">([^<]*)</p>')
    assert message.findall(wrong.text) == message.findall(unknown.text) == [WRONG]
    assert COOKIE in client.cookies and client.get("/").status_code == 303
    rows = snapshot(db)["sign_in"]
    assert [(r[1], r[4]) for r in sorted(rows)] == [("qs-han", False), ("nobody-here", False)]


def test_a_disabled_person_cannot_sign_in_and_is_signed_out(app: Any, db: Database, clock: FakeClock) -> None:
    c = signed_in(app, LEADER.login)
    Registry(db, actor=ADMIN.name, clock=clock).disable(LEADER.name)
    assert c.get("/").status_code == 303
    response = sign_in(c, LEADER.login)
    assert response.status_code == 200 and WRONG in response.text


def test_a_script_in_the_login_field_comes_back_escaped(client: TestClient) -> None:
    response = sign_in(client, '"><script>alert(1)</script>', "whatever-it-is")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text


def test_behind_a_trusted_proxy_with_tls_the_cookie_is_secure(db: Database, clock: FakeClock) -> None:
    register(db, clock, LEADER)
    trusting = Config(web=WebConfig(trusted_proxies=("testclient",)))
    https = {"X-Forwarded-Proto": "https"}
    c = TestClient(make_app(db, clock, trusting), follow_redirects=False, headers=https)
    response = c.post("/login", data={"login": LEADER.login, "password": PASSWORD,
                                      "csrf_token": csrf(c.get("/login").text)})
    assert "; Secure" in response.headers["set-cookie"]
    # The same header from an address that is no trusted proxy does not count.
    c = TestClient(make_app(db, clock), follow_redirects=False, headers=https)
    assert "Secure" not in c.get("/login").headers["set-cookie"]


# -- the back-off ----------------------------------------------------------------------------------


def test_the_sixth_wrong_password_waits(client: TestClient, clock: FakeClock, db: Database) -> None:
    for _ in range(5):
        response = sign_in(client, LEADER.login, "wrong-password")
        assert response.status_code == 200 and WRONG in response.text
    sixth = sign_in(client, LEADER.login, PASSWORD)  # even the right one: no password is checked while it waits
    assert sixth.status_code == 429 and "登录失败次数过多，请 1 分钟后再试" in sixth.text
    assert client.get("/").status_code == 303
    assert len(snapshot(db)["sign_in"]) == 5  # the waited attempt checked nothing
    clock.advance(seconds=61)
    assert sign_in(client, LEADER.login, "wrong-again").status_code == 200  # the sixth failure: now 2 minutes
    clock.advance(seconds=61)
    assert "请 1 分钟后再试" in sign_in(client, LEADER.login, PASSWORD).text
    clock.advance(seconds=60)
    assert sign_in(client, LEADER.login, PASSWORD).headers["location"] == "/"
    # A success starts the count again.
    assert sign_in(TestClient(client.app), LEADER.login, "wrong-password").status_code == 200


def test_an_address_waits_after_five_failures_on_any_logins(client: TestClient) -> None:
    for n in range(5):
        assert sign_in(client, f"guess-{n}", "wrong-password").status_code == 200
    waited = sign_in(client, OFFICER.login, PASSWORD)
    assert waited.status_code == 429 and "分钟后再试" in waited.text


# -- sessions --------------------------------------------------------------------------------------


def test_a_tampered_cookie_signs_nobody_in(app: Any) -> None:
    c = signed_in(app)
    value = c.cookies[COOKIE]
    payload, _, signature = value.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]  # (the last character has unused bits)
    for forged in (f"{payload}.{flipped}", payload, value[::-1], "", "x.y"):
        other = TestClient(app, follow_redirects=False, cookies={COOKIE: forged})
        assert other.get("/").status_code == 303, forged
    # A cookie signed with another key, naming the admin (person 1), signs nobody in either.
    from itsdangerous import URLSafeSerializer

    fake = URLSafeSerializer(b"another-key-another-key-another-k", salt="rectify-session").dumps(
        {"s": "x", "p": 1, "f": "", "i": 1e12, "t": 1e12})
    assert TestClient(app, follow_redirects=False, cookies={COOKIE: fake}).get("/").status_code == 303


def test_the_idle_timeout_by_the_clock(app: Any, clock: FakeClock) -> None:
    c = signed_in(app)
    clock.advance(minutes=29)
    assert c.get("/").status_code == 200  # and the session's last use moves to now
    clock.advance(minutes=29)
    assert c.get("/").status_code == 200
    clock.advance(minutes=31)
    assert "登录已超时，请重新登录" in c.get("/login").text
    response = c.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_the_absolute_timeout_by_the_clock(app: Any, clock: FakeClock) -> None:
    c = signed_in(app)
    for _ in range(35):  # busy all day: a request every 20 minutes, 11 h 40 min
        clock.advance(minutes=20)
        assert c.get("/").status_code == 200
    clock.advance(minutes=21)
    assert c.get("/").status_code == 303


def test_signing_out_ends_the_session(app: Any) -> None:
    c = signed_in(app)
    kept = c.cookies[COOKIE]
    response = c.post("/logout", data={"csrf_token": form_token(c, "/")})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert c.get("/").status_code == 303
    assert kept  # (a copy of the old cookie lives until its idle timeout; a new password ends it at once)


# -- CSRF and origin -------------------------------------------------------------------------------


def test_a_post_without_the_token_or_from_elsewhere_is_refused_and_writes_nothing(app: Any, db: Database) -> None:
    c = signed_in(app)
    token = form_token(c, "/password")
    form = {"current": PASSWORD, "new": "a-brand-new-password", "confirm": "a-brand-new-password"}
    before = snapshot(db)
    cases: list[tuple[dict[str, str], dict[str, str]]] = [
        (form, {}),  # no token
        ({**form, "csrf_token": "0" * 64}, {}),  # a wrong token
        ({**form, "csrf_token": form_token(TestClient(app), "/login")}, {}),  # another session's token
        ({**form, "csrf_token": token}, {"Origin": "https://evil.example"}),
        ({**form, "csrf_token": token}, {"Origin": "null"}),
        ({**form, "csrf_token": token}, {"Sec-Fetch-Site": "cross-site"}),
        ({**form, "csrf_token": token}, {"Sec-Fetch-Site": "same-site"}),
    ]
    for data, headers in cases:
        response = c.post("/password", data=data, headers=headers)
        assert response.status_code == 403, (data, headers)
        assert "未写入任何内容" in response.text
    for path in ("/calendar", "/logout"):
        assert c.post(path, data={"action": "renew"}).status_code == 403
    assert c.post("/login", data={"login": LEADER.login, "password": PASSWORD}).status_code == 403
    assert snapshot(db) == before
    assert c.get("/").status_code == 200  # still signed in: the refused logout did nothing
    good = c.post("/password", data={**form, "csrf_token": token},
                  headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert good.status_code == 303


def test_base_url_is_the_only_origin_accepted(db: Database, clock: FakeClock) -> None:
    register(db, clock, LEADER)
    config = Config(web=WebConfig(base_url="https://rectify.qingshan.gov.cn"))
    c = TestClient(make_app(db, clock, config), follow_redirects=False, base_url="https://rectify.qingshan.gov.cn")
    page = c.get("/login")
    assert "; Secure" in page.headers["set-cookie"]  # an https base_url: the cookie goes over TLS only
    data = {"login": LEADER.login, "password": PASSWORD, "csrf_token": csrf(page.text)}
    for elsewhere in ("http://rectify.qingshan.gov.cn", "https://testserver", "https://rectify.qingshan.gov.cn.evil"):
        assert c.post("/login", data=data, headers={"Origin": elsewhere}).status_code == 403, elsewhere
    assert c.post("/login", data=data, headers={"Origin": "https://rectify.qingshan.gov.cn"}).status_code == 303


def test_every_unsafe_route_checks_its_origin_and_token(app: Any) -> None:
    unsafe = [r for r in app.routes if isinstance(r, Route) and (r.methods or set()) - {"GET", "HEAD"}]
    assert unsafe and [r.path for r in unsafe if not getattr(r.endpoint, "protected", False)] == []


# -- a password to change --------------------------------------------------------------------------


def test_a_password_set_by_an_admin_must_be_changed_at_sign_in(app: Any, db: Database, clock: FakeClock) -> None:
    Accounts(db, Config(), clock).set_password(admin_actor(), LEADER.login, "set-by-the-admin")
    elsewhere = signed_in(app, OFFICER.login)
    c = TestClient(app, follow_redirects=False)
    response = sign_in(c, LEADER.login, "set-by-the-admin")
    assert (response.status_code, response.headers["location"]) == (303, "/password")
    for path in ("/", "/calendar", "/cases"):
        assert c.get(path).headers["location"] == "/password"
    page = c.get("/password")
    assert page.status_code == 200 and "请先设置您自己的新密码" in page.text and "主菜单" not in page.text
    token = csrf(page.text)

    def change(current: str, new: str, confirm: str | None = None) -> Any:
        return c.post("/password", data={"current": current, "new": new, "confirm": new if confirm is None
                                         else confirm, "csrf_token": token})

    assert "当前密码不正确" in change("not-it", "my-own-password-1").text
    short = change("set-by-the-admin", "short")
    assert short.status_code == 400 and "密码至少 10 个字符" in short.text
    assert "两次输入的新密码不一致" in change("set-by-the-admin", "my-own-password-1", "my-own-password-2").text
    assert "不能与当前密码相同" in change("set-by-the-admin", "set-by-the-admin").text
    done = change("set-by-the-admin", "my-own-password-1")
    assert (done.status_code, done.headers["location"]) == (303, "/")
    assert c.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 200  # another person's session is untouched
    again = TestClient(app, follow_redirects=False)
    assert sign_in(again, LEADER.login, "set-by-the-admin").status_code == 200
    assert sign_in(again, LEADER.login, "my-own-password-1").headers["location"] == "/"


def test_a_new_password_ends_the_other_sessions(app: Any) -> None:
    phone, desk = signed_in(app), signed_in(app)
    token = form_token(desk, "/password")
    desk.post("/password", data={"current": PASSWORD, "new": "a-newer-password", "confirm": "a-newer-password",
                                 "csrf_token": token})
    assert desk.get("/").status_code == 200
    assert phone.get("/").status_code == 303


# -- the calendar ----------------------------------------------------------------------------------


def test_the_calendar_address_is_a_secret_the_person_can_renew_and_revoke(app: Any) -> None:
    c = signed_in(app)
    assert "尚未生成订阅地址" in c.get("/calendar").text
    page = c.post("/calendar", data={"action": "renew", "csrf_token": form_token(c, "/calendar")}).text
    address = re.search(r"<code>(http://testserver/calendar/[^<]+\.ics)</code>", page)
    assert address, page
    path = address[1].removeprefix("http://testserver")
    feed = TestClient(app).get(path)  # a calendar app: no session
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.content.startswith(b"BEGIN:VCALENDAR")
    c.post("/calendar", data={"action": "revoke", "csrf_token": form_token(c, "/calendar")})
    gone = TestClient(app).get(path)
    assert gone.status_code == 404 and "找不到该日历订阅" in gone.text
    assert TestClient(app).get("/calendar/not-a-token.ics").status_code == 404


# -- the error table -------------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "status", "title"), [
    (NotFound("找不到整顿对象 99"), 404, "找不到"),
    (Refused("整顿对象 3 处于已确定阶段，不能申报整改完成"), 422, "不能办理"),
    (Conflict("整顿对象已被他人修改，本次操作未写入"), 409, "整顿对象已被他人修改"),
    (BadInput("日期格式不对：2026-13-01"), 400, "填写有误"),
])
def test_domain_errors_become_chinese_pages_by_one_table(app: Any, error: Exception, status: int,
                                                         title: str) -> None:
    def boom(request: Any) -> Any:
        raise error

    app.router.routes.append(Route("/boom", boom))
    response = signed_in(app).get("/boom")
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in response.text and str(error).split("：")[0] in response.text
    assert "Traceback" not in response.text and {k: response.headers.get(k) for k in HEADERS} == HEADERS


def test_an_unknown_page_is_a_chinese_404(app: Any) -> None:
    response = signed_in(app).get("/no/such/page")
    assert response.status_code == 404 and "找不到该页面" in response.text


# -- the secret key --------------------------------------------------------------------------------


def test_the_secret_key_is_made_once_beside_the_sqlite_file_readable_by_its_owner(tmp_path: Any) -> None:
    from rectify.web.security import key_path, secret_key

    url = f"sqlite:///{tmp_path / 'county.sqlite'}"
    path = key_path(Config(), url)
    assert path == tmp_path / "rectify-web.key"
    first = secret_key(path)
    assert len(first) == 64 and oct(path.stat().st_mode & 0o777) == "0o600"
    path.chmod(0o644)
    assert secret_key(path) == first and oct(path.stat().st_mode & 0o777) == "0o600"
    elsewhere = Config(web=replace(WebConfig(), secret_key_file=str(tmp_path / "keys" / "web.key")))
    assert key_path(elsewhere, url) == tmp_path / "keys" / "web.key"


def test_a_bug_is_a_chinese_500_page_without_a_traceback(app: Any) -> None:
    def bug(request: Any) -> Any:
        raise RuntimeError("secret internals")

    app.router.routes.append(Route("/bug", bug))
    c = signed_in(app)
    response = TestClient(app, raise_server_exceptions=False, cookies=dict(c.cookies)).get("/bug")
    assert response.status_code == 500 and "内部错误" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
