"""Token usage (and cost) of a trace's model calls, summed per task, node, step, run,
thread and model.

`rollup(summary, prices)` reads each LLM call's usage (`tracer.usage.usage_of`) and,
given a price table, its cost; then sums them. A sum says how many calls it counts, how
many of those the provider reported usage for (the others are unreported, never
counted as 0) and how many have a known cost. The work of a subgraph is part of the
task, step and run that ran it: a step's total holds its subgraphs' calls. Pure: it
reads a `TraceSummary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from tracer.analysis import LLMCall
from tracer.prices import Prices
from tracer.summary import RunSpan, TraceSummary
from tracer.threads import Thread
from tracer.usage import Usage, usage_of


@dataclass(frozen=True)
class UsageTotal:
    """The usage of some model calls: `calls` of them, `reported` with usage, `priced`
    with a known cost (`cost` sums those)."""

    calls: int = 0
    reported: int = 0
    usage: Usage = Usage.EMPTY
    """The sum of the reported usages."""
    priced: int = 0
    cost: float = 0.0

    def __add__(self, other: UsageTotal) -> UsageTotal:
        return UsageTotal(self.calls + other.calls, self.reported + other.reported,
                          self.usage + other.usage, self.priced + other.priced,
                          self.cost + other.cost)

    @property
    def unreported(self) -> int:
        """Calls whose provider reported no usage: not in `usage`."""
        return self.calls - self.reported

    @property
    def known_cost(self) -> float | None:
        """The cost of the priced calls; None when no call has a known cost."""
        return self.cost if self.priced else None

    @property
    def complete(self) -> bool:
        """Every call's usage was reported (and `usage` is all of it)."""
        return self.reported == self.calls


@dataclass(frozen=True)
class CallUsage:
    """One call's usage and cost (None: not reported / not known) and the price key
    that priced it."""

    call: LLMCall
    run: int
    usage: Usage | None
    cost: float | None
    price: str | None

    @property
    def total(self) -> UsageTotal:
        return UsageTotal(1, int(self.usage is not None), self.usage or Usage.EMPTY,
                          int(self.cost is not None), self.cost or 0.0)


@dataclass
class Rollup:
    """Sums of the calls' usage, by where they were made."""

    calls: list[CallUsage] = field(default_factory=list)
    total: UsageTotal = UsageTotal()
    by_run: dict[int, UsageTotal] = field(default_factory=dict)
    """Run number → its calls and its subgraph runs'."""
    by_step: dict[tuple[int, int], UsageTotal] = field(default_factory=dict)
    """(run, step) → the calls of the step's tasks, their subgraphs' included."""
    by_task: dict[tuple[int, str], UsageTotal] = field(default_factory=dict)
    """(run, task id) → the task's calls, its subgraphs' included."""
    by_node: dict[tuple[str | None, str | None], UsageTotal] = field(default_factory=dict)
    """(graph, node) → the calls that node's tasks made themselves."""
    by_model: dict[str | None, UsageTotal] = field(default_factory=dict)
    currency: str | None = None
    """The price table's currency; None when no prices were given."""

    def run(self, number: int) -> UsageTotal:
        return self.by_run.get(number, UsageTotal())

    def thread(self, thread: Thread) -> UsageTotal:
        """A thread's calls: its runs'."""
        return sum((self.run(r.number) for r in thread.runs), UsageTotal())


K = TypeVar("K")


def _add(table: dict[K, UsageTotal], key: K, total: UsageTotal) -> None:
    table[key] = table[key] + total if key in table else total


def _parents(runs: list[RunSpan]) -> dict[int, tuple[int, int, str] | None]:
    """Each run's place in its parent: (parent run, step, task id), None for a root. A
    subgraph run belongs to the latest run of the namespace above it."""
    latest: dict[tuple[str, ...], RunSpan] = {}
    out: dict[int, tuple[int, int, str] | None] = {}
    for run in runs:
        latest[run.ns] = run
        parent = latest.get(run.ns[:-1]) if run.ns else None
        out[run.number] = None
        if parent is not None and run.parent_task is not None:
            step = next((s.step for s in parent.steps for t in s.tasks
                         if t.task_id == run.parent_task), None)
            if step is not None:
                out[run.number] = (parent.number, step, run.parent_task)
    return out


def call_usage(call: LLMCall, run: int, prices: Prices | None) -> CallUsage:
    usage = usage_of(call.usage)
    found = prices.match(call.model) if prices is not None else None
    cost = found[1].cost(usage) if found is not None and usage is not None else None
    return CallUsage(call, run, usage, cost, found[0] if found is not None else None)


def rollup(summary: TraceSummary, prices: Prices | None = None) -> Rollup:
    """Every call's usage (and cost, with `prices`) and their sums (see the module doc)."""
    out = Rollup(currency=prices.currency if prices is not None else None)
    parents = _parents(summary.runs)
    graphs = {r.number: r.graph for r in summary.runs}
    for call in summary.llm_calls:
        run = summary.call_runs.get(call.number, -1)
        one = call_usage(call, run, prices)
        out.calls.append(one)
        total = one.total
        out.total += total
        _add(out.by_model, call.model, total)
        _add(out.by_node, (graphs.get(run), call.node), total)
        # Up the chain of runs: this call's task and step, then the parent's task and
        # step that ran this subgraph, and so on to the root.
        place: tuple[int, int, str] | None = (run, call.step, call.task_id) \
            if run in parents else None
        seen = 0
        while place is not None and seen < 256:
            number, step, task = place
            _add(out.by_run, number, total)
            _add(out.by_step, (number, step), total)
            _add(out.by_task, (number, task), total)
            place, seen = parents.get(number), seen + 1
    return out

