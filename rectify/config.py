"""One TOML file (SPEC §11); every key optional, every value with a default, secrets from the environment.

The sections are frozen dataclasses (cheap at import: :mod:`rectify.frozen`): the rest of the package reads
``config.policy.timezone`` and never imports a validation library. Their annotations are the schema (types, and
ranges as ``annotated_types`` constraints); when a file is read, :func:`load_config` builds a strict pydantic model
from them (no ``"8"`` → 8, no bool ↔ int, no unknown key) and turns the first error into one Chinese line naming the
key. pydantic is imported only then, so ``rectify --help`` stays cheap.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rectify.errors import ConfigError

if TYPE_CHECKING:  # imported when a file is checked (_hints), so that a command reading no file skips it
    from dataclasses import dataclass, field  # what the sections are to a type checker: frozen dataclasses

    from annotated_types import Ge, Gt, Le
else:  # the same, its methods shared instead of compiled for each class at import (issue 29)
    from rectify.frozen import dataclass, field



if TYPE_CHECKING:
    Positive = Annotated[int, Ge(1)]


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""


@dataclass(frozen=True)
class PolicyConfig:
    timezone: str = "Asia/Shanghai"
    default_deadline: str | int = "year_end"
    min_deadline_days: Positive = 180
    ledger_due_days: Positive = 15
    secretary_due_days: Positive = 30
    verify_due_days: Positive = 30
    reminder_offsets: tuple[Positive, ...] = (14, 7, 3, 1)
    overdue_repeat_days: Positive = 7
    escalate_after_days: Positive = 14
    progress_report_days: Positive = 30
    monthly_report_day: Annotated[int, Ge(1), Le(28)] = 5
    secretary_rule: str = "first_secretary"  # or "either": a 选配 village secretary also satisfies stage 3
    first_secretary_term_years: Annotated[int, Ge(1), Le(10)] = 2
    publicity_days: Annotated[int, Ge(0), Le(60)] = 5
    consolidation_days: Annotated[int, Ge(1), Le(3650)] = 365
    look_back_after_days: tuple[Positive, ...] = (180, 365)
    # The failed verification from which a county sign (挂牌督办) is proposed; 0: never.
    propose_sign_after_failures: Annotated[int, Ge(0), Le(10)] = 2
    local_problem_types: dict[str, str] = field(default_factory=dict)  # e.g. {"P11": "村集体经济薄弱"}


@dataclass(frozen=True)
class LightsConfig:
    yellow: float = 0.30
    orange: float = 0.15


@dataclass(frozen=True)
class VerificationConfig:
    pass_score: Annotated[int, Ge(0), Le(100)] = 70
    max_dissatisfied_share: Annotated[float, Ge(0), Le(1)] = 0.5
    items: tuple[str, ...] = ("班子", "队伍", "场所", "载体", "制度", "业绩")  # the score sheet's areas (六有)
    min_surveyed: Annotated[int, Ge(0)] = 15  # 民主测评 takes at least this many people
    good_satisfaction: Annotated[float, Ge(0), Le(1)] = 0.8  # 满意率 below this: 基本合格, not 合格


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: Annotated[int, Ge(1), Le(65535)] = 25
    security: str = "none"
    user: str = ""
    sender: str = "rectify <rectify@localhost>"
    timeout_seconds: Annotated[float, Gt(0)] = 30
    max_attempts: Positive = 8
    allow_plain_auth: bool = False  # send the password over an unencrypted connection (not advised)

    @property
    def password(self) -> str:
        return os.environ.get("RECTIFY_SMTP_PASSWORD", "")


@dataclass(frozen=True)
class SchedulerConfig:
    sweep_at: str = "08:30"
    drain_every_minutes: Positive = 5


@dataclass(frozen=True)
class SupervisorsConfig:
    county: tuple[str, ...] = ()
    city: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplatesConfig:
    folder: str = ""


@dataclass(frozen=True)
class ReportConfig:
    """Who fills in and signs the ledger and the statistics form; the sender of notices."""

    unit: str = ""  # 填报单位 / sender, e.g. 中共青山县委组织部
    preparer: str = ""  # 填报人
    reviewer: str = ""  # 审核人
    phone: str = ""  # 联系电话
    contact: str = ""  # 联系人 named in notices (besides each case's officer in charge)
    plan_title: str = ""  # the county's 工作方案 named in notices
    poor_village_label: str = "脱贫村"
    paper: str = "A4"  # the printed ledger and form: A4 or A3 (landscape)
    form_number: str = ""  # 表号 printed on the Party statistics form
    form_authority: str = "中共中央组织部"  # 制表机关 printed on the form


@dataclass(frozen=True)
class SecurityConfig:
    require_registered_actor: bool = True  # once anyone is registered, unknown actors are refused
    actor_from_database: bool = False  # PostgreSQL: the actor is the person whose login is current_user
    key_file: str = ""  # the installation's signing key; empty: beside the SQLite file / in the user data directory


@dataclass(frozen=True)
class CalendarConfig:
    alarm_days: Annotated[int, Ge(0), Le(365)] = 7  # VALARM this many days before each date (0: none)
    working_day_windows: tuple[str, ...] = ("publicity",)  # windows counted in 工作日 (公示 by default)
    roll_to_working_day: bool = True  # a due date on a rest day moves to the next working day
    extra_days: str = ""  # a file adding holidays and 调休 for years chinesecalendar does not know


@dataclass(frozen=True)
class WebConfig:
    """The web front (SPEC §13, ``rectify serve``)."""

    # The password and session rules are security settings in the database (rectify security set); these only
    # tighten them for this file's users (0: the database's setting applies).
    min_password_length: Annotated[int, Ge(0), Le(128)] = 0
    session_idle_minutes: Annotated[int, Ge(0), Le(1440)] = 0
    session_max_hours: Annotated[int, Ge(0), Le(168)] = 0
    secret_key_file: str = ""  # empty: rectify-web.key beside the SQLite file (or in the user data directory)
    base_url: str = ""  # e.g. https://rectify.qingshan.gov.cn: the only origin a form is accepted from
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")  # whose X-Forwarded-Proto / X-Forwarded-For count

@dataclass(frozen=True)
class ChannelsConfig:
    """Where reminders go besides e-mail (SPEC §16); every secret from the environment."""

    wecom_robots: dict[str, str] = field(default_factory=dict)  # "县" or "县/乡镇" = webhook URL
    dingtalk_robots: dict[str, dict[str, str]] = field(default_factory=dict)  # "县/乡镇" = { url, secret }
    wecom_app: dict[str, str | int] = field(default_factory=dict)  # { corp_id, agent_id }
    sms: dict[str, str] = field(default_factory=dict)  # { provider, sign, template, variables, app_id }
    base_urls: dict[str, str] = field(default_factory=dict)  # wecom, dingtalk, aliyun, tencent
    robot_per_minute: Positive = 20
    timeout_seconds: Annotated[float, Gt(0)] = 10
    max_attempts: Positive = 8
    todo_url: str = ""  # 我的待办; empty: [web] base_url


@dataclass(frozen=True)
class ScreeningConfig:
    """排查 (SPEC §15): the hard criteria that need a reason when not listed, and the share shown as guidance."""

    weak_satisfaction: Annotated[float, Ge(0), Le(1)] = 0.6  # 群众满意率 below this: a hard criterion
    vacancy_months: Annotated[int, Ge(1), Le(120)] = 6  # 书记空缺 over this many months: a hard criterion
    share_range: tuple[float, ...] = (0.05, 0.10)  # 列入占比 per township, shown as guidance (never a quota)


@dataclass(frozen=True)
class ReportingConfig:
    """报送 (SPEC §15): when each report is due at the city, and the key that signs a county's packages."""

    monthly_due_day: Annotated[int, Ge(1), Le(28)] = 5  # 月报：次月几日前
    half_year_due_day: Annotated[int, Ge(1), Le(28)] = 15  # 半年报：7 月（下半年：次年 1 月）几日前
    year_due_day: Annotated[int, Ge(1), Le(28)] = 20  # 年报：次年 1 月几日前
    county_code: str = ""  # 本县代码（行政区划代码），整顿对象标识 = 县代码-编号；空：县名
    key_file: str = ""  # 签名私钥文件；空：SQLite 文件旁的 rectify-signing.key
    trusted_keys: dict[str, str] = field(default_factory=dict)  # 县 → 公钥 (ed25519:…)
    remind_from: str = ""  # 逾期未报提醒：报送时限在此日期（含）之后的报告期才提醒（YYYY-MM-DD）；空：不提醒


