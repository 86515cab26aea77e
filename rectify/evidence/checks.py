"""What a file is, from its content only, and whether it may be kept: each refusal one Chinese line.

The allow-list is JPEG, PNG, WebP, HEIC (photos) and PDF, OFD, DOCX, XLSX (documents). The name's extension is
the type the uploader claims; a content of another type is refused, as is a file that is two types at once (a
photo or PDF whose end is a zip archive, a photo with a PDF header), an empty one, one over its limit, an image
whose pixels exceed Pillow's decompression-bomb limit, and a name with a path or control characters in it.
"""

from __future__ import annotations

import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rectify.config import EvidenceConfig
from rectify.errors import BadInput

__all__ = ["TYPES", "FileType", "check_name", "inspect", "too_large"]

MB = 1024 * 1024
MAX_NAME = 200


@dataclass(frozen=True)
class FileType:
    label: str  # JPEG, PDF, …
    media_type: str
    extensions: tuple[str, ...]
    photo: bool = False


TYPES: dict[str, FileType] = {t.label: t for t in (
    FileType("JPEG", "image/jpeg", ("jpg", "jpeg"), True),
    FileType("PNG", "image/png", ("png",), True),
    FileType("WebP", "image/webp", ("webp",), True),
    FileType("HEIC", "image/heic", ("heic", "heif"), True),
    FileType("PDF", "application/pdf", ("pdf",)),
    FileType("OFD", "application/ofd", ("ofd",)),
    FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
)}
BY_EXTENSION = {ext: t for t in TYPES.values() for ext in t.extensions}
ALLOWED_WORDS = "JPEG、PNG、WebP、HEIC 照片或 PDF、OFD、DOCX、XLSX 文件"
ZIP_MEMBERS = (("OFD.xml", "OFD"), ("word/document.xml", "DOCX"), ("xl/workbook.xml", "XLSX"))
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def check_name(name: str) -> str:
    """The original name as given, or refused: empty, too long, a path, or control characters."""
    if not name or not name.strip():
        raise BadInput("文件名为空")
    if len(name) > MAX_NAME:
        raise BadInput(f"文件名过长（最多 {MAX_NAME} 个字符）")
    if "/" in name or "\\" in name or name.startswith("."):
        raise BadInput(f"文件名「{_shown(name)}」含有路径（/、\\ 或 ..），请改名后再上传")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise BadInput(f"文件名「{_shown(name)}」含有控制字符，请改名后再上传")
    return name


def _shown(name: str) -> str:
    return "".join(c if unicodedata.category(c)[0] != "C" else "?" for c in name)[:60]


def claimed(name: str) -> FileType:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = BY_EXTENSION.get(ext)
    if found is None:
        raise BadInput(f"「{_shown(name)}」不是允许的类型，只收 {ALLOWED_WORDS}")
    return found


def _sniff(path: Path, head: bytes) -> str | None:
    """The type by the content's own signature (``filetype`` for the magic numbers; the zip's members decide
    between OFD, DOCX and XLSX)."""
    import filetype

    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "HEIC"
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    simple = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "application/pdf": "PDF"}
    if mime in simple:
        return simple[mime]
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return next((label for member, label in ZIP_MEMBERS if member in names), None)
    return None


def too_large(t: FileType, size: int, config: EvidenceConfig) -> str | None:
    limit, what, key = ((config.max_photo_mb, "照片", "max_photo_mb") if t.photo
                        else (config.max_document_mb, "文件", "max_document_mb"))
    if size > limit * MB:
        return f"超过{what}大小上限 {limit} MB（[evidence] {key}）"
    return None


def _polyglot(path: Path, head: bytes, t: FileType) -> bool:
    """Also another type: a zip archive read from its end, a PDF header within the first KB, a web page."""
    if t.label in ("OFD", "DOCX", "XLSX"):
        return b"%PDF-" in head[:1024]
    if zipfile.is_zipfile(path):
        return True
    lowered = head.lower()
    return (t.label != "PDF" and b"%PDF-" in head[:1024]) or b"<script" in lowered or b"<html" in lowered


def _check_image(path: Path, t: FileType) -> None:
    """Opened with Pillow's decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``) and verified."""
    if t.label == "HEIC":  # Pillow reads no HEIC without a plugin: its signature and size are what is checked
        return
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                width, height = img.size
                limit = Image.MAX_IMAGE_PIXELS
                if limit is not None and width * height > limit:
                    raise BadInput(f"图片像素过多（{width}×{height}），疑似解压炸弹")
                img.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadInput("图片像素过多，疑似解压炸弹") from None
        except BadInput:
            raise
        except Exception:  # noqa: BLE001 - whatever Pillow raises on a broken image
            raise BadInput("图片已损坏，无法打开") from None


def inspect(path: Path, name: str, size: int, config: EvidenceConfig) -> FileType:
    """The file at ``path`` (``size`` bytes, uploaded as ``name``) checked; its type, or one refusal line."""
    check_name(name)
    expected = claimed(name)
    if size == 0:
        raise BadInput("是空文件（0 字节）")
    with open(path, "rb") as f:
        head = f.read(8192)
    label = _sniff(path, head)
    if label is None:
        raise BadInput(f"内容不是允许的类型，只收 {ALLOWED_WORDS}")
    t = TYPES[label]
    if t is not expected:
        raise BadInput(f"扩展名为 {expected.label}，内容却是 {t.label}")
    over = too_large(t, size, config)
    if over:
        raise BadInput(over)
    if _polyglot(path, head, t):
        raise BadInput(f"内容同时是 {t.label} 和另一种格式（多重格式文件），不予接收")
    if t.photo:
        _check_image(path, t)
    return t
