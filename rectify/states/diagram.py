"""The workflow diagram (Mermaid), generated from the transitions and the steps: ``python -m
rectify.states.diagram > docs/workflow.md``; a test fails when the file in docs/ is stale."""

from __future__ import annotations

from rectify.states.permissions import WHO_MAY
from rectify.states.roles import ROLE_NAMES
from rectify.states.stages import STAGE_LABELS, STAGES, Stage
from rectify.states.steps import STEP_OF_TRIGGER, STEPS
from rectify.states.transitions import TRANSITIONS, TransitionSpec


def _who(trigger: str) -> str:
    return "、".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in WHO_MAY.get(trigger, ()))


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.identified.value}: 列入整顿（{_who('open')}）"]
    lines += [f"    {s.value}: {STAGE_LABELS[s.value]}" for s in STAGES]
    for t in TRANSITIONS:
        if t.join is not None:  # stage 3's two halves, in either order
            for source in t.join.sources:
                lines.append(f"    {source} --> {t.join.dest}: {t.label}{'，' + t.join.label if t.join.label else ''}"
                             f"（{_who(t.trigger)}）")
        if t.dest is None:
            continue
        for source in t.sources:
            lines.append(f"    {source} --> {t.dest}: {t.label}（{_who(t.trigger)}）")
    return "\n".join(lines)


def _stays(t: TransitionSpec) -> tuple[str, ...]:
    """The stages a move without a landing of its own keeps the case in (a join moves it from its sources)."""
    return tuple(s for s in t.sources if t.join is None or s not in t.join.sources)


def markdown() -> str:
    inside = [f"| `{STEP_OF_TRIGGER[t.trigger]}` | {t.label} | {'、'.join(STAGE_LABELS[s] for s in _stays(t))} | "
              f"{_who(t.trigger)} |" for t in TRANSITIONS if t.dest is None]
    steps = [f"| `{s.name}` | {s.label} | {'、'.join(i.label + ('*' if i.required else '') for i in s.inputs)} |"
             for s in STEPS.values()]
    return "\n".join([
        "# The workflow (generated from `rectify/states/`: `python -m rectify.states.diagram > docs/workflow.md`)",
        "", "```mermaid", mermaid(), "```", "",
        "Steps that keep the case in its stage:", "",
        "| step | 操作 | 阶段 | 办理人 |", "|---|---|---|---|", *inside, "",
        "Every step's inputs (* required), as the CLI's options and the web's forms take them:", "",
        "| step | 操作 | 输入 |", "|---|---|---|", *steps, ""])


if __name__ == "__main__":
    print(markdown(), end="")
