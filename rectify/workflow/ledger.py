"""The 限期转化台账 (SPEC §6): one row per case, these columns in this order.

The column keys are the stable English names (JSON keys, import aliases); the headers are what the
county's own form says, and what the import reads back.
"""

from __future__ import annotations

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("county", "县"),
    ("township", "乡镇"),
    ("org_name", "党组织名称"),
    ("kind", "类别"),
    ("problems", "软弱涣散情形"),
    ("detail", "主要问题"),
    ("measures", "整顿措施"),
    ("county_leader", "县级联系领导"),
    ("township_cadre", "乡镇包村干部"),
    ("secretary", "第一书记"),
    ("helping_unit", "结对帮扶单位"),
    ("identified_on", "确定日期"),
    ("deadline", "转化时限"),
    ("stage", "当前阶段"),
    ("days_left", "剩余天数"),
    ("light", "预警"),
    ("supervised", "挂牌督办"),
    ("last_progress", "最近进展"),
    ("verified_on", "验收日期"),
    ("score", "验收得分"),
    ("struck_off", "是否销号"),
    ("remarks", "备注"),
)
