"""The demo county (SPEC §9): deterministic, built through the engine so its history is real.

Every date is placed relative to the as-of date, so the demo shows every stage and every light
whatever day it is built on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.workflow.engine import Workflow
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.tables import (
    case_t,
    event_t,
    extension_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

DEMO_COUNTY = "青山县"
TOWNSHIPS = ("城关镇", "河口镇", "石桥乡", "柳林镇", "东岗乡")
VILLAGE_NAMES = (
    "王家庄", "李家湾", "张家坪", "刘家沟", "陈家岭", "杨柳", "赵家堡", "黄泥塘", "周家坝", "吴家畈",
    "石门", "郑家岗", "冯家洼", "孙家楼", "马家营", "朱家冲", "胡家台", "高家庙", "林家铺", "何家寨",
    "罗家河", "梁家山", "宋家集", "谢家岭", "唐家垴", "韩家湖", "曹家店", "许家埠", "邓家岙", "萧家坊",
    "冉家坝", "彭家沟",
)
COMMUNITY_NAMES = ("新华", "光明", "文昌", "滨河", "幸福", "建设")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "志强", "秀英", "海涛", "丽华", "国庆", "红梅", "卫东", "晓燕", "德明", "春生", "玉兰",
         "文斌", "桂芳", "永刚", "小平")
UNITS = ("县财政局", "县农业农村局", "县人社局", "县交通运输局", "县卫健委", "县住建局", "县供电公司",
         "县农商银行", "县自然资源局", "县教育局", "县水利局", "县市场监管局")
MEASURES = (
    "配齐配强村“两委”班子", "规范“三会一课”制度", "开展矛盾纠纷集中排查化解", "完善村务财务公开栏",
    "建设党群服务中心", "组织党员集中轮训", "发展壮大村级集体经济", "清理规范村级合同",
    "整治村内环境卫生", "建立党员联系户制度",
)

# (stage, count): what the demo county shows on its as-of date.
SCENARIOS: tuple[tuple[str, int], ...] = (
    ("identified", 6), ("ledger_created", 6), ("secretary_assigned", 12), ("rectified", 5),
    ("verified", 6), ("reopened", 1), ("withdrawn", 1), ("failed_once", 1),
)


class _Clock:
    def __init__(self) -> None:
        self.day = date(2000, 1, 1)

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(1, 30), tzinfo=UTC)  # 09:30 in Asia/Shanghai


def _demo_orgs() -> list[dict[str, Any]]:
    """The demo county's organizations, always the same codes and names."""
    orgs: list[dict[str, Any]] = []
    for i, vname in enumerate(VILLAGE_NAMES):
        town = TOWNSHIPS[i % len(TOWNSHIPS)]
        name = f"{town}{vname}村党支部" if i % 7 else f"{town}{vname}村党总支"
        orgs.append({"code": f"QS{(i % len(TOWNSHIPS)) + 1:02d}{i + 1:03d}", "name": name, "kind": "village",
                     "township": town, "poor_village": i % 4 == 0})
    for j, cname in enumerate(COMMUNITY_NAMES):
        town = TOWNSHIPS[j % 2]
        orgs.append({"code": f"QS{(j % 2) + 1:02d}{100 + j:03d}", "name": f"{town}{cname}社区党支部",
                     "kind": "community", "township": town, "poor_village": False})
    orgs.append({"code": "QS05201", "name": "东岗乡青山竹木制品有限公司党支部", "kind": "private",
                 "township": "东岗乡", "poor_village": False})
    orgs.append({"code": "QS03202", "name": "石桥乡农民专业合作社联合党支部", "kind": "social",
                 "township": "石桥乡", "poor_village": False})
    return orgs


DEMO_ORGS = _demo_orgs()