@dataclass(frozen=True)
class EvidenceConfig:
    """佐证材料 (SPEC §14): where the files are kept, how large they may be, and the optional virus scan."""

    folder: str = ""  # empty: beside the SQLite file (<name>-evidence), else in the user data directory
    max_photo_mb: Annotated[int, Ge(1), Le(100)] = 10
    max_document_mb: Annotated[int, Ge(1), Le(200)] = 30
    max_files_per_step: Annotated[int, Ge(1), Le(50)] = 10
    clamd: str = ""  # e.g. "unix:///run/clamav/clamd.ctl"; empty: no scan


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    lights: LightsConfig = field(default_factory=LightsConfig)
    verification: VerificationConfig = field(default_factory=VerificationConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    supervisors: SupervisorsConfig = field(default_factory=SupervisorsConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    web: WebConfig = field(default_factory=WebConfig)
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    reporting: ReportingConfig = field(default_factory=ReportingConfig)
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)


SECTIONS: dict[str, type] = {s[0]: s[2] for s in Config.__frozen_specs__}  # type: ignore[attr-defined]  # (read: no dataclasses)

# What each section and key means, for the sample `rectify config init` writes (every key must have a line).
from rectify.config_notes import NOTES  # noqa: E402

# -- where the file is -----------------------------------------------------------------------------

SYSTEM_CONFIG = Path("/etc/rectify/rectify.toml")


def user_config_file() -> Path:
    """``rectify.toml`` in the user configuration directory (``$XDG_CONFIG_HOME/rectify`` on Linux)."""
    if sys.platform == "linux":  # platformdirs' XDG rule, without importing it on every command (issue 29)
        base = os.environ.get("XDG_CONFIG_HOME", "")
        return Path(base if base.strip() else os.path.expanduser("~/.config")) / "rectify" / "rectify.toml"
    import platformdirs

    return platformdirs.user_config_path("rectify") / "rectify.toml"


def find_config(explicit: str | os.PathLike[str] | None) -> tuple[Path | None, str]:
    """The file in effect and how it was found: ``option`` (--config/RECTIFY_CONFIG), ``user``, ``system``, or
    ``(None, "default")`` when there is none and the built-in defaults apply."""
    if explicit:
        return Path(explicit), "option"
    for path, origin in ((user_config_file(), "user"), (SYSTEM_CONFIG, "system")):
        if path.is_file():
            return path, origin
    return None, "default"


# -- the value rules no type can say ---------------------------------------------------------------


def _check_policy(policy: PolicyConfig) -> None:
    dd = policy.default_deadline
    if not (dd == "year_end" or (isinstance(dd, int) and not isinstance(dd, bool) and dd > 0)):
        raise ConfigError(f"配置项 [policy] default_deadline 应为 \"year_end\" 或天数，现为 {toml_value(dd)}")
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"配置项 [policy] timezone 不是有效的时区：{policy.timezone}（如 Asia/Shanghai）") from None


