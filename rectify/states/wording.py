"""How the product words a number of days, once, for the ledger, the calendar and the mails."""

from __future__ import annotations


def days_left_text(days: int) -> str:
    """剩余 5 天, 今天到期, 已逾期 10 天: never a negative number of days left."""
    if days < 0:
        return f"已逾期 {-days} 天"
    if days == 0:
        return "今天到期"
    return f"剩余 {days} 天"