def clear_demo(db: Database) -> None:
    """Remove the demo's own organizations and their cases so a rebuild gives the same data.

    Only the demo's codes in the demo county are touched: an officer's own organizations, even in a
    county of the same name, and everything else are left as they are.
    """
    codes = [o["code"] for o in DEMO_ORGS]
    with db.begin() as s:
        mine = sa.and_(org_t.c.county == DEMO_COUNTY, org_t.c.code.in_(codes))
        orgs = sa.select(org_t.c.id).where(mine).scalar_subquery()
        cases = sa.select(case_t.c.id).where(case_t.c.org_id.in_(orgs)).scalar_subquery()
        for t in (event_t, extension_t, verification_t, progress_t, secretary_t, person_t, measure_t, problem_t):
            s.execute(sa.delete(t).where(t.c.case_id.in_(cases)))
        s.execute(sa.delete(case_t).where(case_t.c.org_id.in_(orgs)))
        s.execute(sa.delete(org_t).where(mine))


def build_demo(db: Database, config: Config, as_of: date, *, actor: str = "demo") -> int:
    """Build the demo county as it stands on ``as_of``; returns the number of cases."""
    clear_demo(db)
    rng = random.Random(20240305)
    clock = _Clock()
    wf = Workflow(db, config, actor=actor, clock=clock)

    def person() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    for o in DEMO_ORGS:
        wf.add_org(o["code"], o["name"], kind=o["kind"], county=DEMO_COUNTY, township=o["township"],
                   poor_village=o["poor_village"])
    orgs = [(o["code"], o["name"]) for o in DEMO_ORGS if o["kind"] in ("village", "community")]

    plan: list[str] = [stage for stage, n in SCENARIOS for _ in range(n)]
    order = list(range(len(orgs)))
    rng.shuffle(order)
    cases = 0
    for k, stage in enumerate(plan):
        code, _ = orgs[order[k]]
        _walk(wf, clock, rng, person, code, stage, k, as_of)
        cases += 1
    return cases


