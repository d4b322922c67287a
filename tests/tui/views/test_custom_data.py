"""Custom events of a step or a whole run, from real recorded runs."""

from __future__ import annotations

from collections.abc import Callable

from tracer import Trace
from tui.views.custom_data import clock, custom_rows
from tui.views.event_source import EventSource, run_events, step_events


class TestCustomRows:
    """Rows for the custom events table."""

    def test_step_rows(self, open_scenario: Callable[[str], Trace]) -> None:
        """The tool's progress payloads of step 2, with their node."""
        rows = custom_rows(step_events(EventSource(open_scenario("agent")), 0, 2))
        assert [(r.step, r.node) for r in rows] == [(2, "tools"), (2, "tools")]
        assert rows[0].text == "{'tool': 'get_weather', 'status': 'looking up Paris'}"

    def test_run_rows_in_order(self, open_scenario: Callable[[str], Trace]) -> None:
        """The whole run's custom events, in order, across steps."""
        rows = custom_rows(run_events(EventSource(open_scenario("notes")), 0, {"custom"}))
        assert [(r.step, r.node, r.text) for r in rows] == [
            (1, "write", "{'progress': 'writing', 'pct': 50}"), (2, "a", "'from a'")]
        assert rows[0].t <= rows[1].t

    def test_clock(self) -> None:
        """ns since the start read as seconds."""
        assert clock(1_234_567_890) == "+1.235 s"
