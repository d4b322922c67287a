"""Raw events: reading frames lazily, filter syntax, rows and search on real traces."""

from __future__ import annotations

from collections.abc import Callable

from tracer import Trace
from tui.views.event_source import step_events
from tui.views.raw_data import event_line, parse_filter
from tui.views.raw_index import filter_rows, find_row, scan_run


def rows_for(trace: Trace, text: str, run: int = 0) -> list[str]:
    ((offsets, codes),) = scan_run(trace, run)
    rows = filter_rows(trace, offsets, codes, parse_filter(text))
    return [trace.read(o).kind for o in rows]


class TestStepEvents:
    """A step's events, read by hopping heads and decoding only the step's frames."""

    def test_step_events_match_the_tracer(self, open_scenario: Callable[[str], Trace]) -> None:
        """A step's events are the tracer's `step_events` for the step."""
        trace = open_scenario("notes")
        for step in (1, 2, 3):
            assert step_events(trace, 0, step) == trace.step_events(step, 0)


class TestFilter:
    """The filter line's syntax."""

    def test_parse(self) -> None:
        """Keys, comma alternatives, negation, words, and what was not understood."""
        flt = parse_filter("kind:token,custom -node:agent hello kind:nope step:")
        assert [(t.key, t.values, t.negated) for t in flt.terms] == [
            ("kind", ("token", "custom"), False), ("node", ("agent",), True),
            ("", ("hello",), False), ("kind", ("nope",), False)]
        assert flt.problems == ("kind:nope", "step:")

    def test_kind_filter_needs_no_decoding(self) -> None:
        """Kind terms alone are checked on the kind byte."""
        assert not parse_filter("kind:token -kind:custom").needs_event
        assert parse_filter("node:agent").needs_event

    def test_rows_by_kind_node_and_word(self, open_scenario: Callable[[str], Trace]) -> None:
        """Filters on a real run: tokens of the agent node, custom events, a word."""
        trace = open_scenario("agent")
        assert set(rows_for(trace, "kind:token")) == {"token"}
        tokens = rows_for(trace, "kind:token node:agent")
        assert len(tokens) == len(rows_for(trace, "kind:token")) > 10
        assert rows_for(trace, "kind:custom,run_end") == ["custom", "custom", "run_end"]
        assert rows_for(trace, "node:tools -kind:custom") == ["task_start", "task_end"] * 2
        assert rows_for(trace, "kind:token paris.") == ["token"]
        assert "keyframe" not in rows_for(trace, "")

    def test_namespace_filter(self, open_scenario: Callable[[str], Trace]) -> None:
        """`ns:root` keeps the root graph's events (all of them in a flat graph)."""
        trace = open_scenario("send")
        assert rows_for(trace, "ns:root") == rows_for(trace, "")
        assert rows_for(trace, "ns:inner") == []

    def test_subgraph_run(self, open_scenario: Callable[[str], Trace]) -> None:
        """A subgraph run lists its own events; the root run finds them with `ns:inner`."""
        trace = open_scenario("subgraph")
        sub = next(r.number for r in trace.runs if r.ns)
        own = rows_for(trace, "", sub)
        assert own[0] == "run_start" and own[-1] == "run_end" and "custom" in own
        assert rows_for(trace, "ns:inner") == own
        assert "custom" not in rows_for(trace, "ns:root")


class TestLinesAndSearch:
    """Event lines and searching them."""

    def test_lines_name_what_happened(self, open_scenario: Callable[[str], Trace]) -> None:
        """task_end lines name the node, its duration and what it wrote; errors show."""
        trace = open_scenario("failing")
        lines = [event_line(e) for e in trace.events({"task_end"})]
        assert " task_end " in lines[0] and "pre" in lines[0] and "wrote [notes]" in lines[0]
        assert "✗ ValueError: boom: the answer was 42" in lines[1]

    def test_find_forward_backward_and_wrap(self, open_scenario: Callable[[str], Trace]) -> None:
        """Search goes either way from a row and wraps around."""
        trace = open_scenario("send")
        source = trace
        ((rows, _),) = scan_run(source, 0)
        hits = [i for i, o in enumerate(rows) if "task_end" in event_line(source.read(o))]
        assert len(hits) == 4
        assert find_row(source, rows, "TASK_END", 0, 1) == hits[0]
        assert find_row(source, rows, "task_end", hits[0] + 1, 1) == hits[1]
        assert find_row(source, rows, "task_end", hits[0] - 1, -1) == hits[-1]
        assert find_row(source, rows, "task_end", hits[-1] + 1, 1) == hits[0]
        assert find_row(source, rows, "no such text", 0, 1) is None