def _check_lights(lights: LightsConfig) -> None:
    if not 0 < lights.orange < lights.yellow < 1:
        raise ConfigError("配置项 [lights] 应满足 0 < orange < yellow < 1")


def _check_smtp(smtp: SmtpConfig) -> None:
    if smtp.security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"配置项 [smtp] security 应为 none、starttls 或 ssl，现为 {toml_value(smtp.security)}")
    _check_addresses("smtp", "sender", [smtp.sender], local=True)


def _check_addresses(section: str, key: str, addresses: Iterable[str], *, local: bool = False) -> None:
    from rectify.errors import BadInput
    from rectify.validation import email

    for i, address in enumerate(addresses, 1):
        try:
            if not email(address, local=local):
                raise BadInput("邮箱地址为空")
        except BadInput as exc:
            raise ConfigError(f"配置项 [{section}] {key} 第 {i} 项不是有效的邮箱地址（{exc}）") from None


def _check_supervisors(supervisors: SupervisorsConfig) -> None:
    _check_addresses("supervisors", "county", supervisors.county)
    _check_addresses("supervisors", "city", supervisors.city)


def _check_scheduler(scheduler: SchedulerConfig) -> None:
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", scheduler.sweep_at):
        raise ConfigError(f"配置项 [scheduler] sweep_at 应为 HH:MM（如 08:30），现为 {toml_value(scheduler.sweep_at)}")


