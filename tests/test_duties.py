"""Separation of duties wherever the procedure names a second person (SPEC §12, issue 26): the extension's
approver, the verification team, the withdrawal of a supervised case; each refusal one line, nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from rectify.config import Config
from rectify.errors import Refused
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .test_permissions import PEOPLE, as_, opened, planned, refused, register

STAFF = {**PEOPLE, "青山审批": ("county_approver", "青山县", "青山县委组织部", None),
         "绿水审批": ("county_approver", "绿水县", "绿水县委组织部", None),
         "停用审批": ("county_approver", "青山县", "青山县委组织部", None)}


@pytest.fixture
def county(db: Database, config: Config, clock: FakeClock) -> dict[str, Workflow]:
    import sqlalchemy as sa

    from rectify.store.tables import people_t

    register(db, STAFF)
    with db.begin() as conn:
        conn.execute(sa.update(people_t).where(people_t.c.name == "停用审批").values(active=False))
    wfs = {name: as_(db, config, clock, name) for name in STAFF if name != "停用审批"}
    wfs["青山经办"].add_org("Q001", "城关镇东街社区党支部", kind="village", county="青山县", township="城关镇")
    return wfs


@pytest.mark.parametrize(("approver", "why"), [
    ("青山经办", "批准人 青山经办 就是申请延期的人，须由另一位县委组织部审批人批准"),
    ("部务会", "批准人部务会 不是已登记的县委组织部审批人"),
    ("城关包村", "批准人城关包村 是乡镇包村领导，不是县委组织部审批人"),
    ("绿水审批", "批准人绿水审批 的范围是 绿水县，不含 青山县"),
    ("停用审批", "批准人停用审批 已停用"),
])
def test_an_extension_is_approved_by_another_registered_county_approver(
        db: Database, county: dict[str, Workflow], approver: str, why: str) -> None:
    case_id = planned(county["青山经办"], "Q001")
    refused(db, lambda: county["青山经办"].extend(case_id, to=date(2027, 3, 31), reason="换届", approved_by=approver),
            f"无法延长转化时限：整顿对象 {case_id}（城关镇东街社区党支部）处于整改中阶段，{why}")
    done = county["青山经办"].extend(case_id, to=date(2027, 3, 31), reason="换届", approved_by="青山审批")
    assert done.message == "转化时限改为 2027-03-31"


def test_the_applicant_is_not_on_the_verification_team(db: Database, county: dict[str, Workflow]) -> None:
    case_id = planned(county["青山经办"], "Q001")
    county["青山经办"].complete_measure(case_id, 1, on=date(2026, 3, 9))
    county["城关包村"].mark_rectified(case_id, on=date(2026, 3, 10), self_check="自查到位")
    with pytest.raises(Refused, match="城关包村 是申请验收人，不能作为验收组成员"):
        county["青山验收"].verify(case_id, on=date(2026, 3, 10), by="验收组", members=["青山验收", "城关包村"],
                                score=88, satisfied=40, basic=5, dissatisfied=1)


def test_a_supervised_case_is_withdrawn_by_the_approver_and_a_city_sign_with_the_city_supervisor(
        db: Database, county: dict[str, Workflow]) -> None:
    case_id = opened(county["青山经办"], "Q001")
    county["市督导"].supervise(case_id, matter="市级挂牌")
    head = f"无法复核误判出列：整顿对象 {case_id}（城关镇东街社区党支部）处于已确定阶段，"
    refused(db, lambda: county["青山经办"].withdraw(case_id, reason="误判"),
            head + "挂牌督办中的整顿对象须由县委组织部审批人撤销")
    refused(db, lambda: county["青山审批"].withdraw(case_id, reason="误判"),
            head + "市级挂牌督办须经市委组织部督导同意（--approved-by）：（未填） 不是已登记的市委组织部督导")
    done = county["青山审批"].withdraw(case_id, reason="误判", approved_by="市督导")
    assert done.to_stage == "withdrawn"
