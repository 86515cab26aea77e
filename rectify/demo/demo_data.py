"""The demo county's fixed data (SPEC §9): its organizations, people, problem mix and the words of each kind.

Villages and communities each have their own wording: nothing written on a community's case speaks of a
village (村两委, 村务, 村级), and every measure names the problem it fixes.
"""

from __future__ import annotations

import random
from typing import Any

from rectify.config import Config, ReportConfig
from rectify.states.roles import Role
from rectify.write.people import PersonInput

DEMO_COUNTY = "青山县"
MAIL = "qingshan.example.cn"
# (township, villages, communities): about 300 organizations in all, a few of other kinds besides.
TOWNSHIPS: tuple[tuple[str, int, int], ...] = (
    ("城关镇", 32, 14), ("河口镇", 48, 3), ("石桥乡", 48, 0), ("柳林镇", 46, 2), ("东岗乡", 47, 0), ("新店镇", 47, 2),
)
OTHER_ORGS: tuple[tuple[str, str, str], ...] = (
    ("城关镇", "城关镇青山竹木制品有限公司党支部", "private"), ("石桥乡", "石桥乡农民专业合作社联合党支部", "social"),
    ("河口镇", "河口镇中心学校党支部", "institution"), ("东岗乡", "东岗乡卫生院党支部", "institution"),
    ("新店镇", "新店镇物流园非公企业联合党支部", "private"), ("柳林镇", "柳林镇茶叶协会党支部", "social"),
)
VILLAGE_SURNAMES = "王李张刘陈杨赵黄周吴郑孙马朱胡高林何罗梁宋谢唐韩曹许邓萧冯彭田董余叶蒋杜魏"
VILLAGE_SUFFIXES = ("家庄", "家湾", "家坪", "家沟", "家岭", "家堡", "家畈", "家岗", "家洼", "家楼", "家营", "家冲",
                    "家台", "家铺", "家寨", "家河", "家山", "家集", "家垴", "家湖", "家店", "家埠", "家坊", "家坝")
PLACE_NAMES = ("杨柳", "石门", "黄泥塘", "青龙", "白鹤", "桃园", "金竹", "龙潭", "长岭", "红星", "双河", "枫树")
COMMUNITY_NAMES = ("新华", "光明", "文昌", "滨河", "幸福", "建设", "东门", "西街", "南苑", "北关", "锦绣", "和平",
                   "人民路", "中山", "育才", "车站", "花园", "向阳", "新城", "状元", "三里桥", "青年路")


def demo_orgs() -> list[dict[str, Any]]:
    """The demo county's organizations, always the same codes and names (township by township)."""
    rng = random.Random(1949)
    villages = [s + x for s in VILLAGE_SURNAMES for x in VILLAGE_SUFFIXES]
    rng.shuffle(villages)
    villages = list(PLACE_NAMES) + villages
    communities = list(COMMUNITY_NAMES)
    orgs: list[dict[str, Any]] = []
    for t, (town, n_villages, n_communities) in enumerate(TOWNSHIPS, 1):
        for i in range(n_villages):
            name = villages.pop(0)
            big = rng.random() < 0.15
            orgs.append({"code": f"QS{t:02d}{i + 1:03d}", "name": f"{town}{name}村党{'总支' if big else '支部'}",
                         "kind": "village", "township": town, "poor_village": rng.random() < 0.2})
        for j in range(n_communities):
            big = rng.random() < 0.25
            orgs.append({"code": f"QS{t:02d}{101 + j:03d}", "name": f"{town}{communities.pop(0)}社区党"
                         f"{'委' if big else '支部'}", "kind": "community", "township": town, "poor_village": False})
    for n, (town, name, kind) in enumerate(OTHER_ORGS):
        t = next(i for i, x in enumerate(TOWNSHIPS, 1) if x[0] == town)
        orgs.append({"code": f"QS{t:02d}{201 + n:03d}", "name": name, "kind": kind, "township": town,
                     "poor_village": False})
    return orgs


# The problem mix as counties report it: 服务群众 (P10) and 班子 (P01) far ahead, 宗族/贿选 rare.
PROBLEM_WEIGHTS: dict[str, int] = {"P01": 18, "P02": 8, "P03": 7, "P04": 10, "P05": 2, "P06": 3, "P07": 6, "P08": 5,
                                   "P09": 6, "P10": 22}
LOCAL_WEIGHT = 5  # each local type of [policy] local_problem_types, when the configuration has some

