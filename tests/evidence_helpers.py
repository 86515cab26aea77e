"""Sample files for the 佐证材料 tests: real photos, PDF, OFD, DOCX, XLSX, and the bad ones (a polyglot, …)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def photo(colour: str = "red", size: tuple[int, int] = (64, 48), *, exif: bool = False) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, colour)
    if exif:
        data = Image.Exif()
        data[0x010F] = "RectifyCam"  # Make
        data[0x8825] = {2: (30.0, 15.0, 0.0)}  # GPS latitude
        img.save(out, "JPEG", exif=data)
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(out, "PNG")
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def ofd() -> bytes:
    return _zip({"OFD.xml": b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>", "Doc_0/Document.xml": b"<x/>"})


def docx() -> bytes:
    from docx import Document

    out = io.BytesIO()
    d = Document()
    d.add_paragraph("支委会会议纪要")
    d.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    wb = Workbook()
    wb.active.append(["项目", "分数"])
    wb.save(out)
    return out.getvalue()


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def config_file(folder: Path, evidence: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rectify.toml"
    path.write_text(f'[evidence]\nfolder = "{evidence}"\n{extra}', encoding="utf-8")
    return path
