"""SMS through 阿里云 (RPC, HMAC-SHA1) or 腾讯云 (API 3.0, TC3-HMAC-SHA256): an approved signature and template,
and only the template's variables sent. No SDK: the two signatures are written out here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode, urlsplit

from rectify.notifications.channels.http import call
from rectify.notifications.channels.port import Channel, Delivery, Refused, Rejected, Throttled

ALIYUN_BASE = "https://dysmsapi.aliyuncs.com"
TENCENT_BASE = "https://sms.tencentcloudapi.com"
ALIYUN_THROTTLED = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "isv.DAY_LIMIT_CONTROL"})
ALIYUN_REJECTED = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                             "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
                             "isv.INVALID_JSON_PARAM", "isv.PARAM_LENGTH_LIMIT"})


def _pe(text: str) -> str:
    """阿里云's percent-encoding (RFC 3986: space %20, ~ kept)."""
    return quote(text, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{_pe(k)}={_pe(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_pe('/')}&{_pe(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def tc3_authorization(*, key_id: str, secret: str, host: str, payload: bytes, timestamp: int,
                      service: str = "sms") -> str:
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
                           "content-type;host", hashlib.sha256(payload).hexdigest()])
    scope = f"{day}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    signing = mac(mac(mac(f"TC3{secret}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}")


class Sms(Channel):
    name = "sms"

    def __init__(self, *, provider: str, sign: str, template: str, variables: list[str], app_id: str,
                 key_id: str, key_secret: str, base: str, timeout: float, region: str = "") -> None:
        self.provider, self.sign, self.template, self.variables = provider, sign, template, variables
        self.app_id, self.key_id, self.key_secret = app_id, key_id, key_secret
        self.base = base.rstrip("/") if base else (ALIYUN_BASE if provider == "aliyun" else TENCENT_BASE)
        self.timeout, self.region = timeout, region

    def send(self, delivery: Delivery, now: datetime) -> None:
        if not (self.key_id and self.key_secret):
            raise Rejected("未设置短信平台密钥（环境变量 RECTIFY_SMS_KEY_ID、RECTIFY_SMS_KEY_SECRET）")
        values = json.loads(delivery.body)
        params = {name: str(values.get(name, "")) for name in self.variables}  # only the template's variables
        if self.provider == "aliyun":
            self._aliyun(delivery, params, now)
        else:
            self._tencent(delivery, [params[n] for n in self.variables], now)

    def _aliyun(self, delivery: Delivery, params: dict[str, str], now: datetime) -> None:
        query = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON", "OutId": delivery.key[:60],
            "PhoneNumbers": delivery.address, "RegionId": self.region or "cn-hangzhou", "SignName": self.sign,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "TemplateCode": self.template, "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, self.key_secret)
        answer = call(f"{self.base}/?{urlencode(query, quote_via=quote)}", where="阿里云短信", timeout=self.timeout)
        code = str(answer.get("Code", ""))
        if code == "OK":
            return
        text = f"阿里云短信拒绝发往 {delivery.address}：{code} {answer.get('Message', '')}"
        if code in ALIYUN_THROTTLED:
            raise Throttled(f"阿里云短信限流：{code} {answer.get('Message', '')}", timedelta(minutes=1))
        if code in ALIYUN_REJECTED:
            raise Rejected(text)
        raise Refused(text)

    def _tencent(self, delivery: Delivery, params: list[str], now: datetime) -> None:
        phone = delivery.address if delivery.address.startswith("+") else f"+86{delivery.address}"
        payload = json.dumps({"PhoneNumberSet": [phone], "SmsSdkAppId": self.app_id, "SignName": self.sign,
                              "TemplateId": self.template, "TemplateParamSet": params,
                              "SessionContext": delivery.key[:100]}, ensure_ascii=False).encode("utf-8")
        timestamp = int(now.timestamp())
        host = urlsplit(self.base).netloc
        headers = {"Content-Type": "application/json; charset=utf-8", "Host": host, "X-TC-Action": "SendSms",
                   "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(timestamp),
                   "X-TC-Region": self.region or "ap-guangzhou",
                   "Authorization": tc3_authorization(key_id=self.key_id, secret=self.key_secret, host=host,
                                                      payload=payload, timestamp=timestamp)}
        answer = call(f"{self.base}/", data=payload, headers=headers, method="POST", where="腾讯云短信",
                      timeout=self.timeout)
        response = answer.get("Response")
        response = response if isinstance(response, dict) else {}
        error = response.get("Error")
        statuses = response.get("SendStatusSet") or []
        if isinstance(error, dict):
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        elif statuses and isinstance(statuses[0], dict):
            code, message = str(statuses[0].get("Code", "")), str(statuses[0].get("Message", ""))
        else:
            code, message = "", "应答中没有发送结果"
        if code == "Ok":
            return
        text = f"腾讯云短信拒绝发往 {delivery.address}：{code} {message}"
        if code.startswith("LimitExceeded") or code == "RequestLimitExceeded":
            raise Throttled(f"腾讯云短信限流：{code} {message}", timedelta(minutes=1))
        if code.startswith(("InvalidParameterValue", "FailedOperation.Template", "FailedOperation.Sign",
                            "UnsupportedOperation")):
            raise Rejected(text)
        raise Refused(text)
