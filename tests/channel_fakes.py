"""Local fakes of the providers (SPEC §16) on 127.0.0.1, one HTTP server answering for all of them.

Each checks what the real provider checks — the 企业微信 webhook key and markdown limit, the access token, the
钉钉 加签 signature and its one-hour window, the 阿里云 and 腾讯云 request signatures, the approved signature and
template and its variables — and keeps what arrived. ``answer_next`` makes it answer a provider's throttling or
error body on demand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

from rectify.notifications.channels.sms import aliyun_signature, tc3_authorization

CORP_ID, CORP_SECRET, AGENT_ID = "ww-qingshan", "wecom-secret", "1000002"
DINGTALK_TOKEN, DINGTALK_SECRET = "dt-qingshan", "SEC-dingtalk-secret"
SMS_KEY_ID, SMS_KEY_SECRET = "LTAI-test", "sms-key-secret"
SMS_SIGN, TENCENT_APP = "青山县委组织部", "1400000001"
# Approved templates and their variables (阿里云 by name, 腾讯云 by position).
ALIYUN_TEMPLATES = {"SMS_1001": ("count", "item", "due"), "SMS_1002": ("count", "due")}
TENCENT_TEMPLATES = {"2001": 3, "2002": 2}
WECOM_LIMIT = 4096


@dataclass
class Arrived:
    wecom_robot: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # key → contents
    wecom_app: list[dict[str, Any]] = field(default_factory=list)
    dingtalk: list[dict[str, Any]] = field(default_factory=list)
    sms: list[dict[str, Any]] = field(default_factory=list)  # {phone, template, params, provider}
    tokens_issued: int = 0


class Fake:
    def __init__(self) -> None:
        self.arrived = Arrived()
        self.now = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)
        self.robot_keys: set[str] | None = {"hekou", "shiqiao", "county"}  # None: every key (the benchmark)
        self.users: set[str] | None = {"chenhaitao", "zhangganbu"}
        self.keep = True  # False: count what arrived, keep none of it (the benchmark)
        self.tokens: set[str] = set()
        self.nonces: set[str] = set()
        self.canned: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def robot_url(self, key: str) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={key}"

    def answer_next(self, what: str, body: dict[str, Any], times: int = 1, status: int = 200) -> None:
        """The next ``times`` requests for ``what`` (``wecom_robot:KEY``, ``wecom_app``, ``dingtalk``,
        ``aliyun``, ``tencent``) get ``body`` instead of being checked."""
        self.canned[what].extend([(status, body)] * times)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def start(self) -> Fake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    # -- the providers --

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> tuple[int, Any]:
        with self.lock:
            self.requests += 1
            if path == "/cgi-bin/webhook/send":
                return self._canned(f"wecom_robot:{query.get('key')}") or self._wecom_robot(query, body)
            if path == "/cgi-bin/gettoken":
                return self._gettoken(query)
            if path == "/cgi-bin/message/send":
                return self._canned("wecom_app") or self._wecom_app(query, body)
            if path == "/robot/send":
                return self._canned("dingtalk") or self._dingtalk(query, body)
            if path == "/" and method == "GET":
                return self._canned("aliyun") or self._aliyun(query)
            if path == "/" and headers.get("X-TC-Action") == "SendSms":
                return self._canned("tencent") or self._tencent(headers, body)
            return 404, {"error": "not found"}

    def _canned(self, what: str) -> tuple[int, Any] | None:
        return self.canned[what].pop(0) if self.canned[what] else None

    def _wecom_robot(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if self.robot_keys is not None and query.get("key") not in self.robot_keys:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        msg = json.loads(body)
        if msg.get("msgtype") != "markdown" or not msg.get("markdown", {}).get("content"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = msg["markdown"]["content"]
        if len(content.encode("utf-8")) > WECOM_LIMIT:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        self.arrived.wecom_robot[query["key"]].append(content if self.keep else "")
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _gettoken(self, query: dict[str, str]) -> tuple[int, Any]:
        if query.get("corpid") != CORP_ID:
            return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != CORP_SECRET:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        self.arrived.tokens_issued += 1
        token = f"token-{self.arrived.tokens_issued}"
        self.tokens.add(token)
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _wecom_app(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if query.get("access_token") not in self.tokens:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        msg = json.loads(body)
        if str(msg.get("agentid")) != AGENT_ID or msg.get("msgtype") != "markdown":
            return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
        if len(msg["markdown"]["content"].encode("utf-8")) > 2048:
            return 200, {"errcode": 40058, "errmsg": "content exceed max length"}
        if self.users is not None and msg.get("touser") not in self.users:
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": msg.get("touser")}
        self.arrived.wecom_app.append(msg if self.keep else {})
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""}

    def _dingtalk(self, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if query.get("access_token") != DINGTALK_TOKEN:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or not sign:
            return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/]"}
        if abs(int(timestamp) - int(self.now.timestamp() * 1000)) > 3600 * 1000:
            return 200, {"errcode": 310000, "errmsg": "timestamp is invalid (more than one hour apart)"}
        expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(),
                                             hashlib.sha256).digest()).decode()
        if sign != expected:  # parse_qsl has decoded it once, as DingTalk's server does
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        msg = json.loads(body)
        if msg.get("msgtype") != "markdown" or not msg["markdown"].get("title") or not msg["markdown"].get("text"):
            return 200, {"errcode": 400013, "errmsg": "markdown title/text missing"}
        self.arrived.dingtalk.append(msg if self.keep else {})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _aliyun(self, query: dict[str, str]) -> tuple[int, Any]:
        required = ("AccessKeyId", "Action", "Format", "PhoneNumbers", "RegionId", "SignName", "SignatureMethod",
                    "SignatureNonce", "SignatureVersion", "TemplateCode", "Timestamp", "Version", "Signature")
        missing = [k for k in required if not query.get(k)]
        if missing:
            return 400, {"Code": "MissingParameter", "Message": f"missing {missing[0]}"}
        if query["AccessKeyId"] != SMS_KEY_ID:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
        given = query.pop("Signature")
        if aliyun_signature(query, SMS_KEY_SECRET) != given:
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        sent_at = datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(sent_at - self.now) > timedelta(minutes=15):
            return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "Specified time stamp or date has expired."}
        if query["SignatureNonce"] in self.nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "Specified signature nonce was used already."}
        self.nonces.add(query["SignatureNonce"])
        if query["SignName"] != SMS_SIGN:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法"}
        wanted = ALIYUN_TEMPLATES.get(query["TemplateCode"])
        if wanted is None:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}
        params = json.loads(query.get("TemplateParam") or "{}")
        if set(params) != set(wanted):
            return 200, {"Code": "isv.TEMPLATE_PARAMS_ILLEGAL", "Message": f"模板变量不符：{sorted(params)}"}
        if not (query["PhoneNumbers"].isdigit() and len(query["PhoneNumbers"]) == 11):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        self.arrived.sms.append({} if not self.keep else {"provider": "aliyun", "phone": query["PhoneNumbers"],
                                 "template": query["TemplateCode"], "params": params, "out_id": query.get("OutId")})
        return 200, {"Code": "OK", "Message": "OK", "BizId": "900000000000000000^0", "RequestId": "R1"}

    def _tencent(self, headers: Any, body: bytes) -> tuple[int, Any]:
        def error(code: str, message: str) -> tuple[int, Any]:
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "R"}}

        timestamp = int(headers.get("X-TC-Timestamp", "0"))
        expected = tc3_authorization(key_id=SMS_KEY_ID, secret=SMS_KEY_SECRET, host=headers.get("Host", ""),
                                     payload=body, timestamp=timestamp)
        if headers.get("Authorization") != expected:
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if abs(timestamp - self.now.timestamp()) > 300:
            return error("AuthFailure.SignatureExpire", "Signature expired.")
        msg = json.loads(body)
        for key in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not msg.get(key):
                return error("MissingParameter", f"The request is missing a required parameter `{key}`.")
        if msg["SmsSdkAppId"] != TENCENT_APP or msg.get("SignName") != SMS_SIGN:
            return error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        count = TENCENT_TEMPLATES.get(msg["TemplateId"])
        if count is None or len(msg.get("TemplateParamSet") or []) != count:
            return error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "模板变量个数不符")
        statuses = []
        for phone in msg["PhoneNumberSet"]:
            ok = phone.startswith("+86") and len(phone) == 14
            statuses.append({"Code": "Ok" if ok else "InvalidParameterValue.IncorrectPhoneNumber",
                             "Message": "send success" if ok else "手机号格式错误", "PhoneNumber": phone})
            if ok:
                self.arrived.sms.append({"provider": "tencent", "phone": phone, "template": msg["TemplateId"],
                                         "params": msg["TemplateParamSet"]})
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": "R"}}


def serve_until_stdin_closes() -> None:
    """The fake in its own process (the benchmark): prints its URL, serves every key and user, stops at EOF."""
    import sys

    fake = Fake()
    fake.robot_keys = fake.users = None
    fake.keep = False
    fake.start()
    print(fake.url, flush=True)
    for line in sys.stdin:
        fake.now = datetime.fromisoformat(line.strip())
    fake.stop()
    print(json.dumps({"requests": fake.requests}), flush=True)


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer = fake.handle(self.command, parts.path, dict(parse_qsl(parts.query)), self.headers, body)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def dingtalk_sign_for(timestamp_ms: int) -> str:
    digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp_ms}\n{DINGTALK_SECRET}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()).decode())


if __name__ == "__main__":
    serve_until_stdin_closes()
