"""The dry run's recording (``remind run --dry-run``): what a sweep would record and send, found without writing.

A real sweep inserts its digests and items, drops the digests that got no new item and writes each rendered
body back (:func:`rectify.notifications.outbox._record`). A dry run writes none of it: for each batch of
recipients it asks the outbox which of the planned items it holds already (their dedupe key, read only), keeps
the others, and renders only what it prints — the subject and the text of an e-mail digest (the HTML part is
never printed), each other channel's message as it would go. The digests are the ones the recording would keep,
in the same order with the same items, so the printed digests are those of a real run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from operator import attrgetter, itemgetter
from typing import Any

from rectify.config import Config
from rectify.notifications.channels.port import split_recipient
from rectify.notifications.channels.render import render_delivery
from rectify.notifications.render import Renderer, TemplateProblem, UnsafeTemplate
from rectify.notifications.store import OutboxStore, Preview
from rectify.notifications.sweeping import Planned, whole_groups

ITEM_KEY = ("case_id", "kind", "stage", "due_on", "offset_days", "recipient")
_KEY = attrgetter(*ITEM_KEY)
_SORTED = itemgetter(0, 1, 2, 3, 4, 5)  # the same key in the order the rows come in (outbox._RECIPIENT_ORDER)
_ITEM_ORDER = itemgetter("case_id", "kind", "due_on")  # a digest's items, as the recording orders them
_RECIPIENT = attrgetter("recipient")


def preview_sweep(store: OutboxStore, config: Config, as_of: date, planned: Iterable[Planned],
                  renderer: Renderer, on_digest: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    """The digests a recording of ``planned`` (in recipient order) would keep, each handed to ``on_digest`` as it
    is rendered; nothing written."""
    kept: list[dict[str, Any]] = []
    with store.previewing() as look:
        for batch in whole_groups(planned, _RECIPIENT):
            for digest in _preview(look, config, as_of, batch, renderer):
                if on_digest is not None:
                    on_digest(digest)
                    digest = {k: v for k, v in digest.items() if k != "body_text"}
                kept.append(digest)
    return kept


def _preview(look: Preview, config: Config, as_of: date, planned: list[Planned], renderer: Renderer
             ) -> list[dict[str, Any]]:
    """One batch of recipients, as :func:`rectify.notifications.outbox._record` would record it.

    The rows come ordered by their dedupe key (the recipient first, :data:`_SORTED`), so a second row of one key —
    not new either — is the one just before it; the outbox is asked about the keys only when it holds any."""
    held = set() if getattr(look, "empty", False) else look.recorded(list(map(_KEY, planned)))
    names: dict[str, str] = {}
    problems: dict[str, str] = {}
    new: dict[str, list[dict[str, Any]]] = defaultdict(list)
    last = None
    for p in planned:  # one pass: the names, the problems, the items not held
        recipient = p.recipient
        if p.name and recipient not in names:
            names[recipient] = p.name
        if p.problem:
            problems[recipient] = p.problem
        key = _SORTED(p)
        if key == last or (held and _KEY(p) in held):
            continue
        last = key
        item = dict(zip(p.names, p.values, strict=True))
        item["role"] = p.role
        new[recipient].append(item)
    out: list[dict[str, Any]] = []
    for recipient in sorted(new):
        its = sorted(new[recipient], key=_ITEM_ORDER)
        name = names.get(recipient, "")
        channel, address = split_recipient(recipient)
        if channel == "email":
            subject, text, problem = _render_text(renderer, recipient, name, as_of, its)
        else:
            subject, text, problem = render_delivery(channel, address, name, as_of, its, config)
        out.append({"id": None, "channel": channel, "recipient": recipient, "recipient_name": name,
                    "items": len(its), "subject": subject, "body_text": text,
                    "failed": problems.get(recipient) or problem})
    return out


def _render_text(renderer: Renderer, recipient: str, name: str, as_of: date, items: Sequence[dict[str, Any]]
                 ) -> tuple[str, str, str]:
    """(subject, text, problem) as :func:`rectify.notifications.outbox._render_one` gives them, the HTML unrendered."""
    try:
        subject, text = renderer.render_text(recipient, name, as_of, items)
    except UnsafeTemplate:
        raise
    except TemplateProblem as exc:
        return "", "", f"无法生成邮件：{exc}"
    if not subject:
        return "", text, "无法生成邮件：邮件主题为空（检查模板 subject.txt）"
    return subject, text, ""
