"""`stepscope export`: JSON Lines (one event a line) and Chrome Trace Event Format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.graph_sources import NESTED_GRAPH
from tests.cli.runner import Cli
from tracer import open_trace


def chrome_of(cli: Cli, path: Path) -> list[dict[str, Any]]:
    result = cli("export", path, "--format", "chrome", "-o", "-")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["displayTimeUnit"] == "ms"
    return document["traceEvents"]


class TestExportJsonl:
    """jsonl: a valid JSON object per event, in file order, with the documented keys."""

    def test_line_per_event(self, cli: Cli, tmp_path: Path, traces: dict[str, Path]) -> None:
        """Line count equals the trace's event count; kinds and seqs match, in order."""
        out = tmp_path / "agent.jsonl"
        result = cli("export", traces["agent"], "--format", "jsonl", "-o", out)
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in out.read_text().splitlines()]
        with open_trace(traces["agent"]) as trace:
            events = list(trace.events())
        assert len(records) == len(events)
        assert [(r["kind"], r["seq"]) for r in records] == [(e.kind, e.seq) for e in events]
        assert set(records[0]) == {"kind", "seq", "t", "ns", "step", "run", "data"}

    def test_values_made_json_safe(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Errors become {class, message, traceback}; task ids stored as bytes, base64."""
        lines = cli("export", traces["failing"], "-f", "jsonl", "-o", "-").stdout.splitlines()
        ends = [json.loads(x) for x in lines if '"kind": "task_end"' in x]
        error = next(e["data"]["error"] for e in ends if e["data"]["error"])
        assert set(error) == {"class", "message", "traceback"}
        assert error["class"] == "RuntimeError"
        agent = cli("export", traces["agent"], "-f", "jsonl", "-o", "-").stdout
        start = next(json.loads(x) for x in agent.splitlines() if '"llm_start"' in x)
        assert "$bytes" in start["data"]["id"]

    def test_default_output_next_to_the_trace(self, cli: Cli, tmp_path: Path,
                                              traces: dict[str, Path]) -> None:
        """Without -o the output is PATH with the format's suffix."""
        copy = tmp_path / "jp.stepscope"
        copy.write_bytes(traces["joke_poem"].read_bytes())
        assert cli("export", "jp.stepscope", "-f", "jsonl").returncode == 0
        assert cli("export", "jp.stepscope", "-f", "chrome").returncode == 0
        assert (tmp_path / "jp.jsonl").is_file() and (tmp_path / "jp.json").is_file()


class TestExportChrome:
    """chrome: slices for every task, a named track per namespace, token instants."""

    def test_task_slices(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Every task_end has an X slice with a positive duration on a named thread."""
        events = chrome_of(cli, traces["joke_poem"])
        tasks = [e for e in events if e["ph"] == "X" and e["cat"] == "task"]
        assert sorted(t["name"] for t in tasks) == ["write_joke", "write_poem"]
        assert all(t["dur"] > 0 for t in tasks)
        # Parallel tasks sit on separate lanes, so slices on one thread never overlap.
        assert len({(t["pid"], t["tid"]) for t in tasks}) == 2
        named = {(e["pid"], e["tid"]) for e in events if e["name"] == "thread_name"}
        assert {(t["pid"], t["tid"]) for t in tasks} <= named
        steps = [e for e in events if e["ph"] == "X" and e["cat"] == "step"]
        assert [s["name"] for s in steps] == ["step 0", "step 1"]

    def test_track_per_namespace(self, cli: Cli, tmp_path: Path) -> None:
        """A subgraph's namespace gets its own process with thread_name metadata."""
        (tmp_path / "nested.py").write_text(NESTED_GRAPH)
        cli("run", "nested.py", "-o", "n.stepscope")
        events = chrome_of(cli, tmp_path / "n.stepscope")
        with open_trace(tmp_path / "n.stepscope") as trace:
            namespaces = {run.ns for run in trace.runs}
        processes = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
        assert len(processes) == len(namespaces) == 2
        for ns in namespaces:
            label = " / ".join(ns) if ns else "root"
            pid = next(p for p, name in processes.items() if name.endswith(label))
            assert any(e["name"] == "thread_name" and e["pid"] == pid for e in events)
        tasks = {e["name"] for e in events if e.get("cat") == "task"}
        assert tasks == {"inner", "add"}

    def test_token_instants_and_llm_slices(self, cli: Cli, traces: dict[str, Path]) -> None:
        """Each token is an instant on its task's lane; each LLM call is a slice."""
        events = chrome_of(cli, traces["agent"])
        with open_trace(traces["agent"]) as trace:
            tokens = sum(1 for _ in trace.events({"token"}))
        instants = [e for e in events if e["ph"] == "i" and e["cat"] == "token"]
        assert len(instants) == tokens
        llm = [e for e in events if e["ph"] == "X" and e["cat"] == "llm"]
        assert len(llm) == 3 and all(c["args"]["ttft_ms"] > 0 for c in llm)
        lanes = {(e["pid"], e["tid"]) for e in events if e.get("cat") == "task"}
        assert {(e["pid"], e["tid"]) for e in instants} <= lanes

    def test_error_in_slice_args(self, cli: Cli, traces: dict[str, Path]) -> None:
        """A failed task's slice carries the error's class and message."""
        events = chrome_of(cli, traces["failing"])
        failed = next(e for e in events if e.get("cat") == "task" and e["name"] == "explode")
        assert failed["args"]["status"] == "error"
        assert failed["args"]["error"]["class"] == "RuntimeError"
