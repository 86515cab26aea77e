"""Thumbnails of photos for the case page: made with Pillow once, turned upright, without their EXIF (where
and when a photo was taken stays in the original, which only a download gives)."""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["thumbnail"]

SIZE = (320, 320)


def thumbnail(original: Path, target: Path) -> Path | None:
    """``target`` (a JPEG) made from ``original`` if not there yet; None when Pillow cannot read it (HEIC)."""
    if target.exists():
        return target
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(original) as img:
                upright = ImageOps.exif_transpose(img) or img
                upright.thumbnail(SIZE)
                small = upright.convert("RGB")
    except Exception:  # noqa: BLE001 - no thumbnail is not an error; the file is still there
        return None
    partial = target.with_name(target.name + ".part")
    small.save(partial, "JPEG", quality=80)  # no exif= given: none written
    partial.replace(target)
    return target
