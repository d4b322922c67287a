"""Custom events of a step or a whole run, from real recorded runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tracer import Trace
from tui.views.custom_data import CustomRow, clock, custom_list, custom_row


def rows_of(trace: Trace, step: int | None) -> list[CustomRow]:
    """The rows of a step's (or, with None, the whole run's) listed custom events."""
    return [custom_row(trace.read(o)) for o in custom_list(trace, 0, step).offsets]


class TestCustomRows:
    """Rows for the custom events table."""

    def test_step_rows(self, open_scenario: Callable[[str], Trace]) -> None:
        """The tool's progress payloads of step 2, with their node."""
        rows = rows_of(open_scenario("agent"), 2)
        assert [(r.step, r.node) for r in rows] == [(2, "tools"), (2, "tools")]
        assert rows[0].text == "{'tool': 'get_weather', 'status': 'looking up Paris'}"

    def test_run_rows_in_order(self, open_scenario: Callable[[str], Trace]) -> None:
        """The whole run's custom events, in order, across steps."""
        rows = rows_of(open_scenario("notes"), None)
        assert [(r.step, r.node, r.text) for r in rows] == [
            (1, "write", "{'progress': 'writing', 'pct': 50}"), (2, "a", "'from a'")]
        assert rows[0].t <= rows[1].t

    def test_clock(self) -> None:
        """ns since the start read as seconds."""
        assert clock(1_234_567_890) == "+1.235 s"


class TestCustomList:
    """Frame offsets, steps and column widths of a step's or a run's custom events."""

    def test_step_list(self, open_scenario: Callable[[str], Trace]) -> None:
        """Step 2's two events, their lines laid out under the header."""
        source = open_scenario("agent")
        found = custom_list(source, 0, 2)
        assert list(found.steps) == [2, 2]
        columns = found.columns
        lines = [columns.line(source.read(o)) for o in found.offsets]
        assert columns.header == " time      step  node   payload"
        assert lines[0].endswith("  2     tools  {'tool': 'get_weather', 'status': "
                                 "'looking up Paris'}")
        assert max(len(line) for line in lines) + 1 == columns.width

    def test_run_list(self, open_scenario: Callable[[str], Trace]) -> None:
        """The whole run's events; index_of_step finds a step's first (or the last row)."""
        found = custom_list(open_scenario("notes"), 0, None)
        assert list(found.steps) == [1, 2]
        assert [found.index_of_step(s) for s in (0, 1, 2, 3)] == [0, 0, 1, 1]

    def test_own_namespace_only(self, open_scenario: Callable[[str], Trace]) -> None:
        """A subgraph's custom events belong to its run, not to the parent's."""
        source = open_scenario("subgraph")
        assert list(custom_list(source, 0, None).steps) == []
        assert list(custom_list(source, 1, None).steps) == [1]

    def test_empty(self, open_scenario: Callable[[str], Trace]) -> None:
        """No events: the columns are their titles' width."""
        found = custom_list(open_scenario("agent"), 0, 1)
        assert not found.offsets and found.columns.header == " time  step  node  payload"
        assert found.index_of_step(4) == 0

    def test_seq_order(self, open_scenario: Callable[[str], Trace],
                       monkeypatch: pytest.MonkeyPatch) -> None:
        """Frames met out of seq order are listed in seq order, their steps with them."""
        source = open_scenario("notes")
        found = custom_list(source, 0, None)
        hop = source.hop

        def backwards(start: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
            return iter(list(hop(start, stop))[::-1])

        monkeypatch.setattr(source, "hop", backwards)
        again = custom_list(source, 0, None)
        assert (again.offsets, again.steps) == (found.offsets, found.steps)
