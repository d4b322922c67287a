"""The usage, cost and thread parts of `build_report`, as plain JSON-ready data.

`usage_report(rollup, summary)` → the report's `usage` key; `threads_report(threads,
rollup)` → its `threads` key; `total_report` is the one shape every sum takes (keys
documented in `tui.cli.inspect`).
"""

from __future__ import annotations

from typing import Any, TypedDict

from tracer.rollup import CallUsage, Rollup, UsageTotal
from tracer.threads import Thread
from tracer.usage import Usage


class TotalReport(TypedDict):
    calls: int
    reported: int
    """Calls whose provider reported usage; `tokens` sums theirs only."""
    unreported: int
    tokens: dict[str, int]
    """The known counts: input, output, total, cache_read, cache_write, reasoning."""
    priced: int
    cost: float | None
    """The priced calls' cost; null when none has a known cost (no --prices, an
    unknown model, unreported usage)."""


class NodeUsageReport(TypedDict):
    graph: str | None
    node: str | None
    usage: TotalReport


class ModelUsageReport(TypedDict):
    model: str | None
    price: str | None
    """The price table's key that priced it, or null."""
    usage: TotalReport


class RunUsageReport(TypedDict):
    run: int
    usage: TotalReport


class StepUsageReport(TypedDict):
    run: int
    step: int
    usage: TotalReport


class UsageReport(TypedDict):
    currency: str | None
    prices: str | None
    """The price table's file, or null."""
    total: TotalReport
    by_run: list[RunUsageReport]
    by_step: list[StepUsageReport]
    by_node: list[NodeUsageReport]
    by_model: list[ModelUsageReport]


class ThreadRunReport(TypedDict):
    run: int
    relation: str
    """start | resume | fork."""
    previous: int | None
    """The run it resumes or forks (its number), if known."""
    fork: dict[str, Any] | None
    """{run, run_id, step}: the run and step a fork branched from."""
    status: str
    duration_ns: int | None
    steps: int
    interrupts: int
    usage: TotalReport


class ThreadReport(TypedDict):
    thread_id: str | None
    status: str
    runs: list[ThreadRunReport]
    duration_ns: int
    """The runs' durations added up (time the thread's runs took, not the wait between)."""
    usage: TotalReport


def total_report(total: UsageTotal) -> TotalReport:
    return {"calls": total.calls, "reported": total.reported,
            "unreported": total.unreported, "tokens": total.usage.as_dict(),
            "priced": total.priced, "cost": _cost(total.known_cost)}


def total_from_report(report: TotalReport) -> UsageTotal:
    """The `UsageTotal` a `TotalReport` was made of (for text that renders either)."""
    names = ("input", "output", "total", "cache_read", "cache_write", "reasoning")
    tokens = report["tokens"]
    usage = Usage(*(tokens.get(n) for n in names))
    cost = report["cost"]
    return UsageTotal(report["calls"], report["reported"], usage, report["priced"],
                      cost if cost is not None else 0.0)


def _cost(cost: float | None) -> float | None:
    return None if cost is None else round(cost, 10)


class CallUsageFields(TypedDict):
    usage_tokens: dict[str, int] | None
    cost: float | None
    price: str | None


def call_fields(call: CallUsage) -> CallUsageFields:
    """The usage keys of one `llm_calls[]` entry: `usage_tokens`, `cost`, `price`."""
    return {"usage_tokens": None if call.usage is None else call.usage.as_dict(),
            "cost": _cost(call.cost), "price": call.price}


def usage_report(found: Rollup, source: str | None) -> UsageReport:
    prices = {c.call.model: c.price for c in found.calls}
    return {
        "currency": found.currency, "prices": source,
        "total": total_report(found.total),
        "by_run": [{"run": run, "usage": total_report(t)}
                   for run, t in sorted(found.by_run.items())],
        "by_step": [{"run": run, "step": step, "usage": total_report(t)}
                    for (run, step), t in sorted(found.by_step.items())],
        "by_node": [{"graph": graph, "node": node, "usage": total_report(t)}
                    for (graph, node), t in found.by_node.items()],
        "by_model": [{"model": model, "price": prices.get(model), "usage": total_report(t)}
                     for model, t in found.by_model.items()],
    }


def threads_report(threads: list[Thread], found: Rollup) -> list[ThreadReport]:
    out: list[ThreadReport] = []
    for thread in threads:
        runs: list[ThreadRunReport] = [{
            "run": run.number, "relation": link.relation, "previous": link.previous,
            "fork": link.fork, "status": run.status, "duration_ns": run.duration,
            "steps": sum(1 for s in run.steps if s.tasks),
            "interrupts": len(run.interrupts), "usage": total_report(found.run(run.number)),
        } for run, link in thread.entries()]
        out.append({"thread_id": thread.thread_id, "status": thread.status, "runs": runs,
                    "duration_ns": sum(r.duration or 0 for r in thread.runs),
                    "usage": total_report(found.thread(thread))})
    return out

