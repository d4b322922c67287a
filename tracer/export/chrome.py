"""A trace as Trace Event Format JSON, for Perfetto (ui.perfetto.dev) and chrome://tracing.

Layout: one process (pid) per namespace — the root graph, then each subgraph run's
namespace — named by `process_name` metadata. In each, thread 1 ("steps") holds a
slice per run with its steps nested inside; threads 2… ("tasks 1", "tasks 2", …) hold
the task slices, one lane per task running at the same time, since slices on one
thread must nest. An LLM call is a slice inside its task; its tokens are instant
events on the task's lane, as are custom events; interrupts are instants on "steps".
Times are µs from the earliest run's start (runs are placed by their wall clock).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from engine.events import Event
from tracer.analysis import LLMCall
from tracer.export.jsonable import error_dict, to_jsonable
from tracer.export.report import reported_status
from tracer.summary import RunSpan, TaskSpan, TraceSummarizer

STEPS_TID = 1
_MIN_DUR = 0.001  # µs: a slice must have a positive duration to show


class ChromeTrace(TypedDict):
    """A Trace Event Format document (JSON object form)."""

    traceEvents: list[dict[str, Any]]
    displayTimeUnit: str
    otherData: dict[str, str]
    """`source` (the trace file) and `status` (the trace's worst root run status)."""


def _label(ns: tuple[str, ...]) -> str:
    return " / ".join(ns) if ns else "root"


class _Timeline:
    """Places (run, t) on one µs axis, and tasks of each namespace on lanes."""

    def __init__(self, runs: list[RunSpan]) -> None:
        walls = [r.wall_start_ns for r in runs if r.wall_start_ns is not None]
        self.base = min(walls) if walls else 0
        self.runs = runs
        self.pids: dict[tuple[str, ...], int] = {}
        for run in runs:
            self.pids.setdefault(run.ns, len(self.pids) + 1)
        self.lanes: dict[tuple[str, ...], list[float]] = {}
        self.lane_of: dict[tuple[int, str | None], int] = {}

    def us(self, run: int, t: int) -> float:
        wall = self.runs[run].wall_start_ns if 0 <= run < len(self.runs) else None
        return round(((wall - self.base) if wall is not None else 0) + t, 0) / 1000

    def lane(self, task: TaskSpan, start: float, end: float) -> int:
        """The first lane of the task's namespace free at `start` (its thread id)."""
        ends = self.lanes.setdefault(task.ns, [])
        for i, busy_until in enumerate(ends):
            if busy_until <= start:
                ends[i] = end
                break
        else:
            ends.append(end)
            i = len(ends) - 1
        self.lane_of[(task.run, task.task_id)] = STEPS_TID + 1 + i
        return STEPS_TID + 1 + i


def _slice(name: str, pid: int, tid: int, start: float, end: float, cat: str,
           args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "cat": cat, "ph": "X", "pid": pid, "tid": tid, "ts": start,
            "dur": max(round(end - start, 3), _MIN_DUR), "args": args}


def _instant(name: str, pid: int, tid: int, ts: float, cat: str,
             args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "cat": cat, "ph": "i", "s": "t", "pid": pid, "tid": tid, "ts": ts,
            "args": args}


def _metadata(timeline: _Timeline, runs: list[RunSpan]) -> list[dict[str, Any]]:
    graphs = {r.ns: r.graph for r in reversed(runs)}
    out: list[dict[str, Any]] = []
    for ns, pid in timeline.pids.items():
        label = _label(ns)
        out.append({"name": "process_name", "ph": "M", "pid": pid,
                    "args": {"name": f"{graphs.get(ns)} · {label}"}})
        out.append({"name": "process_sort_index", "ph": "M", "pid": pid,
                    "args": {"sort_index": pid}})
        tids = [(STEPS_TID, f"steps · {label}")]
        tids += [(STEPS_TID + 1 + i, f"tasks {i + 1} · {label}")
                 for i in range(len(timeline.lanes.get(ns, ())))]
        for tid, name in tids:
            out.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                        "args": {"name": name}})
            out.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
                        "args": {"sort_index": tid}})
    return out