def _check_templates(templates: TemplatesConfig) -> None:
    folder = templates.folder
    if folder and not Path(folder).expanduser().is_dir():
        raise ConfigError(f"配置项 [templates] folder 指向的目录不存在：{folder}")


def _check_web(web: WebConfig) -> None:
    if 0 < web.min_password_length < 8:
        raise ConfigError("配置项 [web] min_password_length 应为 0（按数据库中的安全设置）或 8–128")
    url = web.base_url
    if url and not re.fullmatch(r"https?://[^/\s?#]+/?", url):
        raise ConfigError(f"配置项 [web] base_url 应为 https://主机名[:端口]（不含路径），现为 {toml_value(url)}")


def _check_screening(rules: ScreeningConfig) -> None:
    lo_hi = rules.share_range
    if len(lo_hi) != 2 or not 0 <= lo_hi[0] <= lo_hi[1] <= 1:
        raise ConfigError("配置项 [screening] share_range 应为 [下限, 上限]，且 0 ≤ 下限 ≤ 上限 ≤ 1")


def _check_reporting(reporting: ReportingConfig) -> None:
    if reporting.remind_from:
        try:
            date.fromisoformat(reporting.remind_from)
        except ValueError:
            raise ConfigError("配置项 [reporting] remind_from 应为日期 YYYY-MM-DD（如 2026-07-01），"
                              f"现为 {toml_value(reporting.remind_from)}") from None


def _check_report(report: ReportConfig) -> None:
    if report.paper not in ("A4", "A3"):
        raise ConfigError(f"配置项 [report] paper 应为 A4 或 A3，现为 {toml_value(report.paper)}")


def _check_verification(rules: VerificationConfig) -> None:
    items = [i.strip() for i in rules.items]
    if not items or any(not i for i in items) or len(set(items)) != len(items):
        raise ConfigError("配置项 [verification] items 应为不重复、非空的评分项目名称列表")


SMS_VARIABLES = ("count", "item", "due")
SMS_PROVIDERS = ("aliyun", "tencent")


def _check_channels(channels: ChannelsConfig) -> None:
    for key, robot in channels.dingtalk_robots.items():
        if set(robot) - {"url", "secret"} or not robot.get("url"):
            raise ConfigError(f"配置项 [channels] dingtalk_robots 中 {key} 应为 {{ url = \"…\", secret = \"名称\" }}")
    if channels.wecom_app and (set(channels.wecom_app) - {"corp_id", "agent_id"}
                               or not str(channels.wecom_app.get("agent_id", "")).isdigit()):
        raise ConfigError("配置项 [channels] wecom_app 应为 { corp_id = \"…\", agent_id = 1000002 }（agent_id 为数字）")
    sms = channels.sms
    if sms:
        if sms.get("provider") not in SMS_PROVIDERS:
            raise ConfigError("配置项 [channels] sms 的 provider 应为 aliyun 或 tencent，"
                              f"现为 {toml_value(sms.get('provider', ''))}")
        names = [v.strip() for v in sms.get("variables", "count,item,due").split(",")]
        if any(n not in SMS_VARIABLES for n in names) or not sms.get("sign") or not sms.get("template"):
            raise ConfigError("配置项 [channels] sms 应有 sign、template，variables 只能取 count、item、due")
    unknown = set(channels.base_urls) - {"wecom", "dingtalk", "aliyun", "tencent"}
    if unknown:
        raise ConfigError(f"配置项 [channels] base_urls 没有 {', '.join(sorted(unknown))} 这一项")
