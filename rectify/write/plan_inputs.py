"""The 整顿方案's inputs as officers write them: problems with their description, measures with 责任人.

Shared by the engine, the CLI and the importer so each reads ``P01:具体表现`` and ``王建国（河口镇）``
the same way; the rules about them (coverage, due dates) live in ``states/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rectify.errors import BadInput
from rectify.states.stages import OTHER_PROBLEM, PROBLEM_TYPES

__all__ = ["measure_input", "parse_problems", "split_owner"]


def parse_problems(codes: Iterable[str], detail: str = "", local: dict[str, str] | None = None
                   ) -> list[tuple[str, str]]:
    """``P01`` … ``P10``, a configured local type (``P11`` …), each optionally ``:具体表现``, or ``other:说明``.

    The stored text is the concrete description when given, else the type's wording. Unknown codes
    are malformed input."""
    types = {**PROBLEM_TYPES, **{k.upper(): v for k, v in (local or {}).items()}}
    result: list[tuple[str, str]] = []
    for raw in codes:
        code, _, text = raw.strip().partition(":")
        if not _ and "：" in code:
            code, _, text = code.partition("：")
        upper = code.strip().upper()
        if upper in types:
            result.append((upper, text.strip() or types[upper]))
        elif code.lower() == OTHER_PROBLEM:
            text = text.strip() or detail.strip()
            if not text:
                raise BadInput("软弱涣散情形 other 需写明具体内容（--problem other:说明 或 --detail）")
            result.append((OTHER_PROBLEM, text))
        else:
            extra = f"、{'、'.join(sorted(local))}" if local else ""
            raise BadInput(f"未知的软弱涣散情形代码 {raw}（应为 P01–P10{extra} 或 other:说明）")
    if not result:
        raise BadInput("至少需要一项软弱涣散情形（--problem P01 … P10）")
    seen: set[str] = set()
    unique = []
    for code, text in result:
        key = code if code != OTHER_PROBLEM else f"{code}:{text}"
        if key not in seen:
            seen.add(key)
            unique.append((code, text))
    return unique


def split_owner(owner: str) -> tuple[str, str]:
    """``王建国（河口镇党委）`` → (王建国, 河口镇党委); a bare name has no unit."""
    text = owner.strip().replace("(", "（").replace(")", "）")
    if text.endswith("）") and "（" in text:
        name, _, unit = text[:-1].partition("（")
        return name.strip(), unit.strip()
    return text, ""


def measure_input(m: Any) -> dict[str, Any]:
    """A measure as the engine and its event keep it, from ``(problems, text, 责任人, due)`` or a dict."""
    if not isinstance(m, dict):
        problems, text, owner, due = m
        m = {"problems": problems, "text": text, "owner": owner, "due": due}
    problems = m.get("problems") or []
    if isinstance(problems, str):
        problems = [c for c in problems.replace("，", ",").replace("、", ",").split(",")]
    name, unit = split_owner(m.get("owner") or "")
    return {"problems": [c.strip().upper() if c.strip().lower() != OTHER_PROBLEM else OTHER_PROBLEM
                         for c in problems if c.strip()],
            "text": (m.get("text") or "").strip(), "owner": name, "owner_unit": (m.get("owner_unit") or unit).strip(),
            "owner_email": (m.get("owner_email") or "").strip(), "due": m.get("due")}
