from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, walk


def test_walk_to_verified(wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "verified")
    assert case_id == 1