def chrome_trace(events: Iterable[Event], source: str = "") -> ChromeTrace:
    """The events of one trace file (in file order) as a Trace Event Format document."""
    summarizer = TraceSummarizer()
    marks: list[tuple[Event, int]] = []
    run_of: dict[tuple[str, ...], int] = {}
    for event in events:
        if event.kind == "run_start":
            run_of[event.ns] = len(summarizer.summary.runs)
        summarizer.add(event)
        if event.kind in ("token", "custom", "interrupt"):
            marks.append((event, run_of.get(event.ns, -1)))
    summary = summarizer.finish()
    timeline = _Timeline(summary.runs)
    slices: list[dict[str, Any]] = []
    for run in summary.runs:
        pid = timeline.pids[run.ns]
        run_args: dict[str, Any] = {"run": run.number, "run_id": run.run_id,
                                    "status": run.status, "namespace": list(run.ns),
                                    "parent_task": run.parent_task}
        if run.error is not None:
            run_args["error"] = error_dict(run.error)
        run_end = run.end if run.end is not None else run.last_t
        slices.append(_slice(f"run {run.graph} ({run.status})", pid, STEPS_TID,
                             timeline.us(run.number, run.start),
                             timeline.us(run.number, run_end), "run", run_args))
        for step in run.steps:
            start, end = step.start or run.start, step.end or run_end
            lagging = step.straggler()
            slices.append(_slice(
                f"step {step.step}", pid, STEPS_TID, timeline.us(run.number, start),
                timeline.us(run.number, end), "step",
                {"step": step.step, "planned": step.planned, "complete": step.complete,
                 "straggler": lagging[0].name if lagging else None}))
            for task in sorted(step.tasks, key=lambda t: t.start or start):
                t0 = timeline.us(run.number, task.start if task.start is not None else start)
                t1 = timeline.us(run.number, task.end if task.end is not None else end)
                args: dict[str, Any] = {"task_id": task.task_id, "step": step.step,
                                        "status": reported_status(task), "writes": task.writes,
                                        "duration_ns": task.duration}
                if task.error is not None:
                    args["error"] = error_dict(task.error)
                slices.append(_slice(str(task.name), pid, timeline.lane(task, t0, t1), t0,
                                     max(t1, t0 + _MIN_DUR), "task", args))
    for call in summary.llm_calls:
        call_run = summary.call_runs.get(call.number, -1)
        lane = timeline.lane_of.get((call_run, call.task_id), STEPS_TID)
        end = call.end if call.end is not None else max([call.start, *(t for t, _ in call.tokens)])
        rate = call.tokens_per_second
        slices.append(_slice(
            f"llm {call.model}", timeline.pids.get(call.ns, 1), lane,
            timeline.us(call_run, call.start), timeline.us(call_run, end), "llm",
            {"n": call.number, "model": call.model, "provider": call.provider,
             "ttft_ms": None if call.ttft is None else call.ttft / 1e6,
             "tokens": len(call.tokens), "tokens_per_s": None if rate is None else round(rate, 2),
             "stalls": len(call.stalls), "usage": to_jsonable(call.usage),
             "error": None if call.error is None else error_dict(call.error)}))
    slices += _marks(marks, summary.llm_calls, timeline)
    slices.sort(key=lambda e: (e["ts"], -e.get("dur", 0)))
    return {"traceEvents": _metadata(timeline, summary.runs) + slices,
            "displayTimeUnit": "ms",
            "otherData": {"source": source, "status": summary.status}}


def _marks(marks: list[tuple[Event, int]], calls: list[LLMCall],
           timeline: _Timeline) -> list[dict[str, Any]]:
    """Instant events: tokens and custom data on their task's lane, interrupts on steps."""
    task_of_call = {c.number: c.task_id for c in calls}
    out: list[dict[str, Any]] = []
    for event, run in marks:
        pid = timeline.pids.get(event.ns, 1)
        ts = timeline.us(run, event.t)
        data = event.data
        if event.kind == "token":
            task_id = task_of_call.get(data.get("n", -1))
            tid = timeline.lane_of.get((run, task_id), STEPS_TID)
            text = str(data.get("x", ""))
            out.append(_instant(text if text.strip() else repr(text), pid, tid, ts, "token",
                                {"call": data.get("n"), "text": text, "step": event.step,
                                 "hidden": bool(data.get("h"))}))
        elif event.kind == "custom":
            tid = timeline.lane_of.get((run, data.get("task_id")), STEPS_TID)
            out.append(_instant(f"custom {data.get('name') or ''}".strip(), pid, tid, ts,
                                "custom", {"payload": to_jsonable(data.get("payload")),
                                           "step": event.step}))
        else:
            out.append(_instant("interrupt", pid, STEPS_TID, ts, "interrupt",
                                {"interrupts": to_jsonable(data.get("interrupts")),
                                 "step": event.step}))
    return out
