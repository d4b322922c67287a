"""Step list rows, the run tree and event search, read from traces without Textual."""

from __future__ import annotations

from pathlib import Path

import tracer
from tui.event_search import search_steps
from tui.run_paths import breadcrumb, parent_step, run_nodes
from tui.step_rows import RowCache, StepRow


class TestRows:
    """What each row says about its step."""

    def test_agent_rows(self, agent_trace: Path) -> None:
        """Nodes, LLM marks on the model's steps, none elsewhere."""
        with tracer.open_trace(agent_trace) as trace:
            rows = RowCache(trace, 0)
            got = [rows.row(i) for i in range(len(rows))]
        assert [r.step for r in got] == [0, 1, 2, 3, 4, 5]
        assert [r.nodes for r in got][1:] == [("agent",), ("tools",)] * 2 + [("agent",)]
        assert [r.llm_calls for r in got] == [0, 1, 0, 1, 0, 1]
        assert all(r.duration_ns is not None and r.complete for r in got)
        assert got[1].marks == "◆1" and got[2].marks == ""

    def test_failed_step(self, failing_trace: Path) -> None:
        """The failing step: an error mark, found by `find`; the run never finished it."""
        with tracer.open_trace(failing_trace) as trace:
            rows = RowCache(trace, 0)
            assert rows.find(0, "error") == 2
            assert rows.find(2, "error") is None
            row = rows.row(2)
        assert row.errors == 1 and row.nodes == ("boom",) and row.marks == "✗"

    def test_marks(self) -> None:
        row = StepRow(3, errors=1, interrupts=1, llm_calls=2, broken=True)
        assert row.marks == "✗ ‖ ◆2 ⚠"

    def test_index_of_and_refresh(self, counter_trace: Path) -> None:
        with tracer.open_trace(counter_trace) as trace:
            rows = RowCache(trace, 0)
            assert len(rows) == 61
            assert rows.index_of(42) == 42 and rows.index_of(99) is None
            assert rows.refresh() == 0


class TestRunPaths:
    """The run tree and breadcrumb of a trace with a subgraph."""

    def test_tree(self, subgraph_trace: Path) -> None:
        with tracer.open_trace(subgraph_trace) as trace:
            nodes = run_nodes(trace)
            assert [(n.run, n.parent, n.label) for n in nodes][1] == (1, 0, "inner")
            assert [n.run for n in breadcrumb(nodes, 1)] == [0, 1]
            assert parent_step(trace, 1, 0) == 2


class TestSearch:
    """search_steps finds the steps whose events hold the text."""

    def test_finds_steps(self, agent_trace: Path) -> None:
        with tracer.open_trace(agent_trace) as trace:
            assert search_steps(trace, 0, "tokyo is WARMER") == [5]
            assert search_steps(trace, 0, "") == []
            assert search_steps(trace, 0, "no such text anywhere") == []
            assert search_steps(trace, 0, "x", cancelled=lambda: True) == []


def test_a_fan_out_is_counted_not_repeated() -> None:
    from tui.step_rows import node_list

    assert node_list(("shout", "shout", "shout")) == "shout ×3"
    assert node_list(("split", "shout", "join", "shout")) == "split, shout ×2, join"
    assert node_list(("a",)) == "a"
