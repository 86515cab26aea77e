"""The report package (报送包, SPEC §15): a county's ledger, Party form and 名单 frozen as of the period's end,
known on the submit day, in one zip with a signed manifest; and the checks a receiver makes on one.

The manifest names the county, the period, the as-of and known-on days, the schema version, the counts
and the SHA-256 of each file; ``manifest.sig`` is the installation key's signature over the manifest's
bytes. A receiver refuses a package whose signature or any file's hash fails, before reading a figure.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rectify.config import Config
from rectify.errors import BadInput, Refused
from rectify.signing import SigningKey, verify
from rectify.states.permissions import Actor
from rectify.states.reporting import Period, case_key
from rectify.states.stages import Stage
from rectify.store import SCHEMA_HEAD, Database

__all__ = ["FORMAT", "Package", "build_package", "read_package"]

FORMAT = "rectify-report"
VERSION = 1
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
FILES = ("ledger.json", "form.json", "list.json", "evidence.json")
_MAX_BYTES = 512 * 1024 * 1024  # a package larger than this (unpacked) is refused unread


@dataclass(frozen=True)
class Package:
    manifest: dict[str, Any]
    files: dict[str, Any]  # name → parsed JSON
    digest: str  # SHA-256 of the package file
    data: bytes


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _contents(db: Database, config: Config, *, county: str, code: str, period: Period, known_on: date,
              reader: Actor | None) -> dict[str, Any]:
    from rectify.reports.ledger import LedgerFilter, json_row, ledger_rows
    from rectify.reports.stats import compute_stats

    filters = LedgerFilter(county=county, reader=reader)
    ledger = []
    for row in ledger_rows(db, as_of=period.end, config=config, filters=filters, known_on=known_on):
        item = json_row(row)
        item["case_key"] = case_key(code, item["case_id"])
        ledger.append(item)
    stats = compute_stats(db, as_of=period.end, config=config, filters=filters, year=period.year,
                          known_on=known_on)
    return {"ledger.json": ledger, "form.json": stats["form"], "list.json": _name_list(db, config, county, period),
            "evidence.json": _evidence_index(db, ledger, period.end, known_on)}


def _evidence_index(db: Database, ledger: list[dict[str, Any]], as_of: date, known_on: date) -> list[dict[str, Any]]:
    """The 佐证材料 of the reported cases, by hash (SPEC §14, §15): which file proves which case, not the bytes."""
    from datetime import UTC, datetime, time, timedelta

    from rectify.store.evidence import index_of

    keys = {row["case_id"]: row["case_key"] for row in ledger}
    known_by = datetime.combine(known_on + timedelta(days=1), time(), UTC)
    with db.connect() as conn:
        rows = index_of(conn, list(keys), as_of=as_of, known_by=known_by)
    return [{"case_key": keys[r.case_id], "sha256": r.sha256, "size": r.size, "media_type": r.media_type,
             "name": r.name, "kind": r.kind, "caption": r.caption, "on": r.happened_on.isoformat()} for r in rows]


def _name_list(db: Database, config: Config, county: str, period: Period) -> dict[str, Any]:
    """The year's 名单 if the 县委常委会 had fixed it by the period's end; empty otherwise."""
    from rectify.errors import NotFound
    from rectify.reports.screening import screening_view

    try:
        view = screening_view(db, config, county=county, year=period.year)
    except NotFound:
        return {"decided_on": None, "organizations": None, "rows": []}
    if not view["decided_on"] or date.fromisoformat(view["decided_on"]) > period.end:
        return {"decided_on": None, "organizations": view["organizations"], "rows": []}
    return {"decided_on": view["decided_on"], "meeting": view["meeting"], "doc": view["doc"],
            "organizations": view["organizations"], "screened": view["screened"],
            "townships": view["townships"], "rows": view["list"]}


def build_package(db: Database, config: Config, key: SigningKey, *, county: str, period: Period, known_on: date,
                  submitted_at: datetime, submitted_by: str, reader: Actor | None = None) -> Package:
    code = config.reporting.county_code or county
    files = {name: _dump(value) for name, value in _contents(
        db, config, county=county, code=code, period=period, known_on=known_on, reader=reader).items()}
    parsed = {name: json.loads(data) for name, data in files.items()}
    form_total = parsed["form.json"]["rows"][0]["values"]  # 总计
    manifest = {
        "format": FORMAT, "version": VERSION, "county": county, "county_code": code, "period": period.code,
        "as_of": period.end.isoformat(), "known_on": known_on.isoformat(),
        "submitted_at": submitted_at.isoformat(), "submitted_by": submitted_by, "schema": SCHEMA_HEAD,
        "counts": {"cases": len(parsed["ledger.json"]), "listed": len(parsed["list.json"]["rows"]),
                   "evidence": len(parsed["evidence.json"]),
                   "form_identified": form_total.get(Stage.identified.value),
                   "form_converted": form_total.get("converted")},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        "public_key": key.public,
    }
    head = _dump(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in ((MANIFEST, head), (SIGNATURE, key.sign(head).encode("ascii")), *files.items()):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    data = out.getvalue()
    return Package(manifest, parsed, hashlib.sha256(data).hexdigest(), data)


def _members(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > _MAX_BYTES:
                raise BadInput("报送包过大，未读取")
            names = [i.filename for i in infos]
            if sorted(names) != sorted((MANIFEST, SIGNATURE, *FILES)):
                raise BadInput(f"报送包的文件与格式不符（应为 {MANIFEST}、{SIGNATURE}、{'、'.join(FILES)}）")
            return {name: z.read(name) for name in names}
    except (zipfile.BadZipFile, EOFError, OSError):
        raise BadInput("这不是 rectify report submit 生成的报送包（不是有效的 zip 文件）") from None


def read_package(data: bytes) -> Package:
    """The package checked: its form, the manifest's signature, every file's hash; else one line."""
    members = _members(data)
    try:
        manifest = json.loads(members[MANIFEST])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput("报送包的清单 manifest.json 无法读取") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput("这不是 rectify report submit 生成的报送包（清单格式不符）")
    if manifest.get("version") != VERSION:
        raise BadInput(f"报送包格式版本 {manifest.get('version')} 不受支持（本程序为 {VERSION}）")
    signature = members[SIGNATURE].decode("ascii", "replace").strip()
    if not verify(str(manifest.get("public_key", "")), members[MANIFEST], signature):
        raise Refused(f"报送包签名校验失败：清单（{manifest.get('county', '?')} {manifest.get('period', '?')}）"
                      "不是由其声明的密钥签署，或已被改动")
    _check_manifest(manifest)
    hashes = manifest["files"]
    for name in FILES:
        if hashlib.sha256(members[name]).hexdigest() != hashes.get(name):
            raise Refused(f"报送包文件 {name} 的 SHA-256 与清单不符（{manifest['county']} {manifest['period']}），"
                          "文件已被改动")
    try:
        files = {name: json.loads(members[name]) for name in FILES}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput("报送包中的文件无法读取") from None
    if not isinstance(files["ledger.json"], list) or not isinstance(files["form.json"], dict):
        raise BadInput("报送包中的台账或统计表格式不符")
    return Package(manifest, files, hashlib.sha256(data).hexdigest(), data)


def _check_manifest(m: dict[str, Any]) -> None:
    """The manifest's fields of the expected kinds (signed, yet from another version or a hand-made file)."""
    texts = ("county", "county_code", "period", "submitted_by", "public_key", "submitted_at")
    try:
        ok = all(isinstance(m.get(k), str) and m[k] for k in texts if k != "submitted_by") \
            and isinstance(m.get("submitted_by"), str) and isinstance(m.get("counts"), dict) \
            and isinstance(m["counts"].get("cases"), int) and isinstance(m.get("files"), dict)
        date.fromisoformat(str(m.get("as_of")))
        date.fromisoformat(str(m.get("known_on")))
    except ValueError:
        ok = False
    if not ok:
        raise BadInput("报送包清单的字段不完整或格式不符")
