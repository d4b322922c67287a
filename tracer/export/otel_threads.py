"""`ThreadBook`: the root runs an OpenTelemetry export has met, by thread, so that each
new root run is linked to the run it resumes or the step it forks from (the relation is
`tracer.threads`' own: it is asked about the run's thread only, never the whole trace).

A thread here is what `tracer.threads` calls one: the runs of one checkpointer thread id,
joined by a fork the debugger made (a new thread id naming its source run) and by the
runs that go on from that fork. Its key, the thread id of its first run, is the
`gen_ai.conversation.id` of all of them. A live exporter lives as long as its process:
the book keeps the last `RUNS_PER_THREAD` runs of the last `THREADS` threads.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from tracer.summary import RunSpan, TraceSummary
from tracer.threads import Link, threads_of

THREADS = 10_000
RUNS_PER_THREAD = 1_000


class ThreadBook:
    """Root runs by thread. `join` a run when it starts, `follow` it when it ends."""

    def __init__(self) -> None:
        self._runs: OrderedDict[str, list[RunSpan]] = OrderedDict()
        self._thread_of_id: OrderedDict[str, str] = OrderedDict()
        self._thread_of_run: OrderedDict[str, str] = OrderedDict()

    def join(self, run: RunSpan) -> str | None:
        """The key of the thread a starting root run belongs to (None: no thread id and
        no known source)."""
        source = run.fork.get("run_id") if run.fork is not None else None
        key = self._thread_of_run.get(source) if isinstance(source, str) else None
        if key is None and run.thread_id is not None:
            key = self._thread_of_id.get(run.thread_id, run.thread_id)
        if key is None:
            return None
        if run.thread_id is not None:
            _remember(self._thread_of_id, run.thread_id, key)
        if run.run_id is not None:
            _remember(self._thread_of_run, run.run_id, key)
        return key

    def follow(self, run: RunSpan, number: int, key: str | None) -> Link:
        """How the ended root run `run` (number `number` in the file) follows the runs of
        its thread before it; it is then one of them."""
        me = replace(run, number=number, steps=[], interrupts=[])
        before = self._runs.get(key, []) if key is not None else []
        thread = next(t for t in threads_of(TraceSummary(runs=[*before, me]))
                      if any(r is me for r in t.runs))
        link = thread.links[next(i for i, r in enumerate(thread.runs) if r is me)]
        if key is not None:
            runs = self._runs.setdefault(key, [])
            runs.append(me)
            del runs[:-RUNS_PER_THREAD]
            self._runs.move_to_end(key)
            while len(self._runs) > THREADS:
                self._runs.popitem(last=False)
        return link

    def run_id(self, key: str | None, number: int) -> str | None:
        """The run id of run `number` of thread `key`, if the book has it."""
        for run in self._runs.get(key, []) if key is not None else []:
            if run.number == number:
                return run.run_id
        return None


def _remember(book: OrderedDict[str, str], name: str, key: str) -> None:
    book[name] = key
    book.move_to_end(name)
    while len(book) > THREADS * 4:
        book.popitem(last=False)
