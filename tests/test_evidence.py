"""佐证材料 (SPEC §14) on the command line, on both backends: files attached to the step they prove, kept once by
SHA-256, listed, withdrawn by a new event; every bad input refused with one line and nothing kept."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rectify.store import Database
from rectify.write.engine import Workflow
from tests.conftest import FakeClock, add_org, snapshot, walk
from tests.evidence_helpers import PDF, config_file, docx, ofd, photo, png, write, xlsx

Run = Callable[..., Result]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def ev(run: Run, tmp_path: Path, store: Path) -> Run:
    """``run`` with ``[evidence] folder`` in the test's folder."""
    cfg = config_file(tmp_path, store)
    return lambda *args, **kw: run(*args, env={"RECTIFY_CONFIG": str(cfg), **kw.pop("env", {})}, **kw)


@pytest.fixture
def case(wf: Workflow, clock: FakeClock) -> int:
    add_org(wf)
    return walk(wf, clock, "V001", "secretary_assigned")


def blobs(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file() and p.parent.name not in ("tmp", "derived"))


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_a_progress_report_with_two_photos_and_the_minutes(ev: Run, case: int, tmp_path: Path, store: Path,
                                                           db: Database) -> None:
    a, b = write(tmp_path, "警示牌.jpg", photo("red")), write(tmp_path, "公示栏.png", png())
    minutes = write(tmp_path, "支委会.pdf", PDF)
    done = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "召开支委会",
              "--attach", f"{a}=警示牌", "--attach", str(b), "--attach", f"{minutes}=会议纪要：3月支委会记录")
    assert done.exit_code == 0 and "已保存佐证材料 3 个：警示牌.jpg、公示栏.png、支委会.pdf" in done.stderr
    files = json.loads(ok(ev("case", "files", str(case), "--format", "json")))
    assert [(f["name"], f["kind"], f["caption"]) for f in files] == [
        ("警示牌.jpg", "照片", "警示牌"), ("公示栏.png", "照片", ""), ("支委会.pdf", "会议纪要", "3月支委会记录")]
    assert {f["media_type"] for f in files} == {"image/jpeg", "image/png", "application/pdf"}
    assert len({f["event_id"] for f in files}) == 1 and files[0]["on"] == "2026-03-10"
    kept = blobs(store)
    assert sorted(p.name for p in kept) == sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b, minutes))
    assert all(p.parent.name == p.name[2:4] and p.parent.parent.name == p.name[:2] for p in kept)
    history = json.loads(ok(ev("case", "history", str(case), "--format", "json")))
    assert [len(e["files"]) for e in history][-1] == 3
    table = ok(ev("case", "files", str(case)))
    assert "警示牌.jpg" in table and "会议纪要" in table
    assert "佐证材料" in ok(ev("case", "show", str(case)))


def test_the_same_file_twice_is_kept_once_and_every_allowed_type_is_taken(ev: Run, case: int, tmp_path: Path,
                                                                         store: Path) -> None:
    same = write(tmp_path, "a.jpg", photo("green"))
    again = write(tmp_path / "other", "b.jpg", photo("green"))
    docs = [write(tmp_path, n, d) for n, d in (("方案.docx", docx()), ("评分表.xlsx", xlsx()), ("批复.ofd", ofd()))]
    ok(ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(same)))
    ok(ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "二", "--attach", str(again),
          *(x for d in docs for x in ("--attach", str(d)))))
    files = json.loads(ok(ev("case", "files", str(case), "--format", "json")))
    assert len(files) == 5 and len(blobs(store)) == 4
    assert [f["media_type"].rsplit(".", 1)[-1] for f in files[2:]] == ["document", "sheet", "application/ofd"]


def test_a_file_is_withdrawn_by_a_new_event_and_its_bytes_stay(ev: Run, case: int, tmp_path: Path,
                                                               store: Path) -> None:
    a = write(tmp_path, "误传.jpg", photo("blue"))
    ok(ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(a)))
    file_id = json.loads(ok(ev("case", "files", str(case), "--format", "json")))[0]["id"]
    missing = ev("case", "withdraw-file", str(case), str(file_id), "--reason", " ")
    assert missing.exit_code == 2 and missing.stderr.startswith("错误：")
    withdrawn = ev("case", "withdraw-file", str(case), str(file_id), "--reason", "误传")
    assert withdrawn.exit_code == 0 and "已撤回佐证材料" in withdrawn.stderr
    again = ev("case", "withdraw-file", str(case), str(file_id), "--reason", "误传")
    assert again.exit_code == 1 and "已撤回" in again.stderr
    files = json.loads(ok(ev("case", "files", str(case), "--format", "json")))
    assert not files[0]["current"] and len(blobs(store)) == 1
    history = json.loads(ok(ev("case", "history", str(case), "--format", "json")))
    assert history[-1]["action"] == "withdraw_file" and history[-1]["reason"] == "误传"
    assert "撤回佐证材料" in ok(ev("case", "history", str(case)))


