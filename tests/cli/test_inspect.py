"""`stepscope inspect`: the text view, the JSON report, and damaged traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.graph_sources import NESTED_GRAPH
from tests.cli.runner import Cli
from tracer import open_trace


def report_of(cli: Cli, path: Path) -> dict[str, Any]:
    result = cli("inspect", path, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestInspectText:
    """The rich summary names the status, steps, tasks, straggler and LLM stats."""

    def test_joke_poem(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Status, graph, both tasks, the straggler, event count and cleanly closed."""
        result = cli("inspect", traces["joke_poem"])
        assert result.returncode == 0, result.stderr
        out = result.stdout
        with open_trace(traces["joke_poem"]) as trace:
            events = sum(1 for _ in trace.events())
        for fact in ("done", "write_joke", "write_poem", "straggler", "1 step · 2 tasks",
                     f"{events} events", "closed cleanly", "2 LLM calls"):
            assert fact in out, fact
        assert "write_poem" in next(line for line in out.splitlines() if "straggler" in line)

    def test_agent_llm_calls(self, cli: Cli, traces: dict[str, Path]) -> None:
        """The LLM table shows the model, TTFT, tokens and tokens per second."""
        out = cli("inspect", traces["agent"]).stdout
        for fact in ("weather-agent", "LLM calls", "TTFT", "tok/s", "scripted (scripted)",
                     "3 LLM calls"):
            assert fact in out, fact


class TestInspectJson:
    """--json carries the same facts as numbers, under the documented keys."""

    def test_joke_poem_numbers(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Totals, the step with two timed tasks, and the straggler's lead."""
        report = report_of(cli, traces["joke_poem"])
        assert report["schema"] == 1 and report["status"] == "done"
        assert report["closed_cleanly"] is True
        assert report["totals"]["steps"] == 1 and report["totals"]["tasks"] == 2
        assert report["size_bytes"] == traces["joke_poem"].stat().st_size
        with open_trace(traces["joke_poem"]) as trace:
            assert report["events"] == sum(1 for _ in trace.events())
        (run,) = report["runs"]
        step = run["steps"][1]
        assert [t["name"] for t in step["tasks"]] == ["write_joke", "write_poem"]
        assert all(t["duration_ns"] > 0 and t["status"] == "ok" for t in step["tasks"])
        assert step["straggler"]["name"] == "write_poem" and step["straggler"]["lead_ns"] > 0
        assert report["corruption"] == {"torn": False, "regions": [], "malformed_events": []}

    def test_agent_llm_calls(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Each LLM call has model, a positive TTFT, tokens, and a rate when it streamed."""
        report = report_of(cli, traces["agent"])
        calls = report["llm_calls"]
        assert [c["n"] for c in calls] == [0, 1, 2]
        assert report["totals"]["llm_calls"] == 3
        assert report["totals"]["tokens"] == sum(c["tokens"] for c in calls)
        for call in calls:
            assert call["model"] == "scripted" and call["task"] == "agent"
            assert call["ttft_ns"] > 0 and call["tokens"] >= 1
        assert calls[0]["tokens_per_s"] > 0 and calls[0]["max_gap_ns"] > 0
        assert calls[1]["tokens_per_s"] is None  # one token: no rate to speak of

    def test_subgraph_runs(self, cli: Cli, tmp_path: Path) -> None:
        """A subgraph run is listed with its namespace and parent task."""
        (tmp_path / "nested.py").write_text(NESTED_GRAPH)
        assert cli("run", "nested.py", "-o", "n.stepscope").returncode == 0
        report = report_of(cli, tmp_path / "n.stepscope")
        assert report["totals"]["subgraph_runs"] == 1
        sub = report["runs"][1]
        assert sub["ns"][0].startswith("inner:") and sub["parent_task"]
        assert "Subgraph runs" in cli("inspect", "n.stepscope").stdout


class TestInspectDamaged:
    """Crashed and corrupted traces still inspect, saying where they broke."""

    def test_torn_tail_is_incomplete(self, cli: Cli, tmp_path: Path,
                                     traces: dict[str, Path]) -> None:
        """A trace cut mid-run (a crash) is 'incomplete', with a torn tail."""
        data = traces["joke_poem"].read_bytes()
        (tmp_path / "cut.stepscope").write_bytes(data[: len(data) // 2])
        report = report_of(cli, tmp_path / "cut.stepscope")
        assert report["status"] == "incomplete" and report["closed_cleanly"] is False
        assert report["corruption"]["torn"] is True
        assert "incomplete (crashed" in cli("inspect", "cut.stepscope").stdout

    def test_corrupt_frame_in_the_middle(self, cli: Cli, tmp_path: Path,
                                         traces: dict[str, Path]) -> None:
        """A frame failing its CRC is reported at its offset; the rest is still read."""
        with open_trace(traces["joke_poem"]) as trace:
            offsets = list(trace.offsets())
            total = sum(1 for _ in trace.events())
        broken = offsets[len(offsets) // 2]
        data = bytearray(traces["joke_poem"].read_bytes())
        data[broken + 20] ^= 0xFF
        (tmp_path / "bad.stepscope").write_bytes(bytes(data))
        report = report_of(cli, tmp_path / "bad.stepscope")
        assert report["corruption"]["regions"] == [
            {"offset": broken, "message": "frame CRC mismatch"}]
        assert report["events"] == total - 1 and report["status"] == "done"
        assert f"byte offset {broken}" in cli("inspect", "bad.stepscope").stdout
