"""``digest_send``'s floor (bench.digest_floor) sends the product's message, byte for byte, to a real aiosmtpd."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bench import digest_floor
from rectify.config import Config, ReportConfig
from rectify.demo.demo_data import DEMO_REPORT

from .test_bench import _demo_with_hostile_names


@pytest.fixture
def server() -> Iterator[tuple[int, digest_floor.LastMessage]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = digest_floor.LastMessage()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def _parts(raw: bytes) -> tuple[str, str, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    text, html = (part.get_content() for part in msg.iter_parts())  # type: ignore[attr-defined]
    return str(msg["Subject"]), text, html


def test_the_figure_checks_its_first_pair_and_measures_both() -> None:
    got = digest_floor.run(blocks=2, per_block=2)
    assert got["value"] > 0 and got["floor"] > 0 and got["unit"] == "ms"
    assert "the same bytes both (checked)" in got["note"]


def test_the_floor_sends_the_products_bytes_for_the_bench_digest(server: tuple[int, Any]) -> None:
    port, handler = server
    pair = digest_floor.Pair(port)
    raw = digest_floor.check(pair, handler, "officer0@example.cn", "赵经办", digest_floor.bench_items())
    pair.close()
    subject, text, html = _parts(raw)
    assert subject == "【整顿工作提醒】2026年6月30日 您有 3 项应办事项（其中逾期 1 项）"
    assert text.startswith("赵经办同志：") and "已逾期 8 天" in text and "转化时限：2026年7月7日；剩余 7 天" in text
    assert "<td style=\"color: #c00;\">已逾期 8 天</td>" in html


def test_the_floor_escapes_and_words_as_the_product_does(server: tuple[int, Any]) -> None:
    """Markup in names, a day due today, a supervised case, a title beside the name, a long display name (its
    headers folded by the email package), and a digest of briefs only."""
    port, handler = server
    items = digest_floor.bench_items()
    items[0] |= {"org_name": '<script>alert("x")</script> & 村', "township": "<b>镇</b>", "days_left": 0,
                 "supervised": True}
    pair = digest_floor.Pair(port)
    raw = digest_floor.check(pair, handler, "officer0@example.cn", "林正清（县委副书记）", items)
    subject, text, html = _parts(raw)
    assert text.startswith("林正清同志：") and "今天到期；挂牌督办" in text and '<script>alert("x")' in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 村" in html and "<b>镇</b>" not in html
    digest_floor.check(pair, handler, "leader@example.cn", "汤志诚（县委常委、副县长、县委组织部部长）", items)
    briefs = [i | {"kind": "brief"} for i in items]
    _, text, _ = _parts(digest_floor.check(pair, handler, "officer0@example.cn", "", briefs))
    assert text.startswith("各位同志：") and "专报如下" in text
    pair.close()


def _demo_digests(path: Path) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The digests a dry run of the reminders renders on the demo county (with the hostile names)."""
    from rectify.notifications.outbox import run_sweep
    from rectify.notifications.render import Renderer
    from rectify.store import open_database
    from rectify.store.outbox import SqlOutboxStore

    db = open_database(f"sqlite:///{path}")
    config = Config()
    digests: list[tuple[str, str, list[dict[str, Any]]]] = []

    class Recorded(Renderer):
        def render_text(self, recipient: str, recipient_name: str, as_of: date, items: Any) -> tuple[str, str]:
            digests.append((recipient, recipient_name, list(items)))
            return super().render_text(recipient, recipient_name, as_of, items)

    run_sweep(SqlOutboxStore(db), config, as_of=digest_floor.AS_OF, now=datetime(2026, 6, 30, 2, 0, tzinfo=UTC),
              renderer=Recorded(config.templates.folder, config.report), dry_run=True)
    db.dispose()
    return digests


def test_the_floor_sends_the_products_bytes_on_the_demo_county(
    sqlite_template: Path, tmp_path: Path, server: tuple[int, Any]
) -> None:
    """Every digest of the demo county's reminders (tasks, 抄送, measures, 联系人, the county's [report], markup in
    names and notes): the floor's message is the product's, as the server received it."""
    port, handler = server
    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    db.dispose()
    digests = _demo_digests(path)
    assert len(digests) > 5
    kinds: set[str] = set()
    htmls = []
    for report in (ReportConfig(), DEMO_REPORT):  # the default [report] and the demo county's (落款, phone)
        pair = digest_floor.Pair(port, report)
        for recipient, name, items in digests:
            raw = digest_floor.check(pair, handler, recipient, name, items)
            kinds.update(i["kind"] for i in items)
            htmls.append(_parts(raw)[2])
        pair.close()
    assert {"overdue", "measure_overdue"} <= kinds, kinds
    html = "\n".join(htmls)
    assert "（抄送）" in html and "整改措施 1：" in html and "联系人：" in html and DEMO_REPORT.unit in html


def test_a_broken_floor_fails_the_check(server: tuple[int, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A floor that words one day differently, or folds the subject otherwise, is caught by the figure's check."""
    port, handler = server
    items = digest_floor.bench_items()
    pair = digest_floor.Pair(port)
    pair.floor.text.environment.filters["days_left_text"] = lambda days: f"剩 {days} 天"
    with pytest.raises(AssertionError, match="the floor's message differs from the product's"):
        digest_floor.check(pair, handler, "officer0@example.cn", "赵经办", items)
    pair.floor.text.environment.filters["days_left_text"] = digest_floor.days_left_text
    digest_floor.check(pair, handler, "officer0@example.cn", "赵经办", items)
    monkeypatch.setattr(digest_floor, "_WORD_BYTES", 45)  # the subject folded otherwise
    with pytest.raises(AssertionError, match="the floor's message differs from the product's"):
        digest_floor.check(pair, handler, "officer0@example.cn", "赵经办", items)
    pair.close()
