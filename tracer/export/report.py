"""`build_report(trace)`: the facts `stepscope inspect` shows, as plain JSON-ready data.

The layout (its keys) is documented in `tui.cli.inspect`; `REPORT_SCHEMA` is
bumped when a key changes meaning or goes away (new keys may be added freely).
"""

from __future__ import annotations

from typing import Any, TypedDict

from tracer import Trace, TraceError
from tracer.export.jsonable import ErrorDict, error_dict, to_jsonable
from tracer.export.usage_report import (
    ThreadReport,
    TotalReport,
    UsageReport,
    call_fields,
    threads_report,
    total_report,
    usage_report,
)
from tracer.prices import Prices
from tracer.rollup import CallUsage, Rollup, rollup
from tracer.summary import (
    Integrity,
    RunSpan,
    StepSpan,
    TaskSpan,
    TraceSummary,
    scan_integrity,
    summarize,
)
from tracer.threads import threads_of

REPORT_SCHEMA = 1


class TaskReport(TypedDict):
    name: str | None
    task_id: str | None
    start_ns: int | None
    duration_ns: int | None
    status: str
    writes: list[str]
    error: ErrorDict | None
    interrupts: int
    usage: TotalReport | None
    """Its model calls' (its subgraphs' included); null when it made none."""


class StragglerReport(TypedDict):
    name: str | None
    task_id: str | None
    lead_ns: int


class StepReport(TypedDict):
    step: int
    start_ns: int | None
    duration_ns: int | None
    complete: bool
    planned: list[str]
    tasks: list[TaskReport]
    straggler: StragglerReport | None
    usage: TotalReport | None


class RunReport(TypedDict):
    number: int
    ns: list[str]
    run_id: str | None
    parent_task: str | None
    graph: str | None
    status: str
    complete: bool
    duration_ns: int | None
    wall_start_ns: int | None
    error: ErrorDict | None
    interrupts: Any
    """The interrupts' recorded values, made JSON-safe."""
    steps: list[StepReport]
    fork: dict[str, Any] | None
    """{run, run_id, step}: the run (its number here) and step it branched from."""
    resumed: bool
    thread_id: str | None
    usage: TotalReport | None


class StallReport(TypedDict):
    token: int
    gap_ns: int


class LLMReport(TypedDict):
    n: int
    run: int
    ns: list[str]
    step: int
    task: str | None
    task_id: str
    model: str | None
    provider: str | None
    tags: list[str]
    start_ns: int
    ttft_ns: int | None
    duration_ns: int | None
    tokens: int
    tokens_per_s: float | None
    max_gap_ns: int | None
    stalls: list[StallReport]
    usage: Any
    """The recorded usage metadata, made JSON-safe."""
    usage_tokens: dict[str, int] | None
    """The usage read into one convention (`tracer.usage`); null: not reported."""
    cost: float | None
    price: str | None
    complete: bool
    error: ErrorDict | None


ErrorReport = TypedDict("ErrorReport", {
    "source": str, "run": int, "ns": list[str], "step": int | None, "task": str | None,
    "task_id": str | None, "class": str, "message": str, "traceback": str})


class Totals(TypedDict):
    runs: int
    root_runs: int
    subgraph_runs: int
    steps: int
    tasks: int
    llm_calls: int
    tokens: int
    custom_events: int
    interrupts: int
    errors: int


class RegionReport(TypedDict):
    offset: int
    message: str


class CorruptionReport(TypedDict):
    torn: bool
    regions: list[RegionReport]
    malformed_events: list[str]


class Report(TypedDict):
    """What `build_report` returns; `tui.cli.inspect` documents each key."""

    schema: int
    path: str
    size_bytes: int
    events: int
    format: int
    writer: Any
    """From the file header, as its writer put it (like `created`)."""
    created: Any
    closed_cleanly: bool
    status: str
    graph: str | None
    duration_ns: int | None
    totals: Totals
    kinds: dict[str, int]
    runs: list[RunReport]
    errors: list[ErrorReport]
    llm_calls: list[LLMReport]
    usage: UsageReport
    threads: list[ThreadReport]
    corruption: CorruptionReport


_REPORTED = {"done": "ok", "failed": "error", "stopped": "error", "unknown": "running"}


def reported_status(task: TaskSpan) -> str:
    """A task's status in the report's vocabulary (schema 1): ok / error / interrupted /
    running."""
    return _REPORTED.get(task.status, task.status)


def _usage(found: Rollup, key: Any, table: str) -> TotalReport | None:
    total = getattr(found, table).get(key)
    return None if total is None else total_report(total)


def _task(task: TaskSpan, run: RunSpan, found: Rollup) -> TaskReport:
    return {
        "name": task.name, "task_id": task.task_id,
        "start_ns": None if task.start is None else task.start - run.start,
        "duration_ns": task.duration, "status": reported_status(task),
        "writes": task.writes,
        "error": None if task.error is None else error_dict(task.error),
        "interrupts": task.interrupts,
        "usage": _usage(found, (run.number, task.task_id), "by_task"),
    }


def _step(step: StepSpan, run: RunSpan, found: Rollup) -> StepReport:
    lagging = step.straggler()
    straggler: StragglerReport | None = None
    if lagging is not None:
        task, lead = lagging
        straggler = {"name": task.name, "task_id": task.task_id, "lead_ns": lead}
    return {
        "step": step.step,
        "start_ns": None if step.start is None else step.start - run.start,
        "duration_ns": step.duration, "complete": step.complete, "planned": step.planned,
        "tasks": [_task(t, run, found) for t in step.tasks], "straggler": straggler,
        "usage": _usage(found, (run.number, step.step), "by_step"),
    }


