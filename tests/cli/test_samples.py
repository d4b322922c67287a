"""Every sample graph runs under `stepscope run` and leaves the trace it promises."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.cli.graph_sources import SAMPLES
from tests.cli.runner import Cli
from tracer import open_trace

# name → (exit status, run status in the summary, a fact the trace must show)
EXPECTED = {
    "topic_joke": (0, "done", "steps"),
    "subgraph": (0, "done", "subgraph"),
    "joke_poem": (0, "done", "llm"),
    "tool_progress": (0, "done", "custom"),
    "async_writer": (0, "done", "custom"),
    "map_reduce": (0, "done", "send"),
    "failing": (1, "error", "error"),
    "interrupt": (0, "interrupted", "interrupt"),
    "long_loop": (0, "done", "steps"),
    "agent": (0, "done", "llm"),
    "support_thread": (0, "interrupted", "interrupt"),
}


class TestSampleGraphs:
    """Each sample runs, says what it shows, and its trace shows it."""

    def test_every_sample_is_listed(self) -> None:
        """A new sample graph gets an expectation here (none goes untested)."""
        found = {p.stem for p in SAMPLES.glob("*.py") if p.stem != "__init__"}
        assert found == set(EXPECTED)

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_sample(self, name: str, cli: Cli, tmp_path: Path) -> None:
        """The sample has a docstring, runs with its exit status, and the trace shows it."""
        source = SAMPLES / f"{name}.py"
        assert ast.get_docstring(ast.parse(source.read_text())), f"{name} has no docstring"
        status, run_status, fact = EXPECTED[name]
        result = cli("run", source, "-o", f"{name}.stepscope")
        assert result.returncode == status, result.stderr
        assert result.stdout.splitlines()[1].startswith(run_status), result.stdout
        with open_trace(tmp_path / f"{name}.stepscope") as trace:
            events = list(trace.events())
            kinds = {e.kind for e in events}
            if fact == "llm":
                assert "token" in kinds and trace.llm_calls()
            elif fact == "custom":
                assert "custom" in kinds
            elif fact == "subgraph":
                assert any(run.ns for run in trace.runs)
            elif fact == "send":
                starts = [e for e in events if e.kind == "task_start"]
                assert sum(e.data["path"][0] == "__pregel_push" for e in starts) == 4
            elif fact == "error":
                assert any(e.kind == "task_end" and e.data["error"] is not None for e in events)
            elif fact == "interrupt":
                assert "interrupt" in kinds
            else:
                assert len(trace.steps()) >= 2
