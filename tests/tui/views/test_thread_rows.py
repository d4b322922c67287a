"""The thread step list's model: marker lines, and lines placed by (run, step)."""

from __future__ import annotations

from pathlib import Path

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.types import Command, Interrupt
from tests.tracer.graphs import asking
from tracer.threads import Link
from tracer.trace_threads import trace_threads
from tui.thread_rows import ThreadRows, asked, lines_of, marker_text


class TestMarkers:
    """What the line between two runs says."""

    def test_resume_names_what_the_interrupt_asked(self) -> None:
        question = Interrupt({"question": "Send it?", "draft": "…"}, id="i1")
        assert marker_text(Link("resume", 0), 1, [question]) == "‖ run 1 · resumed: Send it?"
        assert marker_text(Link("resume", 0), 1, []) == "↻ run 1 · resumed"

    def test_fork_and_new_input(self) -> None:
        fork = Link("fork", 0, {"run_id": "r", "step": 3, "run": 0})
        assert marker_text(fork, 4, []) == "⑂ run 4 · fork of run 0 @ step 3"
        elsewhere = Link("fork", None, {"run_id": "r", "step": None, "run": None})
        assert marker_text(elsewhere, 4, []) == "⑂ run 4 · fork of another trace"
        assert marker_text(Link("start", 2), 3, []) == "▶ run 3 · new input"

    def test_asked_is_short_and_safe(self) -> None:
        """A long or hostile value is cut and its control characters shown escaped."""
        long = asked([Interrupt("x" * 200, id="i")])
        assert len(long) == 40 and long.endswith("…")
        hostile = asked([Interrupt("\x1b[2Jwipe\nthe screen", id="i")])
        assert "\x1b" not in hostile and "\\x1b" in hostile and "\n" not in hostile
        assert asked([Interrupt(1, id="a"), Interrupt(2, id="b")]) == "1 (+1)"
        assert asked([{"value": [1, 2]}]) == "[1, 2]"


def recorded(tmp_path: Path) -> Path:
    graph = asking(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    path = tmp_path / "t.stepscope"
    with tracer.record(path):
        graph.invoke({"topic": "x", "log": []}, config)
        graph.invoke(Command(resume="cats"), config)
    return path


class TestLines:
    """Lines of a real two-run thread."""

    def test_place_and_index(self, tmp_path: Path) -> None:
        with tracer.open_trace(recorded(tmp_path)) as trace:
            rows = lines_of(trace, trace_threads(trace), 1)
            assert isinstance(rows, ThreadRows) and rows.runs == [0, 1]
            first, second = trace.steps(0), trace.steps(1)
            assert len(rows) == len(first) + 1 + len(second)
            marker = len(first)
            assert rows.is_marker(marker) and rows.row(marker).marker is not None
            assert rows.place(marker) == (1, second[0])  # a marker: its run's first step
            assert rows.step_index(marker, 1) == marker + 1
            assert rows.step_index(marker, -1) == marker - 1
            assert rows.index_of(second[-1], 1) == len(rows) - 1
            assert rows.index_of(first[0], 0) == 0 and rows.index_of(99, 1) is None
            assert rows.steps(1) == second and rows.find(0, "llm") is None
            assert rows.row(marker - 1).interrupts  # run 0 ended at the interrupt

    def test_a_lone_run_is_a_plain_row_cache(self, tmp_path: Path) -> None:
        from tui.step_rows import RowCache

        with tracer.open_trace(recorded(tmp_path)) as trace:
            assert isinstance(lines_of(trace, [], 0), RowCache)


class TestRowsOfACutStep:
    """A root run's step an interrupt cut has no step_end: its row counts its own LLM
    calls, not those of the runs recorded after it (it counted the resume's)."""

    def test_llm_calls_of_later_runs_left_out(self, tmp_path: Path) -> None:
        from tests.tracer.usage_models import priced_agent
        from tui.step_rows import RowCache

        graph = priced_agent(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "t"}}
        path = tmp_path / "a.stepscope"
        with tracer.record(path):
            graph.invoke({"messages": []}, config)
            graph.invoke(Command(resume="yes"), config)  # its `answer` calls a model
        with tracer.open_trace(path) as trace:
            rows = RowCache(trace, 0)
            cut = rows.row(len(rows) - 1)
            assert cut.nodes == ("ask",) and cut.interrupts
            assert cut.llm_calls == 0
            resumed = RowCache(trace, 2)
            assert sum(resumed.row(i).llm_calls for i in range(len(resumed))) == 1