def _check_calendar(calendar: CalendarConfig) -> None:
    unknown = [w for w in calendar.working_day_windows if w not in ("publicity",)]
    if unknown:
        raise ConfigError("配置项 [calendar] working_day_windows 只能列出 \"publicity\"（公示），"
                          f"现有 {toml_value(unknown)}")
    if calendar.extra_days:
        from rectify.errors import BadInput
        from rectify.states.extra_days import load_extra_days

        try:
            load_extra_days(calendar.extra_days)
        except BadInput as exc:
            raise ConfigError(f"配置项 [calendar] extra_days：{exc}") from None


# Run on each section after its types and ranges are checked.
_CHECKS: dict[str, Callable[[Any], None]] = {
    "calendar": _check_calendar,
    "policy": _check_policy,
    "lights": _check_lights,
    "smtp": _check_smtp,
    "scheduler": _check_scheduler,
    "supervisors": _check_supervisors,
    "templates": _check_templates,
    "verification": _check_verification,
    "web": _check_web,
    "channels": _check_channels,
    "screening": _check_screening,
    "reporting": _check_reporting,
    "report": _check_report,
}


# -- the schema ------------------------------------------------------------------------------------


@cache
def _hints(section: str) -> dict[str, Any]:
    from annotated_types import Ge, Gt, Le

    names = {"Ge": Ge, "Gt": Gt, "Le": Le, "Positive": Annotated[int, Ge(1)]}
    return get_type_hints(SECTIONS[section], localns=names, include_extras=True)