# 一村一策: measures drawn per problem (问题清单 → 措施清单), worded for a village or a community.
VILLAGE_MEASURES: dict[str, tuple[str, ...]] = {
    "P01": ("配齐配强村“两委”班子", "从本村致富能手、退役军人中选配村党组织书记", "储备村级后备力量"),
    "P02": ("调整不胜任的村党组织书记", "书记参加县级集中轮训", "建立村党组织书记履职纪实"),
    "P03": ("召开专题组织生活会", "调整班子成员分工", "开展班子成员谈心谈话"),
    "P04": ("规范“三会一课”制度", "组织党员集中轮训", "建立主题党日活动台账"),
    "P05": ("开展换届风气专项整治", "查处拉票贿选问题", "健全村民代表会议制度"),
    "P06": ("排查宗族势力干预村务问题", "配合开展扫黑除恶", "建立村干部任职联审机制"),
    "P07": ("完善村务财务公开栏", "清理规范村级合同", "推行村级财务委托代理"),
    "P08": ("开展矛盾纠纷集中排查化解", "落实信访积案包案化解", "建立网格员巡查制度"),
    "P09": ("建设村级党群服务中心", "设立便民服务代办点", "配齐办公设施"),
    "P10": ("建立党员联系户制度", "开展为民办事全程代办", "发展壮大村级集体经济"),
}
COMMUNITY_MEASURES: dict[str, tuple[str, ...]] = {
    "P01": ("配齐配强社区“两委”班子", "从社区工作者、退役军人中选配社区党组织书记", "建立社区后备干部人才库"),
    "P02": ("调整不胜任的社区党组织书记", "书记参加县级集中轮训", "建立社区党组织书记履职纪实"),
    "P03": ("召开专题组织生活会", "调整班子成员分工", "开展班子成员谈心谈话"),
    "P04": ("规范“三会一课”制度", "组织在职党员到社区报到", "建立主题党日活动台账"),
    "P05": ("开展换届风气专项整治", "查处拉票贿选问题", "健全居民代表会议制度"),
    "P06": ("排查黑恶势力干扰社区事务问题", "配合开展扫黑除恶", "建立社区工作者任职联审机制"),
    "P07": ("完善居务公开栏", "清理规范社区经费收支", "健全居务监督委员会"),
    "P08": ("开展矛盾纠纷集中排查化解", "落实信访积案包案化解", "推行小区网格巡查"),
    "P09": ("改造提升社区党群服务中心", "设立一站式便民服务窗口", "配齐办公设施"),
    "P10": ("建立党员联系楼栋制度", "开展为民办事全程代办", "推行网格化服务居民"),
}
VILLAGE_DETAILS: dict[str, str] = {
    "P01": "村党支部书记空缺半年，班子仅剩两人", "P02": "书记年龄偏大，带富能力弱，长期外出",
    "P03": "班子成员因土地流转问题矛盾突出", "P04": "全年仅开展两次组织生活", "P05": "上届换届选举中存在拉票现象",
    "P06": "宗族势力干预村务", "P07": "村级财务账目不清，公开不及时", "P08": "信访问题集中，群体性上访多次",
    "P09": "无固定办公场所，租用民房办公", "P10": "群众办事难，满意度测评排名靠后",
}
COMMUNITY_DETAILS: dict[str, str] = {
    **VILLAGE_DETAILS,
    "P01": "社区党组织书记空缺半年，“两委”成员仅剩两人", "P02": "书记长期不在岗，居民反映找不到人",
    "P03": "班子成员因老旧小区改造分歧矛盾突出", "P06": "黑恶势力插手小区物业管理",
    "P07": "社区经费账目不清，居务公开不及时", "P09": "党群服务中心面积不足，租用商铺办公",
    "P10": "居民办事难，满意度测评排名靠后",
}
PROGRESS_NOTES: dict[str, tuple[str, ...]] = {
    "village": ("召开党员大会，通报整顿进展", "村“两委”班子开展谈心谈话", "完成党群服务中心改造",
                "化解信访积案一件", "组织党员开展志愿服务", "集体经济项目签约落地"),
    "community": ("召开党员大会，通报整顿进展", "社区“两委”班子开展谈心谈话", "完成党群服务中心改造",
                  "化解信访积案一件", "组织在职党员到社区报到服务", "开展网格走访，收集居民诉求"),
}
OBJECTION: dict[str, tuple[str, str]] = {
    "village": ("群众来信反映村务公开不够及时", "经核实，村务已按月公开，来信所反映情况不属实"),
    "community": ("居民来信反映居务公开不够及时", "经核实，居务已按月公开，来信所反映情况不属实"),
}
OWN_SECRETARY_SOURCE = {"village": "本村致富能手", "community": "社区工作者"}


def details(kind: str, problems: list[str], local: dict[str, str]) -> str:
    words = COMMUNITY_DETAILS if kind == "community" else VILLAGE_DETAILS
    return "；".join(words.get(p) or f"存在“{local.get(p, p)}”问题" for p in problems)


def measure_texts(kind: str, problem: str, local: dict[str, str]) -> tuple[str, ...]:
    table = COMMUNITY_MEASURES if kind == "community" else VILLAGE_MEASURES
    if problem in table:
        return table[problem]
    label = local.get(problem, problem)
    return (f"制定“{label}”专项整改清单", f"落实“{label}”整改责任", f"建立“{label}”长效机制")


