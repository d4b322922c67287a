"""Usage roll-ups over a real recorded agent: per task, node, step, run, thread and
model, with calls the provider reported no usage for kept apart, and costs."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracer
from tracer.prices import parse_prices
from tracer.rollup import Rollup, UsageTotal, rollup
from tracer.summary import TraceSummary, summarize
from tracer.threads import threads_of
from tracer.usage import Usage

from .usage_models import record_priced_thread

PRICES = parse_prices({"models": {
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
    "claude-*haiku*": {"input": 1.0, "output": 5.0, "cache_read": 0.1}}})
PLAN = Usage(100, 10, 110)
SEARCH = Usage(60, 5, 65, cache_read=50)
PLAN_COST = (100 * 0.15 + 10 * 0.6) / 1e6
SEARCH_COST = (10 * 1.0 + 50 * 0.1 + 5 * 5.0) / 1e6


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> TraceSummary:
    """The priced agent in one thread: invoke (plan, research, interrupt), resume
    (answer with a model that reports no usage)."""
    path = record_priced_thread(tmp_path_factory.mktemp("rollup") / "agent.stepscope")
    with tracer.open_trace(path) as trace:
        return summarize(trace.events())


def step_of(summary: TraceSummary, run: int, node: str) -> int:
    return next(s.step for s in summary.runs[run].steps for t in s.tasks if t.name == node)


class TestRollup:
    """Sums by where the calls were made."""

    def test_total_counts_unreported_calls_apart(self, agent: TraceSummary) -> None:
        total = rollup(agent).total
        assert (total.calls, total.reported, total.unreported) == (4, 3, 1)
        assert total.usage == PLAN + SEARCH + SEARCH and not total.complete
        assert total.known_cost is None  # no prices given: no cost, not 0

    def test_by_node_and_model(self, agent: TraceSummary) -> None:
        found = rollup(agent)
        assert found.by_node[("priced-agent", "plan")].usage == PLAN
        search = found.by_node[("research", "search")]
        assert (search.calls, search.usage) == (2, SEARCH + SEARCH)
        answer = found.by_node[("priced-agent", "answer")]
        assert (answer.calls, answer.reported, answer.usage) == (1, 0, Usage.EMPTY)
        assert {m: t.calls for m, t in found.by_model.items()} == {
            "gpt-4o-mini": 1, "claude-haiku-4-5": 2, "mystery-model": 1}

    def test_a_subgraphs_calls_count_in_the_step_and_run_that_ran_it(
            self, agent: TraceSummary) -> None:
        found = rollup(agent)
        inner = next(r for r in agent.runs if r.ns)
        research = step_of(agent, 0, "research")
        assert found.by_step[(0, research)].usage == SEARCH + SEARCH
        assert found.by_step[(inner.number, step_of(agent, inner.number, "search"))].calls == 2
        assert found.by_task[(0, str(inner.parent_task))].calls == 2
        assert found.run(inner.number).calls == 2
        assert found.run(0).usage == PLAN + SEARCH + SEARCH and found.run(0).complete
        resumed = agent.root_runs[1].number
        assert (found.run(resumed).calls, found.run(resumed).reported) == (1, 0)

    def test_by_thread(self, agent: TraceSummary) -> None:
        (thread,) = threads_of(agent)
        found = rollup(agent)
        assert found.thread(thread) == found.total

    def test_costs(self, agent: TraceSummary) -> None:
        found = rollup(agent, PRICES)
        assert found.currency == "USD"
        assert found.total.priced == 3 and found.total.known_cost == pytest.approx(
            PLAN_COST + 2 * SEARCH_COST)
        answer = found.by_node[("priced-agent", "answer")]
        assert answer.priced == 0 and answer.known_cost is None
        by_call = {c.call.model: (c.price, c.cost) for c in found.calls}
        assert by_call["claude-haiku-4-5"] == ("claude-*haiku*", pytest.approx(SEARCH_COST))
        assert by_call["mystery-model"] == (None, None)

    def test_a_trace_without_calls(self, tmp_path: Path) -> None:
        from .graphs import linear

        path = tmp_path / "none.stepscope"
        with tracer.record(path):
            linear().invoke({"topic": "x", "joke": ""})
        with tracer.open_trace(path) as trace:
            found = rollup(summarize(trace.events()), PRICES)
        assert found.total == UsageTotal() and found.by_run == {} and found.calls == []
        assert isinstance(found, Rollup) and found.total.known_cost is None


class TestUsageTotal:
    def test_sum(self) -> None:
        a = UsageTotal(2, 1, Usage(5, 5), 1, 0.5)
        b = UsageTotal(1, 1, Usage(1, None), 0, 0.0)
        assert a + b == UsageTotal(3, 2, Usage(6, 5), 1, 0.5)
        assert (a + b).unreported == 1 and (a + b).known_cost == 0.5
