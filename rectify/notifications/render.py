"""Digests rendered from Jinja templates: one Environment, StrictUndefined, HTML autoescaped.

A folder named in ``[templates] folder`` is searched before the built-in templates, so a county can
replace one template and keep the others, in Jinja's immutable sandbox. Any template error becomes
one :class:`TemplateProblem` line (:class:`UnsafeTemplate`, exit 2, for one reaching Python's objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from rectify import templating
from rectify.config import ReportConfig
from rectify.errors import BadInput, RectifyError
from rectify.notifications.policy import KIND_LABELS, KINDS, MEASURE_KINDS
from rectify.states.stages import STAGE_LABELS, Stage
from rectify.states.tasks import acting_roles, task_label

TEMPLATE_NAMES = ("subject.txt", "digest.txt", "digest.html")
DUE_LABELS = {
    "stage_due": "时限",
    "deadline": "转化时限",
    "overdue": "时限",
    "escalation": "时限",
    "progress": "报送时限",
    "look_back": "回头看日期",
    "brief": "待办时限",
    "measure_overdue": "措施时限",
    "measure_due": "措施时限",
}
CN_NUMERALS = "一二三四五六七八九十"
# What a notice says when the county has not named its 工作方案 or its sender unit ([report]).
DEFAULT_BASIS = "县委关于整顿软弱涣散基层党组织工作的部署要求"
DEFAULT_SENDER = "县委组织部"
HOW_TO_REPORT = ("请在时限内办结；办结后将有关材料报乡镇党委，由县委组织部经办人在限期转化台账中登记。"
                 "确需延期的，请在时限前书面说明理由，报县委组织部审批。")


def chinese_date(d: date) -> str:
    """2026年11月24日: the date a notice is signed, as 公文 write it."""
    return f"{d.year}年{d.month}月{d.day}日"


def salutation(name: str) -> str:
    """称谓: 姓名 + 同志 (a title kept beside the name, 林正清（县委副书记）, is left out: 林正清同志); a supervisors'
    mailbox without a name is addressed as 各位同志."""
    name = name.strip()
    for bracket in ("（", "("):
        if bracket in name and name.endswith(("）", ")")):
            name = name[:name.index(bracket)].strip() or name
    if not name:
        return "各位同志"
    return name if name.endswith("同志") else f"{name}同志"


class TemplateProblem(RectifyError):
    """A template that does not parse, is missing, or uses an undefined variable."""


class TemplateLimit(TemplateProblem, BadInput):
    """A template that hit a limit of the sandbox (a range too long, recursion, memory): malformed, exit 2."""


class UnsafeTemplate(TemplateProblem, BadInput):
    """A county's template reaching for Python's objects (``__class__``, ``__globals__``): exit 2."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def make_environment(folder: str = "") -> jinja2.Environment:
    """The mail's environment: :func:`rectify.templating.make_environment` with the county's folder first."""
    path = None
    if folder:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise TemplateProblem(f"配置项 [templates] folder 指向的目录 {path} 不存在")
    return templating.make_environment("rectify.notifications", path)


def _describe(exc: Exception, name: str) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or name
        return f"邮件模板 {Path(where).name} 第 {exc.lineno} 行语法错误：{exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"找不到邮件模板 {exc.name}"
    if isinstance(exc, SecurityError):
        return f"邮件模板 {name} 访问了不允许的属性（模板只能使用提供给它的值）：{exc}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"邮件模板 {name} 使用了未定义的变量：{exc.message}"
    return f"邮件模板 {name} 渲染出错：{exc}"


