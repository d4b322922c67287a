"""`stepscope run`: traces written, summary lines, exit statuses, inputs, thread ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.graph_sources import CHECKPOINTED_GRAPH, FAILING_GRAPH, SAMPLES
from tests.cli.runner import Cli
from tracer import open_trace

SUMMARY = re.compile(r"^(\S.*?) · (\S+ \S+) · (\d+) steps? · (\d+) tasks? · (\d+) LLM calls?"
                     r"(?: \((\d+) tokens?\))? · (\d+) events? · \S+ [KMG]?B$")


def summary_of(stdout: str) -> re.Match[str]:
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("trace: ")
    match = SUMMARY.match(lines[1])
    assert match, lines[1]
    return match


class TestRunSampleGraphs:
    """The sample graphs run to completion and leave a readable trace."""

    def test_joke_poem(self, cli: Cli, tmp_path: Path) -> None:
        """joke_poem: done, one superstep of two tasks, one LLM call each; the file opens."""
        result = cli("run", SAMPLES / "joke_poem.py", "-o", "jp.stepscope")
        assert result.returncode == 0, result.stderr
        match = summary_of(result.stdout)
        assert match.group(1) == "done"
        assert match.group(3, 4, 5) == ("1", "2", "2")
        with open_trace(tmp_path / "jp.stepscope") as trace:
            assert trace.finished and trace.run_complete(0)
            assert int(match.group(7)) == sum(1 for _ in trace.events())

    def test_agent(self, cli: Cli, tmp_path: Path) -> None:
        """The agent (module target, factory attr): 5 steps, 3 LLM calls and their tokens."""
        result = cli("run", "sample_graphs.agent:build", "-o", "agent.stepscope")
        assert result.returncode == 0, result.stderr
        match = summary_of(result.stdout)
        assert match.group(1) == "done"
        assert match.group(3, 4, 5) == ("5", "5", "3")
        assert int(match.group(6)) > 0
        with open_trace(tmp_path / "agent.stepscope") as trace:
            assert len(list(trace.events({"llm_start"}))) == 3

    def test_default_output_path(self, cli: Cli, tmp_path: Path) -> None:
        """Without -o the trace is ./<stem>-<YYYYmmdd-HHMMSS>.stepscope, and is printed."""
        result = cli("run", SAMPLES / "joke_poem.py")
        assert result.returncode == 0, result.stderr
        written = list(tmp_path.glob("*.stepscope"))
        assert len(written) == 1
        assert re.fullmatch(r"joke_poem-\d{8}-\d{6}\.stepscope", written[0].name)
        assert result.stdout.splitlines()[0] == f"trace: {written[0].name}"


class TestRunFailingGraph:
    """A graph that raises exits 1, and its trace is still written and inspectable."""

    def test_error_summary_and_trace(self, cli: Cli, tmp_path: Path) -> None:
        """The summary names the exception; the trace records the error and traceback."""
        (tmp_path / "failing.py").write_text(FAILING_GRAPH)
        result = cli("run", "failing.py", "-o", "f.stepscope")
        assert result.returncode == 1
        match = summary_of(result.stdout)
        assert match.group(1) == "error: RuntimeError: exploded at n=2"
        assert "Traceback" not in result.stderr
        inspected = cli("inspect", "f.stepscope")
        assert inspected.returncode == 0, inspected.stderr
        assert "RuntimeError: exploded at n=2" in inspected.stdout
        assert "Traceback (most recent call last)" in inspected.stdout
        assert "in explode" in inspected.stdout

    def test_json_error_has_traceback(self, cli: Cli, tmp_path: Path) -> None:
        """inspect --json gives the error's class, message, task and traceback."""
        (tmp_path / "failing.py").write_text(FAILING_GRAPH)
        cli("run", "failing.py", "-o", "f.stepscope")
        report = json.loads(cli("inspect", "f.stepscope", "--json").stdout)
        assert report["status"] == "error"
        (error,) = report["errors"]
        assert (error["class"], error["task"], error["step"]) == ("RuntimeError", "explode", 2)
        assert 'raise RuntimeError(f"exploded' in error["traceback"]


class TestRunInputs:
    """--input as JSON or @file, the module's `inputs` default, and automatic thread ids."""

    def test_input_json_overrides_module_inputs(self, cli: Cli, tmp_path: Path) -> None:
        """--input JSON reaches the graph (the error message shows n from the input)."""
        (tmp_path / "failing.py").write_text(FAILING_GRAPH)
        result = cli("run", "failing.py", "--input", '{"n": 41}', "-o", "f.stepscope")
        assert "exploded at n=42" in result.stdout

    def test_input_from_file(self, cli: Cli, tmp_path: Path) -> None:
        """--input @file reads the JSON from a file."""
        (tmp_path / "failing.py").write_text(FAILING_GRAPH)
        (tmp_path / "in.json").write_text('{"n": 9}')
        result = cli("run", "failing.py", "--input", "@in.json", "-o", "f.stepscope")
        assert "exploded at n=10" in result.stdout

    def test_checkpointer_gets_a_thread_id(self, cli: Cli, tmp_path: Path) -> None:
        """A graph with a checkpointer runs (to its interrupt) with a generated thread_id."""
        (tmp_path / "cp.py").write_text(CHECKPOINTED_GRAPH)
        result = cli("run", "cp.py", "-o", "cp.stepscope")
        assert result.returncode == 0, result.stderr
        assert summary_of(result.stdout).group(1) == "interrupted (1 interrupt)"
        with open_trace(tmp_path / "cp.stepscope") as trace:
            configurable = trace.run_start.data["config"]["configurable"]
        assert configurable["thread_id"].startswith("stepscope-")
