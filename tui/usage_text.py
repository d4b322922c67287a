"""Token usage and cost as text, one notation for `inspect` and the viewer.

What a provider did not report is said so (`unreported`), and a cost that is not
known is `unknown` (or left out when no price table was given), never 0.
"""

from __future__ import annotations

import math

from tracer.rollup import UsageTotal
from tui.units import NONE


def tokens(count: int | None, *, compact: bool = False) -> str:
    """A token count: `12,345`, or for narrow places `12.3k`, `4.1M`. None: `NONE`."""
    if count is None:
        return NONE
    if not compact or count < 1000:
        return f"{count:,}"
    if count < 999_950:
        return f"{count / 1e3:.1f}k"
    return f"{count / 1e6:.1f}M"


def money(amount: float, currency: str = "USD") -> str:
    """`$1.50`, `$1,234.57`; under 1, three significant digits: `$0.50`, `$0.0123`,
    `$0.000021`. Another currency after the number: `0.0123 EUR`."""
    if amount >= 1:
        number = f"{amount:,.2f}"
    elif amount <= 0:
        number = "0"
    else:
        decimals = min(12, 2 - math.floor(math.log10(amount)))
        number = f"{amount:.{decimals}f}".rstrip("0")
        if len(number.split(".")[1]) < 2:
            number = f"{amount:.2f}"
    return f"${number}" if currency == "USD" else f"{number} {currency}"


def token_counts(total: UsageTotal, *, compact: bool = False) -> str:
    """`220 in · 20 out · 100 cached · 12 reasoning` (what is known of it); `NONE` if
    nothing was reported."""
    usage = total.usage
    parts = []
    if usage.input is not None:
        parts.append(f"{tokens(usage.input, compact=compact)} in")
    if usage.output is not None:
        parts.append(f"{tokens(usage.output, compact=compact)} out")
    if usage.cache_read:
        parts.append(f"{tokens(usage.cache_read, compact=compact)} cached")
    if usage.cache_write:
        parts.append(f"{tokens(usage.cache_write, compact=compact)} cache write")
    if usage.reasoning:
        parts.append(f"{tokens(usage.reasoning, compact=compact)} reasoning")
    if not parts and usage.total is not None:
        parts.append(f"{tokens(usage.total, compact=compact)} tokens")
    return " · ".join(parts) or NONE


def unreported(total: UsageTotal) -> str:
    """`1 of 4 calls unreported` ('' when every call's usage was reported)."""
    if total.complete:
        return ""
    if total.reported == 0:
        return "usage not reported" if total.calls == 1 else \
            f"usage of all {total.calls} calls not reported"
    return f"{total.unreported} of {total.calls} calls unreported"


def cost(total: UsageTotal, currency: str | None, *, compact: bool = False) -> str:
    """The cost: `$0.0123`; with calls of no known cost, `$0.0123 + unknown (1 call)`
    (`compact`: `≥$0.0123`, at least that much); `unknown` if none is known; '' without
    a price table (`currency` None)."""
    if currency is None or total.calls == 0:
        return ""
    known = total.known_cost
    if known is None:
        return "unknown"
    missing = total.calls - total.priced
    if missing and compact:
        return "≥" + money(known, currency)
    if missing:
        calls = "1 call" if missing == 1 else f"{missing} calls"
        return f"{money(known, currency)} + unknown ({calls})"
    return money(known, currency)


def summary(total: UsageTotal, currency: str | None, *, compact: bool = False) -> str:
    """One line: counts, what was unreported, the cost; '' when there were no calls."""
    if total.calls == 0:
        return ""
    parts = [token_counts(total, compact=compact) if total.reported else "",
             unreported(total), cost(total, currency)]
    return " · ".join(p for p in parts if p)


def brief(total: UsageTotal, currency: str | None) -> str:
    """For narrow places: `412 in/9 out · $0.000038`, `1 of 4 unreported`, `unreported`."""
    if total.calls == 0:
        return "no LLM calls"
    u = total.usage
    parts = []
    if total.reported:
        parts.append(f"{tokens(u.input, compact=True)} in/{tokens(u.output, compact=True)} out")
    if total.unreported:
        parts.append("unreported" if not total.reported else
                     f"{total.unreported} of {total.calls} unreported")
    money_text = cost(total, currency, compact=True)
    if money_text:
        parts.append(money_text)
    return " · ".join(parts)
