"""Token counts and costs as text: unknown never shown as 0."""

from __future__ import annotations

import pytest

from tracer.rollup import UsageTotal
from tracer.usage import Usage
from tui import usage_text
from tui.views.token_track import wrapped


class TestNumbers:
    @pytest.mark.parametrize("amount, text", [
        (0, "$0"), (2.1e-05, "$0.000021"), (0.0123456, "$0.0123"), (0.5, "$0.50"),
        (1.5, "$1.50"), (1234.567, "$1,234.57"), (0.00999, "$0.00999")])
    def test_money(self, amount: float, text: str) -> None:
        assert usage_text.money(amount) == text

    def test_other_currency(self) -> None:
        assert usage_text.money(0.5, "EUR") == "0.50 EUR"

    def test_tokens(self) -> None:
        assert usage_text.tokens(12345) == "12,345"
        assert usage_text.tokens(12345, compact=True) == "12.3k"
        assert usage_text.tokens(4_100_000, compact=True) == "4.1M"
        assert usage_text.tokens(None) == usage_text.NONE


class TestTotals:
    """How a sum of calls reads."""

    def test_reported(self) -> None:
        total = UsageTotal(2, 2, Usage(1200, 30, 1230, cache_read=1000), 2, 0.0042)
        assert usage_text.summary(total, "USD") == "1,200 in · 30 out · 1,000 cached · $0.0042"
        assert usage_text.brief(total, None) == "1.2k in/30 out"

    def test_unreported_is_said_not_zero(self) -> None:
        none = UsageTotal(1, 0, Usage.EMPTY, 0, 0.0)
        assert usage_text.summary(none, "USD") == "usage not reported · unknown"
        assert usage_text.brief(none, None) == "unreported"
        part = UsageTotal(4, 3, Usage(10, 5), 3, 0.25)
        assert usage_text.cost(part, "USD") == "$0.25 + unknown (1 call)"
        assert usage_text.cost(part, "USD", compact=True) == "≥$0.25"
        assert usage_text.unreported(part) == "1 of 4 calls unreported"

    def test_no_prices_no_cost(self) -> None:
        total = UsageTotal(1, 1, Usage(1, 1), 0, 0.0)
        assert usage_text.cost(total, None) == ""
        assert "$" not in usage_text.summary(total, None)


class TestWrapped:
    def test_breaks_at_separators(self) -> None:
        line = "step 1: 412 in/9 out · $0.000038 │ run 0: 1.1k in/169 out · $0.00118"
        assert wrapped(line, 80) == [line]
        assert wrapped(line, 40) == ["step 1: 412 in/9 out · $0.000038",
                                     "  run 0: 1.1k in/169 out · $0.00118"]
        assert all(len(part) <= 20 for part in wrapped(line, 20))
