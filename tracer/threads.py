"""Threads: the root runs of one checkpointer thread, as one timeline.

A program that runs a graph with a checkpointer and a `thread_id` makes several runs
of one conversation: the first invoke, a resume after each interrupt, a fork from a
past checkpoint (`update_state`, or an invoke with a past `checkpoint_id`, or the
debugger's fork). The trace records each as its own root run; `threads_of` puts them
back together and says how each run follows from what came before:

- "start": new input (the thread's first run, or a later turn with new input);
- "resume": it goes on from where a run stopped (its last checkpoint: an interrupt,
  or a state edited there with `update_state`), the first run to do so;
- "fork": it branches from an earlier checkpoint (or from one a run already went on
  from); `fork` = {run_id, step, run}: the run and step (the state after that step)
  it starts from.

How a run follows is read from what the trace holds: a fork the debugger made names
its source in run_start (it runs in a new thread, and joins its source's here);
otherwise the checkpoint a resumed run started from (its `checkpoint_id`, the
checkpoint it re-announces, or the parent of the first one it writes) is looked up
among the checkpoints earlier runs wrote. Root runs with no thread id are each their
own thread. Pure: it reads a `TraceSummary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tracer.summary import RunSpan, TraceSummary

Relation = Literal["start", "resume", "fork"]


@dataclass(frozen=True)
class Link:
    """How a run of a thread follows from what came before it."""

    relation: Relation
    previous: int | None = None
    """The run number it continues (resume) or branches from (fork), when known."""
    fork: dict[str, Any] | None = None
    """For a fork: {"run_id", "step", "run"} (run: its number in this trace, or None when
    the source run is not in this trace)."""


@dataclass
class Thread:
    """One thread's root runs in time (file) order, each with how it follows."""

    thread_id: str | None
    runs: list[RunSpan] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    """`links[i]` says how `runs[i]` follows from the runs before it."""

    def entries(self) -> list[tuple[RunSpan, Link]]:
        return list(zip(self.runs, self.links, strict=True))

    @property
    def status(self) -> str:
        """Its latest run's status (a thread is where its last run left it)."""
        return self.runs[-1].status if self.runs else "empty"


@dataclass
class _Seen:
    """Checkpoints met so far in one thread: who wrote each, and their parents."""

    owner: dict[str, tuple[RunSpan, int]] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    resumed: set[str] = field(default_factory=set)
    """Checkpoints a run has already gone on from: a second run from one is a fork."""

    def add(self, run: RunSpan) -> None:
        for mark in run.checkpoints:
            self.owner.setdefault(mark.id, (run, mark.step))
            if mark.parent_id is not None:
                self.parent.setdefault(mark.id, mark.parent_id)

    def origin(self, run: RunSpan) -> str | None:
        """The id of the earlier run's checkpoint `run` started from, or None."""
        first = run.checkpoints[0] if run.checkpoints else None
        cid = run.start_checkpoint
        if cid is None and first is not None:
            cid = first.id if first.id in self.owner or first.source == "update" \
                else first.parent_id
        if cid is not None and first is not None and first.id == cid \
                and first.parent_id is not None:
            self.parent.setdefault(cid, first.parent_id)  # an update_state checkpoint
        hops = 0
        while cid is not None and cid not in self.owner and hops < 64:
            cid, hops = self.parent.get(cid), hops + 1  # past update_state's edits
        return cid if cid in self.owner else None


def _link(run: RunSpan, before: list[RunSpan], seen: _Seen,
          numbers: dict[str, int]) -> Link:
    first = run.checkpoints[0].id if run.checkpoints else None
    if run.fork is not None and first not in seen.owner:
        # The debugger's fork names its source. (A run that goes on from a fork's first
        # checkpoint, where the fork stopped, names it too, but that one is a resume.)
        source = run.fork.get("run_id")
        step = run.fork.get("step")
        number = numbers.get(source) if isinstance(source, str) else None
        return Link("fork", number, {"run_id": source if isinstance(source, str) else None,
                                     "step": step if type(step) is int else None,
                                     "run": number})
    if not before or not run.resumed:
        return Link("start", before[-1].number if before else None)
    origin = seen.origin(run)
    if origin is None:
        return Link("resume", before[-1].number)
    owner, step = seen.owner[origin]
    if owner.checkpoints[-1].id == origin and origin not in seen.resumed:
        seen.resumed.add(origin)
        return Link("resume", owner.number)  # from where that run stopped
    return Link("fork", owner.number, {"run_id": owner.run_id, "step": step,
                                       "run": owner.number})


def threads_of(summary: TraceSummary) -> list[Thread]:
    """The trace's root runs grouped into threads, in the order each thread began.

    A fork the debugger made runs in a thread of its own, but it branches from a run of
    this trace: it joins that run's thread (and so do the runs that go on from it)."""
    threads: list[Thread] = []
    by_id: dict[str, tuple[Thread, _Seen]] = {}
    of_run: dict[int, tuple[Thread, _Seen]] = {}
    numbers = {r.run_id: r.number for r in summary.root_runs if r.run_id is not None}
    for run in summary.root_runs:
        found = by_id.get(run.thread_id) if run.thread_id is not None else None
        source = run.fork.get("run_id") if run.fork is not None else None
        if found is None and isinstance(source, str) and numbers.get(source) in of_run:
            found = of_run[numbers[source]]
        if found is None:
            found = (Thread(run.thread_id), _Seen())
            threads.append(found[0])
        if run.thread_id is not None:
            by_id.setdefault(run.thread_id, found)
        thread, seen = found
        thread.links.append(_link(run, thread.runs, seen, numbers))
        thread.runs.append(run)
        seen.add(run)
        of_run[run.number] = found
    return threads


def thread_of(threads: list[Thread], run: int) -> Thread | None:
    """The thread holding root run number `run`, or None."""
    for thread in threads:
        if any(r.number == run for r in thread.runs):
            return thread
    return None
