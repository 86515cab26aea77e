"""佐证材料 (SPEC §14): the files that prove a step, checked on the way in and kept by their SHA-256.

:mod:`.checks` decides what a file is from its content (an allow-list), refuses polyglots, empty files, files
over the limits, image bombs and bad names; :mod:`.clamd` asks a virus scanner when one is configured;
:mod:`.storage` is the port the bytes go through (a local-disk adapter); :mod:`.thumbs` makes the photos'
thumbnails without their EXIF. The rows live in ``evidence_file`` (:mod:`rectify.store.evidence`); the write side
is :mod:`rectify.write.evidence`.
"""

from __future__ import annotations

PHOTO = "照片"
KINDS = (PHOTO, "会议纪要", "整改报告", "评分表", "测评表", "批复", "其他")
OTHER = "其他"

__all__ = ["KINDS", "OTHER", "PHOTO"]
