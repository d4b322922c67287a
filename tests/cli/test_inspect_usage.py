"""`stepscope inspect` on a thread with token usage: the thread's runs in order, usage
by run, node and model, and costs from a `--prices` table; bad tables refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sample_graphs import support_thread
from tests.cli.graph_sources import SAMPLES
from tests.cli.runner import Cli
from tracer import open_trace
from tracer.usage import Usage, usage_of

PRICES = SAMPLES / "prices.json"


@pytest.fixture(scope="module")
def thread(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The support sample's whole thread: invoke, two resumes, a fork."""
    path = tmp_path_factory.mktemp("thread") / "support.stepscope"
    support_thread.record_thread(str(path))
    return path


def expected_cost(call: Any) -> float:
    """A call's cost by the sample table, worked out here from its recorded usage."""
    table = json.loads(PRICES.read_text())["models"][call.model]
    usage = usage_of(call.usage)
    assert usage is not None and usage.input is not None and usage.output is not None
    cached, reasoning = usage.cache_read or 0, usage.reasoning or 0
    return ((usage.input - cached) * table["input"] + cached * table["cache_read"]
            + (usage.output - reasoning) * table["output"]
            + reasoning * table["output"]) / 1e6


def inspect_json(cli: Cli, *args: Any) -> dict[str, Any]:
    result = cli("inspect", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestThread:
    """The thread's runs: start, resumes after interrupts, a fork, as one table."""

    def test_text(self, cli: Cli, thread: Path) -> None:
        out = cli("inspect", thread).stdout
        table = out[out.index("thread ticket-42"):]
        rows = [line for line in table.splitlines()[:12] if line.strip()[:1].isdigit()]
        assert [row.split()[:2] for row in rows] == [
            ["0", "start"], ["1", "resume"], ["2", "resume"], ["3", "fork"]]
        assert "resume of run 1" in rows[2] and "fork of run 0" in rows[3]
        assert "after step 1" in table and "4 runs · 3 interrupts" in table
        assert "run 3 · fork of run 0 after step 1 · support" in out

    def test_json(self, cli: Cli, thread: Path) -> None:
        report = inspect_json(cli, thread)
        (found,) = report["threads"]
        assert found["thread_id"] == "ticket-42" and found["status"] == "interrupted"
        assert [(r["run"], r["relation"], r["previous"]) for r in found["runs"]] == [
            (0, "start", None), (1, "resume", 0), (2, "resume", 1), (3, "fork", 0)]
        assert found["runs"][3]["fork"]["step"] == 1
        assert [r["status"] for r in found["runs"]] == [
            "interrupted", "interrupted", "done", "interrupted"]
        assert [r["usage"]["calls"] for r in found["runs"]] == [2, 1, 0, 1]


class TestUsageAndCost:
    """Usage totals match the calls' recorded usage; costs follow the price table."""

    def test_usage_without_prices(self, cli: Cli, thread: Path) -> None:
        report = inspect_json(cli, thread)
        with open_trace(thread) as trace:
            calls = trace.llm_calls()
        expected = sum((usage_of(c.usage) or Usage.EMPTY for c in calls), Usage.EMPTY)
        total = report["usage"]["total"]
        assert total["tokens"] == expected.as_dict() and total["calls"] == len(calls)
        assert total["cost"] is None and report["usage"]["currency"] is None
        assert [c["cost"] for c in report["llm_calls"]] == [None] * len(calls)
        assert report["threads"][0]["usage"] == total
        by_node = {n["node"]: n["usage"]["calls"] for n in report["usage"]["by_node"]}
        assert by_node == {"triage": 1, "draft": 3}
        out = cli("inspect", thread).stdout
        line = next(line for line in out.splitlines() if "usage" in line and " in " in line)
        assert f"{expected.input:,} in" in line and f"{expected.reasoning:,} reasoning" in line
        assert "cost" not in out.split("thread ticket-42")[0]  # no prices: no cost at all

    def test_costs(self, cli: Cli, thread: Path) -> None:
        report = inspect_json(cli, thread, "--prices", PRICES)
        with open_trace(thread) as trace:
            calls = trace.llm_calls()
        assert [c["cost"] for c in report["llm_calls"]] == [
            pytest.approx(expected_cost(c)) for c in calls]
        assert report["usage"]["total"]["cost"] == pytest.approx(
            sum(expected_cost(c) for c in calls))
        assert report["usage"]["currency"] == "USD" and report["usage"]["prices"] == str(PRICES)
        assert {m["model"]: m["price"] for m in report["usage"]["by_model"]} == {
            "gpt-4o-mini": "gpt-4o-mini", "o3-mini": "o3-mini"}
        out = cli("inspect", thread, "--prices", PRICES).stdout
        assert "Usage by model" in out and "Usage by node" in out and "$0.00" in out

    def test_unknown_model_costs_unknown(self, cli: Cli, thread: Path, tmp_path: Path) -> None:
        """A model the table does not price has no cost: unknown, not 0."""
        table = tmp_path / "partial.json"
        table.write_text(json.dumps({"models": {"gpt-4o-mini": {"input": 1, "output": 1}}}))
        report = inspect_json(cli, thread, "--prices", table)
        costs = {c["model"]: c["cost"] for c in report["llm_calls"]}
        assert costs["o3-mini"] is None and costs["gpt-4o-mini"] > 0
        assert report["usage"]["total"]["priced"] == 1
        out = cli("inspect", thread, "--prices", table).stdout
        assert "unknown" in out and "o3-mini (no price)" in out
        assert "+ unknown (3 calls)" in out  # the overview's cost: the known part and the rest


class TestBadPrices:
    """A price table that cannot be used: one line naming the file and the problem, exit 2."""

    @pytest.mark.parametrize("content, says", [
        ("{\"models\": {\"gpt-4o\": {\"input\": 1}}}", "no 'output' price"),
        ("{\"models\": ", "not valid JSON"),
        ("{\"models\": {\"m\": {\"input\": \"cheap\", \"output\": 1}}}", "expected a number"),
    ])
    def test_refused(self, cli: Cli, thread: Path, tmp_path: Path, content: str,
                     says: str) -> None:
        table = tmp_path / "prices.json"
        table.write_text(content)
        result = cli("inspect", thread, "--prices", table)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"stepscope: inspect: --prices {table}: ")
        assert says in result.stderr and "Traceback" not in result.stderr

    def test_missing(self, cli: Cli, thread: Path, tmp_path: Path) -> None:
        result = cli("inspect", thread, "--prices", tmp_path / "nope.json")
        assert result.returncode == 2 and "nope.json: No such file" in result.stderr
