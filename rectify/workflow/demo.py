"""The demo county (SPEC §9): deterministic, built through the engine so its history is real.

Every date is placed relative to the as-of date, so the demo shows every stage and every light
whatever day it is built on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rectify.config import Config
from rectify.errors import Refused
from rectify.states.roles import Role
from rectify.states.stages import Stage
from rectify.workflow.engine import Workflow
from rectify.workflow.people import PersonInput, register_people
from rectify.workflow.persistence import Database, describe
from rectify.workflow.persistence.demo import delete_orgs, foreign_rows

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
# 一村一策: measures drawn per problem (问题清单 → 措施清单).
PROBLEM_MEASURES: dict[str, tuple[str, ...]] = {
    "P01": ("配齐配强村“两委”班子", "从致富能手中选配村党组织书记", "储备村级后备力量"),
    "P02": ("调整不胜任的村党组织书记", "书记参加县级集中轮训", "建立书记履职纪实"),
    "P03": ("召开专题组织生活会", "调整班子分工", "开展班子成员谈心谈话"),
    "P04": ("规范“三会一课”制度", "组织党员集中轮训", "建立主题党日台账"),
    "P05": ("开展换届风气专项整治", "查处拉票贿选问题", "健全村民代表会议制度"),
    "P06": ("排查宗族势力干预村务问题", "配合开展扫黑除恶", "建立村干部联审机制"),
    "P07": ("完善村务财务公开栏", "清理规范村级合同", "推行村级财务委托代理"),
    "P08": ("开展矛盾纠纷集中排查化解", "落实信访积案包案化解", "建立网格员巡查制度"),
    "P09": ("建设党群服务中心", "设立便民服务代办点", "配齐办公设施"),
    "P10": ("建立党员联系户制度", "开展为民办事全程代办", "发展壮大村级集体经济"),
}

# The registered people of the demo county (SPEC §12), one or more for every role; the admin comes first.
MAIL = "qingshan.example.cn"
ADMIN = PersonInput("周文博", "县委组织部", Role.admin, DEMO_COUNTY, f"admin@{MAIL}", login="qs-admin")
OFFICERS = (
    PersonInput("钱明远", "县委组织部组织二科", Role.county_officer, DEMO_COUNTY, f"qian@{MAIL}", login="qs-qian"),
    PersonInput("沈晓东", "县委组织部组织二科", Role.county_officer, DEMO_COUNTY, f"shen@{MAIL}", login="qs-shen"),
)
VERIFIER = PersonInput("孔立群", "县级验收组", Role.county_verifier, DEMO_COUNTY, f"kong@{MAIL}", login="qs-kong")
APPROVER = PersonInput("郑怀远", "县委组织部", Role.county_approver, DEMO_COUNTY, f"zheng@{MAIL}", login="qs-zheng")
TOWNSHIP_LEADERS: dict[str, PersonInput] = {
    town: PersonInput(name, f"{town}党委", Role.township_leader, f"{DEMO_COUNTY}/{town}", f"{login}@{MAIL}",
                      login=f"qs-{login}")
    for town, name, login in (("城关镇", "冯志远", "feng"), ("河口镇", "韩青松", "han"), ("石桥乡", "蒋雨田", "jiang"),
                              ("柳林镇", "施国栋", "shi"), ("东岗乡", "尤长河", "you"))}
CADRE = PersonInput("秦小川", "河口镇人民政府", Role.township_cadre, f"{DEMO_COUNTY}/河口镇", f"qin@{MAIL}",
                    login="qs-qin")
SUPERVISOR = PersonInput("褚振华", "市委组织部", Role.city_supervisor, DEMO_COUNTY, "chu@city.example.cn",
                         login="city-chu")
AUDITOR = PersonInput("卫思齐", "县委巡察办", Role.auditor, DEMO_COUNTY, f"wei@{MAIL}", login="qs-wei")
DEMO_PEOPLE: tuple[PersonInput, ...] = (ADMIN, *OFFICERS, VERIFIER, APPROVER, *TOWNSHIP_LEADERS.values(), CADRE,
                                        SUPERVISOR, AUDITOR)

# Targets that are not stages: verified then listed again after a relapse, and failed verification once.
REOPENED = "reopened"
FAILED_ONCE = "failed_once"
# Two of the rectified cases are verified and in 公示 on the as-of day (one with an objection dismissed); their
# steps draw nothing from the generator, so every other case stays as it was.
# (target, count): what the demo county shows on its as-of date.
SCENARIOS: tuple[tuple[str, int], ...] = (
    (Stage.identified, 6), (Stage.ledger_created, 6), (Stage.secretary_assigned, 12), (Stage.rectified, 5),
    (Stage.verified, 6), (REOPENED, 1), (Stage.withdrawn, 1), (FAILED_ONCE, 1),
)
TEAM = ("陶文静", "严正")  # the verification team beside the verifier
PROGRESS_NOTES = ("召开党员大会，通报整顿进展", "村“两委”班子开展谈心谈话", "完成党群服务中心改造",
                  "化解信访积案一件", "组织党员开展志愿服务", "集体经济项目签约落地")


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
    with db.begin() as conn:
        delete_orgs(conn, DEMO_COUNTY, [o["code"] for o in DEMO_ORGS])


def refuse_real_data(db: Database) -> None:
    """The demo only goes into an empty database or one holding the demo: fake cases in a county's real
    ledger would be reported as real ones."""
    with db.connect() as conn:
        orgs, people = foreign_rows(conn, DEMO_COUNTY, [o["code"] for o in DEMO_ORGS], [p.name for p in DEMO_PEOPLE])
    if orgs or people:
        raise Refused(f"数据库 {describe(db.url)} 中已有非演示数据（组织 {orgs} 个、登记人员 {people} 名），"
                      "rectify demo 只在空数据库或演示数据库中建立演示县；请用 --db 指定一个新的数据库")


ESCALATION_NOTES = (("urge", "电话督促乡镇党委书记，限期报送整改进展"), ("talk", "约谈乡镇党委书记和村党组织书记"),
                    ("notify", "在全县组织工作会议上通报整改滞后情况"))


class Signers:
    """One workflow per registered person of the demo, so each step is signed by whoever may take it."""

    def __init__(self, db: Database, config: Config, clock: _Clock) -> None:
        self._flows = {p.name: Workflow(db, config, actor=p.name, clock=clock, role=str(p.role))
                       for p in DEMO_PEOPLE}

    def __call__(self, person: PersonInput) -> Workflow:
        return self._flows[person.name]


def build_demo(db: Database, config: Config, as_of: date, *, actor: str = "demo") -> int:
    """Build the demo county as it stands on ``as_of``; returns the number of cases.

    ``actor`` is who asked for the demo; the steps themselves are signed by the demo's own people.
    """
    refuse_real_data(db)
    clear_demo(db)
    rng = random.Random(20240305)
    clock = _Clock()
    register_people(db, DEMO_PEOPLE, clock())
    signers = Signers(db, config, clock)

    def person() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    for o in DEMO_ORGS:
        signers(OFFICERS[0]).add_org(o["code"], o["name"], kind=o["kind"], county=DEMO_COUNTY,
                                     township=o["township"], poor_village=o["poor_village"])
    orgs = [(o["code"], o["township"]) for o in DEMO_ORGS if o["kind"] in ("village", "community")]

    plan: list[str] = [stage for stage, n in SCENARIOS for _ in range(n)]
    order = list(range(len(orgs)))
    rng.shuffle(order)
    cases = 0
    secretaries: list[PersonInput] = []
    for k, stage in enumerate(plan):
        code, township = orgs[order[k]]
        walk = _Walk(signers, clock, rng, person, code, township, stage, k, as_of)
        walk.run()
        secretaries += walk.secretaries
        cases += 2 if stage == REOPENED else 1  # the relapse is listed again: a second case
    # The first secretaries the plans named, registered once they serve (scope: their township).
    register_people(db, secretaries, clock())
    return cases


@dataclass
class _Walk:
    """Drives one case through the engine up to its target stage, each step on a plausible date."""

    signers: Signers
    clock: _Clock
    rng: random.Random
    person: Callable[[], str]
    code: str
    township: str
    target: str
    k: int
    as_of: date
    secretaries: list[PersonInput] = field(default_factory=list)

    @property
    def officer(self) -> Workflow:
        return self.signers(OFFICERS[self.k % len(OFFICERS)])

    @property
    def township_leader(self) -> Workflow:
        return self.signers(TOWNSHIP_LEADERS[self.township])

    def at(self, day: date) -> None:
        self.clock.day = min(day, self.as_of)

    @property
    def in_publicity(self) -> bool:
        return self.target == Stage.rectified and self.k % 5 < 2

    @property
    def spread(self) -> int:
        return self.k % 4  # 0 green, 1 yellow, 2 orange, 3 red

    def dates(self) -> tuple[date, date]:
        """How far back the case was identified, and its deadline, chosen so lights spread over the county."""
        as_of, spread = self.as_of, self.spread
        if self.target == Stage.identified:
            identified = as_of - timedelta(days=(3, 12, 14, 25)[spread])
            return identified, identified + timedelta(days=240)
        if self.target == Stage.ledger_created:
            identified = as_of - timedelta(days=(8, 23, 27, 40)[spread])
            return identified, identified + timedelta(days=240)
        if self.target in (Stage.secretary_assigned, FAILED_ONCE):
            return (as_of - timedelta(days=(100, 200, 200, 220)[spread]),
                    as_of + timedelta(days=(120, 50, 20, -10)[spread]))
        if self.target == Stage.rectified:
            return as_of - timedelta(days=200), as_of + timedelta(days=10)
        identified = as_of - timedelta(days=420)  # last year's cohort: struck off, in its 巩固期
        return identified, identified + timedelta(days=200)

    def run(self) -> None:
        identified, deadline = self.dates()
        case_id = self.open(identified, deadline)
        if self.target == Stage.withdrawn:
            self.at(identified + timedelta(days=10))
            self.signers(APPROVER).withdraw(self.code, reason="复核后不属于软弱涣散，排查时误判")
            return
        if self.target == Stage.identified:
            return
        self.plan(identified, deadline)
        if self.target == Stage.ledger_created:
            return
        rect_day = self.assign_and_report(identified, deadline)
        if self.target == Stage.secretary_assigned:
            self.late_steps(deadline)
            return
        self.rectify(rect_day)
        if self.target != Stage.rectified:
            self.verify(case_id, rect_day)
        elif self.in_publicity:
            self.publicity()

    def open(self, identified: date, deadline: date, problems: list[str] | None = None) -> int:
        rng, k = self.rng, self.k
        n_problems = rng.choice((1, 1, 2, 2, 3))
        self.problems = problems or sorted(rng.sample([f"P{i:02d}" for i in range(1, 11)], n_problems))
        self.at(identified)
        officer = "县委组织部 " + self.person()
        status = "缺配" if k % 5 == 0 else "需调整" if k % 7 == 2 else ""
        return self.officer.open_case(self.code, problems=self.problems, identified_on=identified,
                                      deadline=deadline, detail=_detail(self.problems, rng), officer=officer,
                                      officer_email=f"officer{k % 3 + 1}@qingshan.example.cn",
                                      village_secretary=status).case_id

    def plan(self, identified: date, deadline: date) -> None:
        rng, k, person = self.rng, self.k, self.person
        self.at(identified + timedelta(days=rng.randint(5, 12)))
        problems, measures = self.problems, []
        for i in range(3):  # three measures, each problem covered
            code = problems[i % len(problems)]
            text = PROBLEM_MEASURES[code][i // len(problems) % 3]
            due = min(deadline - timedelta(days=rng.randint(5, 40)), deadline)
            measures.append(([code], text, f"{person()}（{self.township}党委）",
                             max(due, identified + timedelta(days=20))))
        self.officer.plan(self.code, measures=measures, county_leader=person() + "（县委常委）",
                          township_cadre=person(), helping_unit=rng.choice(UNITS),
                          emails={"county_leader": f"leader{k % 5 + 1}@qingshan.example.cn",
                                  "township_cadre": f"cadre{k % 8 + 1}@qingshan.example.cn"})

    def assign_and_report(self, identified: date, deadline: date) -> date:
        """Assigns the secretary, then reports monthly; returns the day the case is (or would be) rectified."""
        rng, k, as_of, clock = self.rng, self.k, self.as_of, self.clock
        self.at(identified + timedelta(days=rng.randint(15, 28)))
        name, unit, email = self.person(), rng.choice(UNITS), f"secretary{k + 1}@{MAIL}"
        since = clock.day - timedelta(days=400) if k % 7 == 3 else clock.day  # some 原已驻村
        self.officer.assign_secretary(self.code, name=name, unit=unit, since=since, email=email)
        self.secretaries.append(PersonInput(name, unit, Role.first_secretary, f"{DEMO_COUNTY}/{self.township}",
                                            email))
        if k % 5 == 0:  # the village track beside it: a new own secretary chosen
            self.officer.village_secretary(self.code, name=self.person(), since=clock.day, action="选配",
                                           source="本村致富能手")
        # Monthly progress reports up to the as-of date (some lapse, to show the reminder).
        day = clock.day + timedelta(days=30)
        # Cases that go on to rectification get there on rect_day; their monthly reports stop then.
        rect_day = {Stage.rectified: as_of - timedelta(days=12),
                    FAILED_ONCE: as_of - timedelta(days=30)}.get(self.target, deadline - timedelta(days=20))
        horizon = as_of if self.target in (Stage.secretary_assigned, FAILED_ONCE) else min(as_of, rect_day)
        while day <= horizon - timedelta(days=(0 if k % 3 else 45)):
            self.at(day)
            self.township_leader.report_progress(self.code, on=day, note=rng.choice(PROGRESS_NOTES))
            day += timedelta(days=30)
        return rect_day

    def late_steps(self, deadline: date) -> None:
        """Supervision, an extension and a first measure done, spread over the cases still under way."""
        k, as_of = self.k, self.as_of
        if k % 6 == 1:
            self.at(as_of - timedelta(days=20))
            self.signers(SUPERVISOR).supervise(self.code, unit=SUPERVISOR.unit, matter="整顿进度滞后，列入市级挂牌督办")
            if k % 12 == 7:
                self.at(as_of - timedelta(days=3))
                self.signers(SUPERVISOR).unsupervise(self.code, on=self.clock.day, inspected_by=SUPERVISOR.name,
                                                     reason="经市级检查，督办事项已整改到位")
        if k % 6 == 5:
            self.escalate(k // 6 % 3)
        if k % 6 == 3:
            self.at(as_of - timedelta(days=60))
            self.signers(APPROVER).extend(self.code, to=deadline + timedelta(days=30),
                                          reason="换届工作推迟，整改周期延长", approved_by="县委组织部部务会")
        if k % 4 == 0:
            self.at(as_of - timedelta(days=5))
            self.township_leader.complete_measure(self.code, 1, on=self.clock.day)

    def escalate(self, rungs: int) -> None:
        """督促, then 约谈, then 通报 and a county sign: the escalation ladder on a few cases under way."""
        officer, as_of = self.signers(OFFICERS[0]), self.as_of
        for n, (step, note) in enumerate(ESCALATION_NOTES[:rungs + 1]):
            self.at(as_of - timedelta(days=28 - 7 * n))
            officer.escalate(self.code, step=step, on=self.clock.day, note=note)
        if rungs == 2:
            self.at(as_of - timedelta(days=6))
            officer.supervise(self.code, unit=OFFICERS[0].unit, on=self.clock.day, due=as_of + timedelta(days=30),
                              matter="约谈、通报后整改仍滞后，列入县级挂牌督办，一个月内配齐班子")

    def rectify(self, rect_day: date) -> None:
        for n in (1, 2, 3):
            self.at(rect_day - timedelta(days=4 - n))
            self.township_leader.complete_measure(self.code, n, on=self.clock.day)
        self.at(rect_day)
        self.township_leader.mark_rectified(self.code, on=rect_day,
                                            self_check="乡镇党委逐项对照整改清单自查，问题均已整改到位")

    def verify(self, case_id: int, rect_day: date) -> None:
        """验收 by the verifier; 公示; then 销号 by the approver (the cases in 公示 stop before it)."""
        rng, as_of, wf, code = self.rng, self.as_of, self.signers(VERIFIER), self.code
        team = [VERIFIER.name, *TEAM]
        self.at(rect_day + timedelta(days=15))
        if self.target == FAILED_ONCE:
            deadline = as_of + timedelta(days=(120, 50, 20, -10)[self.spread])
            wf.verify(code, on=self.clock.day, by="县委组织部验收组", members=team, score=62, satisfied=30, basic=10,
                      dissatisfied=12, deadline=deadline, findings=["“三会一课”记录不全，群众满意度偏低"],
                      measures=[([self.problems[0]], "补齐“三会一课”记录并逐户走访群众", f"{self.person()}"
                                 f"（{self.township}党委）", min(deadline, self.clock.day + timedelta(days=60)))])
            return
        score = rng.randint(78, 95)
        items = score_items(score, wf.config.verification.items)
        wf.verify(code, on=self.clock.day, by="县委组织部验收组", members=team, items=items,
                  satisfied=rng.randint(35, 50), basic=rng.randint(3, 10), dissatisfied=rng.randint(0, 3))
        verified_on = self.clock.day
        approver = self.signers(APPROVER)
        self.at(verified_on + timedelta(days=approver.config.policy.publicity_days + 2))
        approver.strike_off(code, on=self.clock.day, doc_no=f"青组字〔{self.clock.day.year}〕{30 + self.k}号")
        self.look_back(case_id)

    def look_back(self, case_id: int) -> None:
        """The 巩固期: the 6-month 回头看 done (巩固) on most, one still due; a relapse found at the look-back is
        listed again as a new 整顿对象 linked to this one, its first secretary carried over."""
        as_of, wf = self.as_of, self.officer
        due = self.clock.day + timedelta(days=min(wf.config.policy.look_back_after_days))
        if self.target == REOPENED:
            again = as_of - timedelta(days=20)
            self.at(again)
            self.problems = ["P03"]
            wf.look_back(case_id, on=again, result="反弹", note="班子成员矛盾再起，组织生活停滞",
                         problems=["P03"], deadline=as_of + timedelta(days=150))
            self.plan(again, as_of + timedelta(days=150))
        elif self.k % 3 and due <= as_of:
            self.at(due)
            wf.look_back(case_id, on=due, result="巩固", note="班子团结稳定，组织生活正常，群众满意")

    def publicity(self) -> None:
        """Verified a few days ago and in 公示; on one of them an objection looked into and not upheld."""
        code, wf, officer = self.code, self.signers(VERIFIER), self.signers(OFFICERS[0])
        self.at(self.as_of - timedelta(days=2 + self.k % 2))
        wf.verify(code, on=self.clock.day, by="县委组织部验收组", members=[VERIFIER.name, *TEAM],
                  items=score_items(84 + self.k % 5, wf.config.verification.items), satisfied=41, basic=6,
                  dissatisfied=1)
        if self.k % 5 == 0:
            self.at(self.clock.day + timedelta(days=1))
            officer.objection(code, on=self.clock.day, text="群众来信反映村务公开不够及时")
            officer.decide_objection(code, on=self.clock.day, upheld=False,
                                     note="经核实，村务已按月公开，来信所反映情况不属实")


def score_items(score: int, areas: tuple[str, ...]) -> dict[str, int]:
    """A score sheet of the configured areas (default the 六有) adding up to ``score``."""
    base, extra = divmod(score, len(areas))
    return {a: base + (1 if i < extra else 0) for i, a in enumerate(areas)}


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