def _run(run: RunSpan, runs: list[RunSpan], found: Rollup) -> RunReport:
    fork = None
    if run.fork is not None:
        source = run.fork.get("run_id")
        number = next((r.number for r in runs if r.run_id == source and not r.ns), None)
        fork = {"run": number, "run_id": source if isinstance(source, str) else None,
                "step": run.fork.get("step")}
    return {
        "number": run.number, "ns": list(run.ns), "run_id": run.run_id,
        "parent_task": run.parent_task, "graph": run.graph, "status": run.status,
        "complete": run.complete, "duration_ns": run.duration,
        "wall_start_ns": run.wall_start_ns,
        "error": None if run.error is None else error_dict(run.error),
        "interrupts": to_jsonable(run.interrupts),
        "steps": [_step(s, run, found) for s in run.steps],
        "fork": fork, "resumed": run.resumed, "thread_id": run.thread_id,
        "usage": _usage(found, run.number, "by_run"),
    }


def _llm(one: CallUsage, runs: list[RunSpan]) -> LLMReport:
    call, run = one.call, one.run
    start = runs[run].start if 0 <= run < len(runs) else 0
    rate, gaps = call.tokens_per_second, call.gaps
    return {
        "n": call.number, "run": run, "ns": list(call.ns), "step": call.step,
        "task": call.node, "task_id": call.task_id, "model": call.model,
        "provider": call.provider, "tags": call.tags, "start_ns": call.start - start,
        "ttft_ns": call.ttft, "duration_ns": call.duration, "tokens": len(call.tokens),
        "tokens_per_s": None if rate is None else round(rate, 2),
        "max_gap_ns": max(gaps) if gaps else None,
        "stalls": [{"token": i, "gap_ns": gap} for i, gap in call.stalls],
        "usage": to_jsonable(call.usage), **call_fields(one),
        "complete": call.end is not None,
        "error": None if call.error is None else error_dict(call.error),
    }


def _errors(summary: TraceSummary) -> list[ErrorReport]:
    """Task errors, then run errors, each exception once (where it was first raised)."""
    out: list[ErrorReport] = []
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, RunSpan, int | None, TaskSpan | None, Any]] = []
    for run in summary.runs:
        found += [("task", run, t.step, t, t.error) for t in
                  (t for s in run.steps for t in s.tasks) if t.error is not None]
    found.sort(key=lambda item: (item[3].end or 0) if item[3] is not None else 0)
    found += [("run", r, None, None, r.error) for r in summary.runs if r.error is not None]
    for source, run, step, task, error in found:
        info = error_dict(error)
        key = (info["class"], info["message"])
        if key in seen:
            continue
        seen.add(key)
        out.append({"source": source, "run": run.number, "ns": list(run.ns), "step": step,
                    "task": task.name if task else None,
                    "task_id": task.task_id if task else None, **info})
    return out


def _duration(roots: list[RunSpan]) -> int | None:
    """From the first root run's start to the last one's end (on the wall clock)."""
    if not roots:
        return None
    if len(roots) == 1 or any(r.wall_start_ns is None for r in roots):
        return sum(r.duration or 0 for r in roots)
    first = min(r.wall_start_ns or 0 for r in roots)
    last = max((r.wall_start_ns or 0) + r.start + (r.duration or 0) for r in roots)
    return last - first


def build_report(trace: Trace, prices: Prices | None = None) -> Report:
    """Everything `inspect` shows (costs by `prices`, if given); TraceError if the file
    holds no readable run."""
    integrity: Integrity = scan_integrity(trace)
    summary = summarize(trace.events())
    usage = rollup(summary, prices)
    # The scan finds frames that fail their checks; reading the events finds the frames
    # that pass them but hold no valid record, and the index may have been unreadable.
    found = {e.offset: e.reason for e in integrity.errors}
    for error in trace.errors:
        found.setdefault(error.offset, error.reason)
    regions: list[RegionReport] = [{"offset": offset, "message": found[offset]}
                                   for offset in sorted(found)]
    if not summary.runs:
        where = f" (corrupt at byte offset {regions[0]['offset']})" if regions else ""
        raise TraceError(f"{trace.path} holds no readable run{where}")
    roots = summary.root_runs
    tasks = summary.tasks()
    calls = summary.llm_calls
    return {
        "schema": REPORT_SCHEMA,
        "path": str(trace.path),
        "size_bytes": trace.path.stat().st_size,
        "events": summary.events,
        "format": trace.header["format"],  # an int: `read_header` checked it
        "writer": trace.header.get("writer"),
        "created": trace.header.get("created"),
        "closed_cleanly": trace.finished,
        "status": summary.status,
        "graph": roots[0].graph if roots else summary.runs[0].graph,
        "duration_ns": _duration(roots),
        "totals": {
            "runs": len(summary.runs),
            "root_runs": len(roots),
            "subgraph_runs": len(summary.runs) - len(roots),
            "steps": sum(1 for r in roots for s in r.steps if s.tasks),
            "tasks": len(tasks),
            "llm_calls": len(calls),
            "tokens": sum(len(c.tokens) for c in calls),
            "custom_events": summary.kinds.get("custom", 0),
            "interrupts": sum(len(r.interrupts) for r in summary.runs),
            "errors": sum(1 for t in tasks if t.error is not None),
        },
        "kinds": dict(sorted(summary.kinds.items())),
        "runs": [_run(r, summary.runs, usage) for r in summary.runs],
        "errors": _errors(summary),
        "llm_calls": [_llm(c, summary.runs) for c in usage.calls],
        "usage": usage_report(usage, prices.source if prices is not None else None),
        "threads": threads_report(threads_of(summary), usage),
        "corruption": {"torn": integrity.torn, "regions": regions,
                       "malformed_events": summary.malformed},
    }