def _polyglot_jpeg() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    return photo() + out.getvalue()


def _pdf_zip() -> bytes:
    return PDF + ofd()


BAD: list[tuple[str, bytes, str]] = [
    ("照片.jpg", PDF, "扩展名为 JPEG，内容却是 PDF"),
    ("说明.pdf", b"just some text, not a pdf", "内容不是允许的类型"),
    ("脚本.exe", b"MZ\x90\x00", "不是允许的类型"),
    ("图.jpg", _polyglot_jpeg(), "多重格式"),
    ("纪要.pdf", _pdf_zip(), "多重格式"),
    ("空.jpg", b"", "空文件"),
    ("坏.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "图片已损坏"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[2] for b in BAD])
def test_a_bad_file_is_refused_with_one_line_and_nothing_is_kept(ev: Run, case: int, tmp_path: Path, store: Path,
                                                                 db: Database, name: str, data: bytes,
                                                                 message: str) -> None:
    good = write(tmp_path, "好.jpg", photo())
    bad = write(tmp_path / "bad", name, data)
    before = snapshot(db)
    result = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(good),
                "--attach", str(bad))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("错误：") and message in result.stderr and result.stderr.count("\n") == 1
    assert snapshot(db) == before and blobs(store) == [] and not list((store / "tmp").glob("*"))


def test_limits_and_an_image_bomb_are_refused(ev: Run, case: int, tmp_path: Path, store: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config_file(tmp_path / "small", store, "max_photo_mb = 1\nmax_files_per_step = 2\n")
    small = {"env": {"RECTIFY_CONFIG": str(cfg)}}
    big = write(tmp_path, "大.jpg", photo() + b"\x00" * (1024 * 1024))
    result = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(big), **small)
    assert result.exit_code == 2 and "超过照片大小上限 1 MB" in result.stderr
    three = [write(tmp_path, f"{i}.jpg", photo()) for i in range(3)]
    result = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一",
                *(x for p in three for x in ("--attach", str(p))), **small)
    assert result.exit_code == 2 and "一次最多上传 2 个文件" in result.stderr
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    bomb = write(tmp_path, "炸弹.jpg", photo(size=(200, 200)))
    result = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(bomb))
    assert result.exit_code == 2 and "解压炸弹" in result.stderr
    assert blobs(store) == []


@pytest.mark.parametrize("name", ["../etc/passwd.jpg", "a\x07b.jpg", "..jpg"])
def test_a_bad_name_is_refused(name: str, tmp_path: Path) -> None:
    import io

    from rectify.config import Config
    from rectify.errors import BadInput
    from rectify.evidence.storage import LocalDisk
    from rectify.write.evidence import Upload, staged

    with pytest.raises(BadInput, match="文件名"), \
            staged([Upload(name, io.BytesIO(photo()))], Config(), LocalDisk(tmp_path / "ev")):
        pass
    assert not list((tmp_path / "ev").rglob("*.jpg"))


def test_a_refused_step_keeps_no_file(ev: Run, case: int, tmp_path: Path, store: Path, db: Database) -> None:
    a = write(tmp_path, "a.jpg", photo())
    before = snapshot(db)
    refused = ev("case", "strike-off", str(case), "--on", "2026-03-10", "--attach", str(a))
    assert refused.exit_code == 1 and refused.stderr.startswith("错误：")
    assert snapshot(db) == before and blobs(store) == [] and not list((store / "tmp").glob("*"))


def test_an_upload_outside_ones_scope_or_role_keeps_nothing(ev: Run, case: int, tmp_path: Path, store: Path,
                                                            db: Database, clock: FakeClock) -> None:
    from rectify.write.people import PersonInput, Registry

    registry = Registry(db, actor="管理员", clock=clock)
    registry.add(PersonInput("管理员", "县委组织部", "admin", "*"))
    registry.add(PersonInput("绿水乡长", "绿水县某乡", "township_leader", "绿水县/某乡"))
    registry.add(PersonInput("河口审计", "县纪委", "auditor", "青山县"))
    a = write(tmp_path, "a.jpg", photo())
    before = snapshot(db)
    other = ev("--actor", "绿水乡长", "case", "progress", str(case), "--on", "2026-03-10", "--note", "一",
               "--attach", str(a))
    assert other.exit_code != 0 and other.stderr.startswith("错误：")
    role = ev("--actor", "河口审计", "case", "progress", str(case), "--on", "2026-03-10", "--note", "一",
              "--attach", str(a))
    assert role.exit_code == 1 and role.stderr.startswith("错误：")
    assert snapshot(db) == before and blobs(store) == []


# -- the virus scan: a small clamd on a unix socket speaking INSTREAM -----------------------------------------


