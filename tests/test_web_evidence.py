"""佐证材料 on the web (SPEC §14), on both backends: a township leader attaches photos and the minutes to a
progress report; the county officer sees them on the case page and downloads the same bytes; thumbnails lose
their EXIF; every bad upload is refused beside the field and nothing is kept; another township's file is 404."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from rectify.config import Config, EvidenceConfig
from rectify.service import Service
from rectify.states.stages import Stage
from rectify.store import Database
from rectify.web.app import create_app
from tests.conftest import FakeClock, snapshot
from tests.evidence_helpers import PDF, photo, png
from tests.test_web_pages import a_case, client_for
from tests.web_helpers import KEY, csrf


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def app(demo: Callable[..., Result], db: Database, clock: FakeClock, store: Path) -> Any:
    config = Config(evidence=EvidenceConfig(folder=str(store)))
    return create_app(Service(db, config, clock), secret_key=KEY)


@pytest.fixture
def han(app: Any) -> Iterator[TestClient]:
    with client_for(app, "qs-han") as c:
        yield c


def kept(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file() and p.parent.name not in ("tmp", "derived"))


def post_progress(client: TestClient, case: dict[str, Any], files: list[tuple[str, bytes, str]],
                  captions: str = "") -> Any:
    token = csrf(client.get(f"/cases/{case['id']}/steps/progress").text)
    data = {"csrf_token": token, "version": str(case["version"]), "on": "2026-06-29", "note": "召开支委会",
            "files_captions": captions}
    return client.post(f"/cases/{case['id']}/steps/progress", data=data,
                       files=[("files", (n, io.BytesIO(b), t)) for n, b, t in files])


def test_photos_and_minutes_on_a_progress_report_downloaded_by_the_county(app: Any, han: TestClient, db: Database,
                                                                           clock: FakeClock, store: Path) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    form = han.get(f"/cases/{case['id']}/steps/progress").text
    assert 'enctype="multipart/form-data"' in form and 'type="file" name="files" multiple' in form
    assert 'capture="environment"' in form and 'name="files_captions"' in form
    sign, board = photo("red", exif=True), png()
    done = post_progress(han, case, [("警示牌.jpg", sign, "image/jpeg"), ("公示栏.png", board, "image/png"),
                                     ("支委会纪要.pdf", PDF, "application/pdf")],
                         "照片：警示牌\n公示栏\n会议纪要：6月支委会记录")
    assert done.status_code == 303, done.text
    assert len(kept(store)) == 3
    with client_for(app, "qs-qian") as qian:
        page = qian.get(f"/cases/{case['id']}").text
        for name in ("警示牌.jpg", "公示栏.png", "支委会纪要.pdf", "6月支委会记录"):
            assert name in page
        sha = hashlib.sha256(PDF).hexdigest()
        got = qian.get(f"/files/{sha}")
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff" and got.headers["content-type"] == "application/pdf"
        original = qian.get(f"/files/{hashlib.sha256(sign).hexdigest()}")
        assert original.content == sign  # the original keeps its EXIF
        thumb = qian.get(f"/files/{hashlib.sha256(sign).hexdigest()}/thumb")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        from PIL import Image

        with Image.open(io.BytesIO(thumb.content)) as small:
            assert not small.getexif() and "exif" not in small.info
        with Image.open(io.BytesIO(sign)) as big:
            assert big.getexif()


def test_another_townships_file_is_404_as_an_unknown_one(app: Any, han: TestClient, db: Database,
                                                         clock: FakeClock) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    assert post_progress(han, case, [("a.jpg", photo(), "image/jpeg")]).status_code == 303
    sha = hashlib.sha256(photo()).hexdigest()
    with client_for(app, "qs-jiang") as jiang:  # 石桥乡
        seen, unknown = jiang.get(f"/files/{sha}"), jiang.get("/files/" + "0" * 64)
        assert seen.status_code == unknown.status_code == 404 and jiang.get(f"/files/{sha}/thumb").status_code == 404
    assert han.get("/files/../../etc/passwd").status_code == 404


BAD = [
    ("照片.jpg", PDF, "image/jpeg", "内容却是 PDF"),
    ("空.jpg", b"", "image/jpeg", "空文件"),
    ("../x.jpg", photo(), "image/jpeg", "文件名"),
    ("a.exe", b"MZ", "application/octet-stream", "不是允许的类型"),
]


@pytest.mark.parametrize(("name", "data", "mime", "message"), BAD, ids=[b[3] for b in BAD])
def test_a_bad_upload_is_refused_beside_the_field_and_nothing_is_kept(han: TestClient, db: Database,
                                                                      clock: FakeClock, store: Path, name: str,
                                                                      data: bytes, mime: str, message: str) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    before = snapshot(db)
    refused = post_progress(han, case, [("ok.jpg", photo(), "image/jpeg"), (name, data, mime)], "说明一\n说明二")
    assert refused.status_code == 400, refused.text
    field = refused.text.index('id="f-files"')
    error = refused.text.index('class="error"', field)
    assert message in refused.text[error:error + 300] and "说明一\n说明二" in refused.text
    assert snapshot(db) == before and kept(store) == []


def test_an_upload_on_a_step_one_may_not_take_or_another_townships_case_keeps_nothing(
        app: Any, han: TestClient, db: Database, clock: FakeClock, store: Path) -> None:
    other = a_case(db, clock, Stage.secretary_assigned, "石桥乡")
    mine = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    token = csrf(han.get(f"/cases/{mine['id']}/steps/progress").text)
    with client_for(app, "qs-kong") as kong:
        page = kong.get(f"/cases/{mine['id']}/steps/verify")
        before = snapshot(db)
        away = han.post(f"/cases/{other['id']}/steps/progress", data={
            "csrf_token": token, "version": str(other["version"]), "on": "2026-06-29", "note": "x"},
            files=[("files", ("a.jpg", io.BytesIO(photo()), "image/jpeg"))])
        assert away.status_code == 404
        refused = kong.post(f"/cases/{mine['id']}/steps/verify", data={
            "csrf_token": csrf(page.text), "version": str(mine["version"]), "on": "2026-06-29", "members": "孔立群",
            "score": "90", "satisfied": "40", "dissatisfied": "1"},
            files=[("files", ("评分表.pdf", io.BytesIO(PDF), "application/pdf"))])
        assert refused.status_code == 422
    assert snapshot(db) == before and kept(store) == [] and not list((store / "tmp").glob("*"))


def test_an_upload_over_the_limits_is_refused_before_it_is_read(han: TestClient, db: Database,
                                                                 clock: FakeClock) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    huge = han.post(f"/cases/{case['id']}/steps/progress", content=b"x",
                    headers={"content-type": "multipart/form-data; boundary=b", "content-length": str(10**10)})
    assert huge.status_code == 413 and "上传的文件过大" in huge.text


def test_a_file_is_withdrawn_from_the_case_page_and_stays_downloadable(app: Any, han: TestClient, db: Database,
                                                                       clock: FakeClock, store: Path) -> None:
    case = a_case(db, clock, Stage.secretary_assigned, "河口镇")
    assert post_progress(han, case, [("误传.jpg", photo("blue"), "image/jpeg")]).status_code == 303
    page = han.get(f"/cases/{case['id']}").text
    action = re.search(r'action="(/cases/\d+/files/(\d+)/withdraw)"', page)
    assert action is not None
    with client_for(app, "qs-wei") as auditor:  # 巡察: reads, withdraws nothing
        token = csrf(auditor.get(f"/cases/{case['id']}").text)
        assert "/withdraw" not in auditor.get(f"/cases/{case['id']}").text
        assert auditor.post(action[1], data={"csrf_token": token, "reason": "x"}).status_code == 422
    empty = han.post(action[1], data={"csrf_token": csrf(page), "reason": " "})
    assert empty.status_code == 400
    done = han.post(action[1], data={"csrf_token": csrf(page), "reason": "传错了"})
    assert done.status_code == 303
    after = han.get(f"/cases/{case['id']}").text
    assert "已撤回" in after and "撤回佐证材料" in after
    assert han.get(f"/files/{hashlib.sha256(photo('blue')).hexdigest()}").status_code == 200
    assert len(kept(store)) == 1
