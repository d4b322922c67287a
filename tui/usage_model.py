"""The usage (and cost) of a trace's model calls, for the Tokens and Tasks views.

`trace_usage(trace, prices)` summarises the events usage needs (runs, steps, tasks,
LLM calls, checkpoints) and rolls them up (`tracer.rollup`), once per trace and size of
file: both views ask from their worker threads and share the result. The lines the
Tokens view shows above its timeline are made by `usage_lines`, a pure function. No
Textual here.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from tracer import Trace
from tracer.analysis import LLMCall, llm_calls
from tracer.prices import Prices
from tracer.records import KIND_CODES
from tracer.rollup import CallUsage, Rollup, UsageTotal, call_usage, rollup
from tracer.summary import TraceSummary, summarize
from tracer.threads import Thread, thread_of, threads_of
from tui import usage_text
from tui.selection import Selection
from tui.visible import visible

KINDS = frozenset({"run_start", "step_start", "task_start", "llm_start", "llm_end",
                   "checkpoint", "interrupt", "run_end"})
"""What a roll-up reads: where each call was made (run, step, task; a subgraph run's
parent task), and how the runs of a thread follow each other."""


@dataclass(frozen=True)
class TraceUsage:
    """A trace's calls, summed (`rollup`), its threads, and its summary's runs."""

    summary: TraceSummary
    rollup: Rollup
    threads: list[Thread]
    by_number: dict[int, CallUsage]
    """Each call's usage by its number in the file."""

    def call(self, number: int) -> CallUsage | None:
        return self.by_number.get(number)


_lock = threading.Lock()
_made: weakref.WeakKeyDictionary[Trace, tuple[tuple[int, int], TraceUsage]] = \
    weakref.WeakKeyDictionary()


def trace_usage(trace: Trace, prices: Prices | None) -> TraceUsage:
    """The trace's usage, made again only when the file grew or the prices changed.
    Reads the whole file the first time (from a worker thread: never the UI's)."""
    key = (trace.index.events, id(prices))
    with _lock:
        made = _made.get(trace)
        if made is not None and made[0] == key:
            return made[1]
        summary = summarize(trace.events(set(KINDS)))
        found = rollup(summary, prices)
        usage = TraceUsage(summary, found, threads_of(summary),
                           {c.call.number: c for c in found.calls})
        _made[trace] = (key, usage)
        return usage


_CALL_CODES = frozenset({KIND_CODES["llm_start"], KIND_CODES["llm_end"]})


def step_calls(trace: Trace, run: int, step: int) -> list[tuple[str, LLMCall]]:
    """(task id, call) of every model call a step's tasks made, their subgraphs' calls
    counted as their parent task's. Reads the step's frames only (no tokens decoded)."""
    ns = trace.index.runs[run].ns
    start, end = trace.step_range(trace.step_entry(step, run))
    events = []
    for offset, code in trace.hop(start, end):
        if code in _CALL_CODES:
            event = trace.read(offset)
            if event.ns[:len(ns)] == ns:
                events.append(event)
    out = []
    for call in llm_calls(events):
        inner = call.ns[len(ns):]
        task = inner[0].rsplit(":", 1)[-1] if inner else call.task_id
        if not inner and call.step != step:
            continue
        out.append((task, call))
    return out


def task_usage(trace: Trace, run: int, step: int,
               prices: Prices | None) -> dict[str, UsageTotal]:
    """Task id → the usage (and cost) of the model calls it made in `step`, those of the
    subgraphs it ran included."""
    out: dict[str, UsageTotal] = {}
    for task, call in step_calls(trace, run, step):
        total = call_usage(call, run, prices).total
        out[task] = out[task] + total if task in out else total
    return out


def usage_lines(usage: TraceUsage, selection: Selection, scope: str) -> list[str]:
    """What the Tokens view shows above its timeline: the usage (and cost) of the step,
    of the run and of its thread; in the run scope, the run's calls by node."""
    found, run, currency = usage.rollup, selection.run, usage.rollup.currency
    if not found.calls:
        return []
    step = found.by_step.get((run, selection.step), UsageTotal())
    lines = [f"step {selection.step}: {usage_text.brief(step, currency)} │ "
             f"run {run}: {usage_text.brief(found.run(run), currency)}"]
    thread = thread_of(usage.threads, run)
    if thread is not None and len(thread.runs) > 1:
        name = f"thread {thread.thread_id}" if thread.thread_id is not None else "thread"
        lines.append(f"{name} ({len(thread.runs)} runs): "
                     f"{usage_text.brief(found.thread(thread), currency)}")
    if scope == "run":
        nodes: dict[str, UsageTotal] = {}
        for call in found.calls:
            if call.run == run:
                name = call.call.node or "?"
                nodes[name] = nodes.get(name, UsageTotal()) + call.total
        if nodes:
            lines.append("by node: " + " │ ".join(
                f"{name} {usage_text.brief(t, currency)}" for name, t in nodes.items()))
    return [visible(line) for line in lines]


def call_note(call: CallUsage | None, currency: str | None) -> str:
    """What a call's label in the Tokens view adds: `412 in/9 out · $0.000038`, `usage
    unreported`, `cost unknown` (a model the price table does not name)."""
    if call is None:
        return ""
    if call.usage is None:
        return "usage unreported"
    counts = usage_text.brief(call.total, None)
    if currency is None:
        return counts
    cost = "cost unknown" if call.cost is None else usage_text.money(call.cost, currency)
    return f"{counts} · {cost}"