class FakeClamd:
    """Answers each INSTREAM with ``FOUND`` when the stream holds the EICAR marker, else ``OK``."""

    def __init__(self, path: Path) -> None:
        import socket
        import threading

        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.scanned: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import struct

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as f:
                assert f.read(10) == b"zINSTREAM\0"
                data = b""
                while (size := struct.unpack(">I", f.read(4))[0]) > 0:
                    data += f.read(size)
                self.scanned.append(data)
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def close(self) -> None:
        """Stopped as a crashed clamd is: the socket file stays, nobody listens."""
        import socket

        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=10)


def test_the_clamd_scan_passes_clean_files_refuses_a_finding_and_a_scanner_that_is_down(
        ev: Run, case: int, tmp_path: Path, store: Path) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="clamd-", dir="/tmp"))  # a unix socket's path is short
    clamd = FakeClamd(folder / "clamd.ctl")
    cfg = config_file(tmp_path / "scan", store, f'clamd = "unix://{clamd.path}"\n')
    scanned = {"env": {"RECTIFY_CONFIG": str(cfg)}}
    clean = write(tmp_path, "a.jpg", photo())
    try:
        ok(ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "一", "--attach", str(clean), **scanned))
        assert clamd.scanned == [clean.read_bytes()]
        infected = write(tmp_path, "b.pdf", PDF + b"%X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n")
        result = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "二", "--attach", str(infected),
                    **scanned)
        assert result.exit_code == 2 and "病毒扫描发现问题（Eicar-Test-Signature）" in result.stderr
    finally:
        clamd.close()
    down = ev("case", "progress", str(case), "--on", "2026-03-10", "--note", "三", "--attach", str(clean), **scanned)
    assert down.exit_code == 2 and "病毒扫描服务（clamd" in down.stderr and "无法连接" in down.stderr
    assert len(blobs(store)) == 1


def test_a_verifier_attaches_the_score_sheet_and_the_ledger_counts_the_files(ev: Run, wf: Workflow,
                                                                             clock: FakeClock, tmp_path: Path) -> None:
    add_org(wf)
    case = walk(wf, clock, "V001", "rectified")
    sheet, survey = write(tmp_path, "验收评分表.xlsx", xlsx()), write(tmp_path, "民主测评表.pdf", PDF)
    done = ev("--actor", "验收员", "case", "verify", str(case), "--on", "2026-03-10", "--by", "验收组",
              "--member", "验收员", "--score", "88", "--satisfied", "40", "--basic", "5", "--dissatisfied", "1",
              "--attach", f"{sheet}=评分表：验收评分表", "--attach", f"{survey}=测评表")
    assert done.exit_code == 0, done.output
    files = json.loads(ok(ev("case", "files", str(case), "--format", "json")))
    assert [(f["kind"], f["caption"], f["uploaded_by"]) for f in files] == [
        ("评分表", "验收评分表", "验收员"), ("测评表", "", "验收员")]
    ledger = json.loads(ok(ev("ledger", "--as-of", "2026-03-10", "--format", "json")))
    assert [c["evidence"] for c in ledger["cases"]] == [2]
    earlier = json.loads(ok(ev("ledger", "--as-of", "2026-03-09", "--format", "json")))
    assert [c["evidence"] for c in earlier["cases"]] == [0]


def test_the_readme_walk_on_the_demo(demo: Run, run: Run, tmp_path: Path, store: Path) -> None:
    """README "佐证材料": 韩青松 attaches two photos and the minutes to case 28, withdraws one, the admin exports."""
    cfg = {"RECTIFY_CONFIG": str(config_file(tmp_path, store))}
    han = lambda *a: run("--actor", "韩青松", *a, env=cfg)  # noqa: E731
    sign, board, minutes = (write(tmp_path, "警示牌.jpg", photo("red")), write(tmp_path, "公示栏.jpg", photo("blue")),
                            write(tmp_path, "支委会纪要.pdf", PDF))
    done = han("case", "progress", "28", "--on", "2026-06-30", "--note", "召开支委会，更换警示牌",
               "--attach", f"{sign}=照片：新的警示牌", "--attach", str(board), "--attach", f"{minutes}=会议纪要：6月支委会记录")
    assert done.exit_code == 0, done.output
    listed = demo("case", "files", "28", env=cfg)
    assert listed.exit_code == 0 and "支委会纪要.pdf" in listed.stdout and "6月支委会记录" in listed.stdout
    assert "警示牌.jpg" in demo("case", "history", "28", env=cfg).stdout
    withdrawn = han("case", "withdraw-file", "28", "2", "--reason", "传错了，应为7月照片")
    assert withdrawn.exit_code == 0 and "已撤回佐证材料 2（公示栏.jpg）" in withdrawn.stderr
    backup = tmp_path / "backup.jsonl"
    exported = run("--actor", "周文博", "export", "--all", str(backup), env=cfg)
    assert exported.exit_code == 0 and "已导出佐证材料 3 个" in exported.stderr
    assert len(list((tmp_path / "backup.jsonl.files").iterdir())) == 3
