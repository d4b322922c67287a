"""A trace's threads read from its index and a few frames, for the viewer.

`tracer.threads.threads_of` groups the runs of a `TraceSummary`, which reads every
event. The viewer opens traces of millions of events: `trace_threads` reads only each
root run's run_start and run_end, and, for the runs that share a thread with another,
their root checkpoint frames (found by hopping frame heads, not decoding them). A frame
it cannot read leaves that fact out: a run whose start is unreadable is its own thread.
"""

from __future__ import annotations

from tracer.frames import TraceError
from tracer.reader import Trace
from tracer.records import KIND_CODES
from tracer.summary import RunSpan, TraceSummary, checkpoint_mark, configurable
from tracer.threads import Thread, threads_of

_CHECKPOINT = KIND_CODES["checkpoint"]


def _root_run(trace: Trace, number: int) -> RunSpan | None:
    entry = trace.index.runs[number]
    try:
        data = trace.read(entry.offset).data
    except TraceError:
        return None
    fork = data.get("fork")
    graph = data.get("graph")
    name = graph.get("name") if isinstance(graph, dict) else None
    run = RunSpan(number, (), entry.run_id, None, name if isinstance(name, str) else None, 0,
                  None, fork=fork if isinstance(fork, dict) else None,
                  resumed=data.get("resumed") is True,
                  thread_id=configurable(data.get("config"), "thread_id"),
                  start_checkpoint=configurable(data.get("config"), "checkpoint_id"))
    end = trace.index.run_ends.get(number)
    if end is not None:
        try:
            ended = trace.read(end).data
            run.status = str(ended.get("status") or "done")
            interrupts = ended.get("interrupts")
            run.interrupts = list(interrupts) if isinstance(interrupts, (list, tuple)) else []
        except TraceError:
            pass
    return run


def _checkpoints(trace: Trace, run: RunSpan, stop: int | None) -> None:
    """Fill in the root checkpoints `run` wrote (its frames up to offset `stop`)."""
    first = trace.index.runs[run.number].offset
    try:
        for offset, code in trace.frame_kinds(first, stop):
            if code != _CHECKPOINT:
                continue
            event = trace.read(offset)
            if event.ns == ():
                mark = checkpoint_mark(event)
                if mark is not None:
                    run.checkpoints.append(mark)
    except TraceError:
        return  # a damaged frame: the checkpoints before it are kept


def trace_threads(trace: Trace) -> list[Thread]:
    """The trace's root runs as threads (`tracer.threads`), cheaply (see the module doc)."""
    numbers = [n for n, entry in enumerate(trace.index.runs) if not entry.ns]
    runs = [r for r in (_root_run(trace, n) for n in numbers) if r is not None]
    ids = [r.thread_id for r in runs if r.thread_id is not None]
    known = {r.run_id for r in runs}
    shared = {t for t in ids if ids.count(t) > 1}
    for i, run in enumerate(runs):
        joins = run.fork is not None and run.fork.get("run_id") in known
        if run.thread_id in shared or joins:
            following = numbers.index(run.number) + 1
            stop = (trace.index.runs[numbers[following]].offset - 1
                    if following < len(numbers) else None)
            _checkpoints(trace, run, stop)
        runs[i] = run
    return threads_of(TraceSummary(runs=runs))