class Fields(dict[str, Any]):
    """A dict whose keys templates may also read as attributes (``it.case_id``).

    Jinja's ``it.case_id`` tries the attribute first and falls back to the key only after an
    AttributeError; for plain dicts that exception is most of the cost of a large digest. The keys
    are found here directly; anything else (a missing key, a dict method) resolves as before.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def item_context(item: dict[str, Any]) -> dict[str, Any]:
    ctx = Fields(item)
    ctx.setdefault("contact", "")  # items recorded before the registry named a 联系人
    ctx.setdefault("task", "")
    ctx["kind_label"] = KIND_LABELS[item["kind"]]
    ctx["stage_label"] = STAGE_LABELS.get(item["stage"], item["stage"])
    ctx["due_label"] = DUE_LABELS[item["kind"]]
    ctx["task_label"] = item.get("task_label") or task_label(ctx["task"]) or ctx["kind_label"]
    ctx["due_cn"] = chinese_date(date.fromisoformat(item["due_on"]))
    # 抄送: the officer in charge (or a leader) hears of a task another person acts on.
    role = item.get("role", "")
    ctx["cc"] = item["kind"] not in ("escalation", "brief") and bool(role) \
        and role not in acting_roles(item["kind"], ctx["task"])
    return ctx


def digest_context(
    recipient: str, recipient_name: str, as_of: date, items: Sequence[dict[str, Any]],
    report: ReportConfig | None = None,
) -> dict[str, Any]:
    report = report or ReportConfig()
    ctxs = [item_context(i) for i in items]
    groups: list[Fields] = []
    for kind in KINDS:
        mine = [c for c in ctxs if c["kind"] == kind]
        if mine:
            groups.append(
                Fields(kind=kind, label=KIND_LABELS[kind], due_label=DUE_LABELS[kind], entries=mine,
                       number=CN_NUMERALS[len(groups)] if len(groups) < len(CN_NUMERALS) else str(len(groups) + 1))
            )
    plan_title = report.plan_title.strip()
    return {
        "salutation": salutation(recipient_name),
        "basis": plan_title if plan_title else DEFAULT_BASIS,
        "has_plan_title": bool(plan_title),
        "sender": report.unit.strip() or DEFAULT_SENDER,
        "date_cn": chinese_date(as_of),
        "how_to_report": HOW_TO_REPORT,
        "report_contact": report.contact.strip(),
        "report_phone": report.phone.strip(),
        "brief_only": all(c["kind"] == "brief" for c in ctxs),
        "overdue_count": sum(1 for c in ctxs if c["days_left"] < 0 and c["kind"] != "brief"),
        "recipient": recipient,
        "recipient_name": recipient_name,
        "as_of": as_of.isoformat(),
        "items": ctxs,
        "groups": groups,
        "counts": {k: sum(1 for c in ctxs if c["kind"] == k) for k in KINDS},
        # The distinct 联系人 of the digest's cases, in case order (empty: no registry, no line).
        "contacts": list(dict.fromkeys(c["contact"] for c in ctxs if c["contact"])),
    }


class Renderer:
    def __init__(self, folder: str = "", report: ReportConfig | None = None) -> None:
        self.report = report or ReportConfig()
        self.env = make_environment(folder)
        self._templates: dict[str, jinja2.Template] = {}
        for name in TEMPLATE_NAMES:
            try:
                self._templates[name] = self.env.get_template(name)
            except (jinja2.TemplateError, OSError) as exc:
                raise TemplateProblem(_describe(exc, name)) from None

    def _render(self, name: str, ctx: dict[str, Any]) -> str:
        try:
            return self._templates[name].render(ctx)
        except (OverflowError, RecursionError, MemoryError):
            raise TemplateLimit(f"邮件模板 {name} 超出模板沙箱的限制（循环范围、递归或内存过大）") from None
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
            problem = UnsafeTemplate if isinstance(exc, SecurityError) else TemplateProblem
            raise problem(_describe(exc, name)) from None

    def render(
        self, recipient: str, recipient_name: str, as_of: date, items: Sequence[dict[str, Any]]
    ) -> Rendered:
        ctx = digest_context(recipient, recipient_name, as_of, items, self.report)
        subject, text = self._text(ctx)
        return Rendered(subject, text, self._render("digest.html", ctx))

    def render_text(
        self, recipient: str, recipient_name: str, as_of: date, items: Sequence[dict[str, Any]]
    ) -> tuple[str, str]:
        """The subject and the text part of :meth:`render`, without rendering the HTML (a dry run prints no HTML)."""
        return self._text(digest_context(recipient, recipient_name, as_of, items, self.report))

    def _text(self, ctx: dict[str, Any]) -> tuple[str, str]:
        subject = " ".join(self._render("subject.txt", ctx).split())
        ctx["subject"] = subject
        return subject, self._render("digest.txt", ctx).strip() + "\n"

    def check(self) -> None:
        """Render a sample digest holding every kind of item, so a broken template stops the run early."""
        sample = [
            {
                "case_id": 1,
                "kind": kind,
                "stage": str(Stage.secretary_assigned),
                "task": "apply",
                "task_label": "完成整改并申请验收",
                "due_on": "2026-06-30",
                "days_left": -20 if kind in ("overdue", "escalation") else 7,
                "org_name": "示例村党支部",
                "org_code": "X001",
                "township": "示例镇",
                "supervised": kind == "escalation",
                "last_progress_on": None,
                "role": "officer",
                "offset_days": 7,
                "contact": "县委组织部组织二科 示例 电话 0000 邮箱 contact@example.cn",
                **({"measure_seq": 1, "measure_text": "示例措施", "measure_owner": "示例"}
                   if kind in MEASURE_KINDS else {}),
            }
            for kind in KINDS
        ]
        self.render("sample@example.cn", "示例", date(2026, 6, 1), sample)