def _parts(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[int, Ge(1)]`` → ``(int, (Ge(1),))``."""
    if get_origin(hint) is Annotated:
        base, *meta = get_args(hint)
        return base, tuple(meta)
    return hint, ()


@cache
def _schema() -> Any:
    """The strict pydantic model of the whole file, built from the dataclasses (tuples read as TOML arrays)."""
    from dataclasses import MISSING, fields

    import pydantic

    strict = pydantic.ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)
    models: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        spec: dict[str, Any] = {}
        for f in fields(cls):
            hint = _hints(section)[f.name]
            if get_origin(hint) is tuple:
                hint = list[get_args(hint)[0]]  # type: ignore[misc]
            if f.default_factory is not MISSING:  # a table such as local_problem_types
                spec[f.name] = (hint, pydantic.Field(default_factory=f.default_factory))
            else:
                spec[f.name] = (hint, f.default)
        model = pydantic.create_model(f"rectify_{section}", __config__=strict, **spec)
        models[section] = (model, pydantic.Field(default_factory=model))
    return pydantic.create_model("rectify_toml", __config__=strict, **models)


def _build(raw: dict[str, Any]) -> Config:
    import pydantic

    try:
        model = _schema().model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ConfigError(_message(exc.errors(), raw)) from None
    sections = {
        section: cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in getattr(model, section)})
        for section, cls in SECTIONS.items()
    }
    for section, check in _CHECKS.items():
        check(sections[section])
    return Config(**sections)


# -- one Chinese line per refusal ------------------------------------------------------------------

_TYPE_WORDS = {str: "应为文字（用引号括起）", int: "应为数字（整数）", float: "应为数字", bool: "应为 true 或 false"}
_ITEM_WORDS = {str: "文字", int: "整数", float: "数字", bool: "true/false"}
_OVERRIDES = {("policy", "default_deadline"): "应为 \"year_end\" 或天数"}


def _range_words(base: Any, meta: Iterable[Any]) -> str:
    from annotated_types import Ge, Gt, Le

    bounds: dict[str, Any] = {}
    for m in meta:
        if isinstance(m, Ge):
            bounds["ge"] = m.ge
        elif isinstance(m, Gt):
            bounds["gt"] = m.gt
        elif isinstance(m, Le):
            bounds["le"] = m.le
    if "ge" in bounds and "le" in bounds:
        return f"应在 {bounds['ge']}–{bounds['le']} 之间"
    if base is int and bounds.get("ge") == 1:
        return "应为正整数"
    if "gt" in bounds:
        return f"应大于 {bounds['gt']}"
    return f"应不小于 {bounds.get('ge')}"


def _message(errors: list[Any], raw: Mapping[str, Any]) -> str:
    unknown = [str(e["loc"][0]) for e in errors if len(e["loc"]) == 1 and e["type"] == "extra_forbidden"]
    if unknown:
        return f"配置文件中有未知的节：{', '.join(sorted(unknown))}"
    error = errors[0]
    section, *rest = error["loc"]
    if not rest:
        return f"配置文件中 [{section}] 应为一节（[{section}] 开头的一组配置项），现为 {toml_value(error['input'])}"
    key = str(rest[0])
    if error["type"] == "extra_forbidden":
        return f"配置文件中 [{section}] 没有 {key} 这一项"
    value = raw[section][key]
    head = f"配置项 [{section}] {key}"
    if (section, key) in _OVERRIDES:
        return f"{head} {_OVERRIDES[section, key]}，现为 {toml_value(value)}"
    base, meta = _parts(_hints(section)[key])
    ranged = error.get("ctx") and any(bound in error["ctx"] for bound in ("ge", "gt", "le", "lt"))
    if get_origin(base) is tuple:
        if len(rest) == 1:
            return f"{head} 应为列表，现为 {toml_value(value)}"
        item, item_meta = _parts(get_args(base)[0])
        from annotated_types import Ge

        words = "正整数" if item is int and Ge(1) in item_meta else _ITEM_WORDS.get(item, "")
        return f"{head} 应为{words}列表，第 {int(rest[1]) + 1} 项为 {toml_value(error['input'])}"
    words = _range_words(base, meta) if ranged else _TYPE_WORDS.get(base, "类型不对")
    return f"{head} {words}，现为 {toml_value(value)}"


# -- reading ---------------------------------------------------------------------------------------


def validate(config: Config) -> Config:
    """The same checks as for a file, for a configuration built in code."""
    return _build(as_dict(config))


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read the TOML file at ``path``; ``None`` gives the defaults (see :func:`find_config` for the lookup)."""
    if not path:
        return Config()
    import tomllib

    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {p}") from None
    except IsADirectoryError:
        raise ConfigError(f"配置文件 {p} 是一个目录") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{exc}") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        at = f"第 {where[1]} 行第 {where[2]} 列，" if where else ""
        raise ConfigError(f"配置文件 {p} 格式错误（{at}不是有效的 TOML：{str(exc).split(' (at ')[0]}）") from None
    return _build(raw)


# -- writing ---------------------------------------------------------------------------------------


def as_dict(config: Config) -> dict[str, dict[str, Any]]:
    """Sections → keys → values as a TOML file holds them (lists for tuples)."""
    from dataclasses import asdict
    return {section: {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
            for section, values in asdict(config).items()}


def _toml_key(key: str) -> str:
    import json  # here, not at import: a read command loads no json

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """``value`` as it is written in a TOML file (and in our messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return repr(value)


def to_toml(config: Config, *, notes: bool = False, extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """The whole file, every key; with ``notes`` each section and key carries its comment from :data:`NOTES`;
    ``extra`` adds lines at the end of a section (``config show`` puts the masked password there)."""
    from rectify.output import pad

    out: list[str] = []
    for section, values in as_dict(config).items():
        if out:
            out.append("")
        if notes:
            out.append(f"# {NOTES[section]}")
        out.append(f"[{section}]")
        for key, value in values.items():
            line = f"{key} = {toml_value(value)}"
            out.append(f"{pad(line, 39)} # {NOTES[f'{section}.{key}']}" if notes else line)
        out.extend((extra or {}).get(section, ()))
    return "\n".join(out) + "\n"


def sample_toml() -> str:
    """The commented sample ``rectify config init`` writes: every key at its default."""
    head = ("# rectify 配置文件（SPEC §11）。每一项都可省略，省略即取此处所示的默认值。\n"
            "# 查找顺序：--config / RECTIFY_CONFIG；用户配置目录中的 rectify.toml；/etc/rectify/rectify.toml。\n"
            "# 检查生效的值：rectify config show\n\n")
    return head + to_toml(Config(), notes=True)
