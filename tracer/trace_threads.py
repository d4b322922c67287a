"""A trace's threads read from its index and a few frames, for the viewer.

`tracer.threads.threads_of` groups the runs of a `TraceSummary`, which reads every
event. The viewer opens traces of millions of events, on its UI thread: `trace_threads`
reads each root run's run_start and run_end, and, for the runs that share a thread,
the checkpoints a resume needs: a run's first one (the one it goes on from) and its
last ones (after its last finished step), found by hopping frame heads near the run's
start and end. Only a run that starts elsewhere (a fork from the middle of an earlier
run, a state edited by `update_state`) makes it read the earlier runs' checkpoints. A
frame it cannot read leaves that fact out: a run whose start is unreadable is its own
thread.
"""

from __future__ import annotations

from tracer.frames import TraceError
from tracer.reader import Trace
from tracer.records import KIND_CODES
from tracer.summary import CheckpointMark, RunSpan, TraceSummary, checkpoint_mark, configurable
from tracer.threads import Thread, threads_of

_CHECKPOINT = KIND_CODES["checkpoint"]
HEAD_FRAMES = 256
"""How far into a run its first checkpoint is looked for (it follows the run_start)."""


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


def _marks(trace: Trace, first: int, stop: int | None,
           limit: int | None = None) -> list[CheckpointMark]:
    """The root checkpoints between offsets `first` and `stop` (the first `limit`
    frames only, when given)."""
    out: list[CheckpointMark] = []
    try:
        for seen, (offset, code) in enumerate(trace.frame_kinds(first, stop)):
            if limit is not None and (seen >= limit or out):
                break
            if code != _CHECKPOINT:
                continue
            event = trace.read(offset)
            if event.ns == ():
                mark = checkpoint_mark(event)
                if mark is not None:
                    out.append(mark)
    except TraceError:
        pass  # a damaged frame: the checkpoints before it are kept
    return out


class _Reader:
    """Checkpoints of root runs, read as little as needed."""

    def __init__(self, trace: Trace, numbers: list[int]) -> None:
        self.trace = trace
        self.stop = {n: (trace.index.runs[after].offset - 1 if after is not None else None)
                     for n, after in zip(numbers, [*numbers[1:], None], strict=True)}
        self.full: set[int] = set()

    def ends(self, run: RunSpan) -> None:
        """Its first checkpoint, and those after its last finished step."""
        trace, start = self.trace, self.trace.index.runs[run.number].offset
        head = _marks(trace, start, self.stop[run.number], HEAD_FRAMES)
        ends = [e.end for e in trace.index.steps if e.run == run.number and e.end is not None]
        tail = _marks(trace, ends[-1], self.stop[run.number]) if ends else []
        run.checkpoints = [*head, *(m for m in tail if m not in head)]

    def all(self, run: RunSpan) -> None:
        if run.number not in self.full:
            self.full.add(run.number)
            run.checkpoints = _marks(self.trace, self.trace.index.runs[run.number].offset,
                                     self.stop[run.number])


def _known_start(run: RunSpan, seen: set[str]) -> bool:
    """Whether the checkpoint `run` says it started from is one of `seen` (a resume from
    where a run stopped); if not (a fork from the middle of a run, or an edit by
    update_state), the earlier runs' checkpoints must all be read to place it."""
    if run.start_checkpoint is not None:
        return run.start_checkpoint in seen
    return not run.checkpoints or run.checkpoints[0].id in seen


def trace_threads(trace: Trace) -> list[Thread]:
    """The trace's root runs as threads (`tracer.threads`), cheaply (see the module doc)."""
    numbers = [n for n, entry in enumerate(trace.index.runs) if not entry.ns]
    runs = [r for r in (_root_run(trace, n) for n in numbers) if r is not None]
    ids = [r.thread_id for r in runs if r.thread_id is not None]
    known = {r.run_id for r in runs}
    shared = {t for t in ids if ids.count(t) > 1}
    reader = _Reader(trace, numbers)
    threaded = [r for r in runs if r.thread_id in shared
                or (r.fork is not None and r.fork.get("run_id") in known)]
    for run in threaded:
        reader.ends(run)
    for i, run in enumerate(threaded):
        if not run.resumed or run.fork is not None:
            continue
        earlier = [r for r in threaded[:i] if r.thread_id == run.thread_id]
        seen = {m.id for r in earlier for m in r.checkpoints}
        if earlier and not _known_start(run, seen):
            for before in earlier:
                reader.all(before)
    return threads_of(TraceSummary(runs=runs))