# County leaders (县级联系领导) with their posts: each contacts one or two of the cases.
COUNTY_LEADERS: tuple[tuple[str, str], ...] = (
    ("林正清", "县委副书记"), ("方建华", "县委常委、常务副县长"), ("邵云峰", "县委常委、组织部部长"),
    ("邹立新", "县委常委、宣传部部长"), ("杜秀芳", "县委常委、统战部部长"), ("贺正阳", "县委常委、政法委书记"),
    ("雷振东", "县委常委、纪委书记、监委主任"), ("段海波", "县委常委、县委办公室主任"), ("汤志诚", "县委常委、副县长"),
    ("姚卫国", "县委常委、人武部政委"), ("龚晓梅", "副县长"), ("程立军", "副县长"), ("黎明辉", "副县长"),
    ("常玉洁", "副县长"), ("袁德厚", "县人大常委会主任"), ("江守仁", "县人大常委会副主任"),
    ("覃丽萍", "县人大常委会副主任"), ("潘国良", "县人大常委会副主任"), ("陆永年", "县人大常委会副主任"),
    ("熊春华", "县政协主席"), ("金世平", "县政协副主席"), ("戴秋云", "县政协副主席"), ("鲁建新", "县政协副主席"),
    ("苗文军", "县政协副主席"),
)
# 结对帮扶单位: each sends the first secretary of its village (派出单位 = 结对帮扶单位).
UNITS = ("县财政局", "县农业农村局", "县人社局", "县交通运输局", "县卫健委", "县住建局", "国网青山县供电公司",
         "青山农商银行", "县自然资源局", "县教育局", "县水利局", "县市场监管局", "县发改委", "县商务局",
         "县文旅局", "县民政局")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("建国", "志强", "秀英", "海涛", "丽华", "国庆", "红梅", "卫东", "晓燕", "德明", "春生", "玉兰", "文斌", "桂芳",
         "永刚", "小平", "振宇", "淑珍", "俊杰", "明亮", "雪梅", "宏伟", "金花", "立新", "学军", "凤英", "家豪", "思远")

# The registered people of the demo county (SPEC §12), one or more for every role; the admin comes first.
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
                              ("柳林镇", "施国栋", "shi"), ("东岗乡", "尤长河", "you"), ("新店镇", "柏文清", "bai"))}
CADRE = PersonInput("秦小川", "河口镇人民政府", Role.township_cadre, f"{DEMO_COUNTY}/河口镇", f"qin@{MAIL}",
                    login="qs-qin")
SUPERVISOR = PersonInput("褚振华", "市委组织部", Role.city_supervisor, DEMO_COUNTY, "chu@city.example.cn",
                         login="city-chu")
AUDITOR = PersonInput("卫思齐", "县委巡察办", Role.auditor, DEMO_COUNTY, f"wei@{MAIL}", login="qs-wei")
DEMO_PEOPLE: tuple[PersonInput, ...] = (ADMIN, *OFFICERS, VERIFIER, APPROVER, *TOWNSHIP_LEADERS.values(), CADRE,
                                        SUPERVISOR, AUDITOR)
# The web password of every demo person (SPEC §13), printed in the README so a newcomer can sign in as each role;
# not to be changed at sign-in. A real county sets each password with `rectify people password`.
DEMO_PASSWORD = "qingshan-demo-2026"
# Its argon2id hash, made once (argon2-cffi's defaults), so building the demo spends no second hashing it.
DEMO_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$4cJ177nBTx9LMAoOdpdG6A$7lKZpc8Gc0BUyTc02Us7Ihz+4RIlWbv86l8bghv1LEs"
TEAM = ("陶文静", "严正")  # the verification team beside the verifier
# The demo county's [report]: who signs its notices, ledger and form (a configuration's own [report] unit wins).
DEMO_REPORT = ReportConfig(unit="中共青山县委组织部", preparer="钱明远", reviewer="郑怀远", phone="0710-3212345",
                           contact="组织二科 钱明远", plan_title="《青山县整顿软弱涣散基层党组织工作方案》")


class Names:
    """Real-looking names, never the same for two people of the county (so no one serves two townships)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken = {p.name for p in DEMO_PEOPLE} | {n for n, _ in COUNTY_LEADERS} | set(TEAM)
        self.cadres: dict[str, list[str]] = {}

    def new(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.taken:
                self.taken.add(name)
                return name

    def cadre(self, township: str) -> str:
        """乡镇包村干部: two or three per township, each in one township only (河口镇's includes 秦小川)."""
        pool = self.cadres.setdefault(township, [CADRE.name] if township == CADRE.scope.split("/")[-1] else [])
        if len(pool) < 3:
            pool.append(self.new())
            return pool[-1]
        return self.rng.choice(pool)


def with_demo_report(db: Any, config: Config) -> Config:
    """``config`` with the demo county's [report] (落款 中共青山县委组织部, a phone) when it has no [report] unit of
    its own and the database holds the demo county and nothing else. Here, beside the data, so that ``remind run``
    asks it without loading the demo's builder (the write engine); :mod:`rectify.demo.demo` re-exports it."""
    if config.report.unit.strip():
        return config
    from dataclasses import replace

    from rectify.store.demo import foreign_rows, org_count

    with db.connect() as conn:
        foreign = foreign_rows(conn, DEMO_COUNTY, [o["code"] for o in demo_orgs()], [p.name for p in DEMO_PEOPLE])
        if foreign != (0, 0) or not org_count(conn, DEMO_COUNTY):
            return config
    return replace(config, report=DEMO_REPORT)