def _walk(wf: Workflow, clock: _Clock, rng: random.Random, person: Callable[[], str], code: str,
          target: str, k: int, as_of: date) -> None:
    """Drive one case through the engine up to its target stage, each step on a plausible date."""

    def at(day: date) -> None:
        clock.day = min(day, as_of)

    # How far back the case was identified, and its deadline, chosen so lights spread over the county.
    spread = k % 4  # 0 green, 1 yellow, 2 orange, 3 red
    if target == "identified":
        identified = as_of - timedelta(days=(3, 12, 14, 25)[spread])
        deadline = identified + timedelta(days=240)
    elif target == "ledger_created":
        identified = as_of - timedelta(days=(8, 23, 27, 40)[spread])
        deadline = identified + timedelta(days=240)
    elif target in ("secretary_assigned", "failed_once"):
        identified = as_of - timedelta(days=(100, 200, 200, 220)[spread])
        deadline = as_of + timedelta(days=(120, 50, 20, -10)[spread])
    elif target == "rectified":
        identified = as_of - timedelta(days=200)
        deadline = as_of + timedelta(days=10)
    else:
        identified = as_of - timedelta(days=330)
        deadline = identified + timedelta(days=200)
    n_problems = rng.choice((1, 1, 2, 2, 3))
    problems = sorted(rng.sample([f"P{i:02d}" for i in range(1, 11)], n_problems))
    at(identified)
    officer = "县委组织部 " + person()
    case_id = wf.open_case(code, problems=problems, identified_on=identified, deadline=deadline,
                 detail=_detail(problems, rng), officer=officer,
                 officer_email=f"officer{k % 3 + 1}@qingshan.example.cn").case_id
    if target == "withdrawn":
        at(identified + timedelta(days=10))
        wf.withdraw(code, reason="复核后不属于软弱涣散，排查时误判")
        return
    if target == "identified":
        return
    at(identified + timedelta(days=rng.randint(5, 12)))
    measures = []
    for m in rng.sample(MEASURES, 3):
        due = min(deadline - timedelta(days=rng.randint(5, 40)), deadline)
        measures.append((m, person(), max(due, identified + timedelta(days=20))))
    wf.plan(code, measures=measures, county_leader=person() + "（县委常委）", township_cadre=person(),
            helping_unit=rng.choice(UNITS),
            emails={"county_leader": f"leader{k % 5 + 1}@qingshan.example.cn",
                    "township_cadre": f"cadre{k % 8 + 1}@qingshan.example.cn"})
    if target == "ledger_created":
        return
    at(identified + timedelta(days=rng.randint(15, 28)))
    wf.assign_secretary(code, name=person(), unit=rng.choice(UNITS), since=clock.day,
                        kind="first" if k % 5 else "local", email=f"secretary{k + 1}@qingshan.example.cn")
    # Monthly progress reports up to the as-of date (some lapse, to show the reminder).
    day = clock.day + timedelta(days=30)
    # Cases that go on to rectification get there on rect_day; their monthly reports stop then.
    rect_day = {"rectified": as_of - timedelta(days=12),
                "failed_once": as_of - timedelta(days=30)}.get(target, deadline - timedelta(days=20))
    horizon = as_of if target in ("secretary_assigned", "failed_once") else min(as_of, rect_day)
    while day <= horizon - timedelta(days=(0 if k % 3 else 45)):
        at(day)
        wf.report_progress(code, on=day, note=rng.choice((
            "召开党员大会，通报整顿进展", "村“两委”班子开展谈心谈话", "完成党群服务中心改造",
            "化解信访积案一件", "组织党员开展志愿服务", "集体经济项目签约落地")))
        day += timedelta(days=30)
    if target == "secretary_assigned":
        if k % 6 == 1:
            at(as_of - timedelta(days=20))
            wf.supervise(code, reason="整顿进度滞后，列入市级挂牌督办")
        if k % 6 == 3:
            at(as_of - timedelta(days=60))
            wf.extend(code, to=deadline + timedelta(days=30), reason="换届工作推迟，整改周期延长",
                      approved_by="县委组织部部务会")
            deadline = deadline + timedelta(days=30)
        if k % 4 == 0:
            at(as_of - timedelta(days=5))
            wf.complete_measure(code, 1, on=clock.day)
        return
    for n in (1, 2, 3):
        at(rect_day - timedelta(days=4 - n))
        wf.complete_measure(code, n, on=clock.day)
    at(rect_day)
    wf.mark_rectified(code, on=rect_day, self_check="乡镇党委逐项对照整改清单自查，问题均已整改到位")
    if target == "rectified":
        return
    at(rect_day + timedelta(days=15))
    if target == "failed_once":
        wf.verify(code, on=clock.day, by="县委组织部验收组", score=62, satisfied=30, basic=10,
                  dissatisfied=12, deadline=as_of + timedelta(days=(120, 50, 20, -10)[spread]))
        return
    wf.verify(code, on=clock.day, by="县委组织部验收组", score=rng.randint(78, 95),
              satisfied=rng.randint(35, 50), basic=rng.randint(3, 10), dissatisfied=rng.randint(0, 3))
    if target == "reopened":
        at(as_of - timedelta(days=20))
        wf.reopen(case_id, reason="回头看发现班子不团结问题反弹", deadline=as_of + timedelta(days=150))


def _detail(problems: list[str], rng: random.Random) -> str:
    phrases: dict[str, Any] = {
        "P01": "村党支部书记空缺半年，班子仅剩两人",
        "P02": "书记年龄偏大，带富能力弱，长期外出",
        "P03": "班子成员因土地流转问题矛盾突出",
        "P04": "全年仅开展两次组织生活",
        "P05": "上届换届选举中存在拉票现象",
        "P06": "宗族势力干预村务",
        "P07": "村级财务账目不清，公开不及时",
        "P08": "信访问题集中，群体性上访多次",
        "P09": "无固定办公场所，租用民房办公",
        "P10": "群众办事难，满意度测评排名靠后",
    }
    return "；".join(phrases[p] for p in problems)
