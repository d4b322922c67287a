"""Trace-level summaries: runs, steps and tasks with timings, and the LLM calls.

`summarize(events)` folds events (file order) into a `TraceSummary` in one pass,
touching no file (`TraceSummarizer` does it incrementally). `scan_integrity(trace)`
lists corrupt regions by re-hopping all frames: a cleanly closed trace opens from its
index, so its `Trace.errors` stays empty even when a frame in the middle is corrupt.
Times are ns on the root run's clock (`Event.t`); `wall_start_ns` places a run on
the wall clock (each root run has its own clock; subgraph runs share their root's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.events import Event
from tracer.analysis import LLMCall, llm_calls, text_of, text_or_none
from tracer.frames import FOOTER_SIZE, TraceCorruptError
from tracer.frameview import FrameView
from tracer.scanner import Scanner

if TYPE_CHECKING:
    from tracer.reader import Trace

STATUS_ORDER = ("incomplete", "error", "interrupted", "stopped", "done")
"""Run statuses, worst first: a trace's status is its worst root run's."""


def is_stop(error: Any) -> bool:
    """A task "error" that is the debugger stopping the run (`stepscope debug`'s x), not a
    failure of the graph."""
    name = getattr(error, "cls", None) or type(error).__qualname__
    return str(name).rsplit(".", 1)[-1] == "RunStopped"


def task_status(error: Any, interrupts: Any) -> str:
    """failed / stopped / interrupted / done, from a task_end's error and interrupts."""
    if error is not None:
        return "stopped" if is_stop(error) else "failed"
    return "interrupted" if interrupts else "done"


@dataclass
class TaskSpan:
    """One task of a step: when it ran, what it wrote, how it ended (the one model of a
    task that the summary, the report, the exports and the views share)."""

    name: str | None
    task_id: str | None
    run: int
    ns: tuple[str, ...]
    step: int
    start: int | None = None
    end: int | None = None
    duration: int | None = None
    """The engine's own measure (ns); None while the task has not ended."""
    writes: list[str] = field(default_factory=list)
    error: Any = None
    interrupts: int = 0
    lost: bool = False
    """The step ended but this task's task_end could not be read: how it ended is not
    known."""

    def finish(self, t: int, data: dict[str, Any]) -> None:
        """Take what a task_end at `t` (ns) says: the end, duration, writes, error."""
        self.end, self.duration = t, _number(data.get("duration"))
        self.writes = [text_of(w[0]) for w in _list(data.get("writes"))
                       if isinstance(w, (list, tuple)) and w]
        self.error = data.get("error")
        self.interrupts = len(_list(data.get("interrupts")))

    @property
    def status(self) -> str:
        """done / failed / stopped / interrupted / running (no task_end yet) / unknown
        (`lost`)."""
        if self.end is None:
            return "unknown" if self.lost else "running"
        return task_status(self.error, self.interrupts)


@dataclass
class StepSpan:
    """One superstep of a run (step 0 is the input and has no tasks)."""

    run: int
    ns: tuple[str, ...]
    step: int
    start: int | None = None
    end: int | None = None
    complete: bool = False
    """The step reached its step_end (the barrier)."""
    planned: list[str] = field(default_factory=list)
    tasks: list[TaskSpan] = field(default_factory=list)

    @property
    def duration(self) -> int | None:
        """step_start → step_end (the barrier); None until the step has ended."""
        return None if self.start is None or self.end is None else self.end - self.start

    @property
    def extent(self) -> int:
        """What the step has taken so far: to its step_end, else (a step an error cut
        short, or one still running) to its last task_end."""
        start = self.start or 0
        end = self.end
        if end is None:
            end = max((t.end for t in self.tasks if t.end is not None), default=start)
        return max(0, end - start)

    def wait(self, task: TaskSpan) -> int:
        """How long `task` waited at the barrier for the straggler, ns."""
        lagging = self.straggler()
        if lagging is None or task.end is None or lagging[0].end is None:
            return 0
        return max(0, lagging[0].end - task.end)

    def straggler(self) -> tuple[TaskSpan, int] | None:
        """The task the barrier waited for (last to end, ≥ 2 tasks) and its lead in ns."""
        ended = sorted((t for t in self.tasks if t.end is not None), key=lambda t: t.end or 0)
        if len(ended) < 2:
            return None
        last, before = ended[-1], ended[-2]
        return last, (last.end or 0) - (before.end or 0)


@dataclass(frozen=True)
class CheckpointMark:
    """A checkpoint a run wrote (or, first in a resumed run, the one it resumed from)."""

    id: str
    step: int
    parent_id: str | None
    source: str | None
    """"input", "loop", "update" (`update_state`) or "fork"; None if not recorded."""


@dataclass
class RunSpan:
    """One graph run in the file: a root run, a subgraph run or a fork."""

    number: int
    ns: tuple[str, ...]
    run_id: str | None
    parent_task: str | None
    graph: str | None
    start: int
    wall_start_ns: int | None
    end: int | None = None
    status: str = "incomplete"
    error: Any = None
    duration: int | None = None
    interrupts: list[Any] = field(default_factory=list)
    steps: list[StepSpan] = field(default_factory=list)
    last_t: int = 0
    fork: dict[str, Any] | None = None
    """{run_id, step} of the run and step this run branched from (a fork)."""
    resumed: bool = False
    """It resumed a run that paused (interrupt) in the same thread."""
    thread_id: str | None = None
    """The `configurable.thread_id` it ran with (a checkpointer's thread), if any."""
    start_checkpoint: str | None = None
    """The `configurable.checkpoint_id` it was started from (time travel), if any."""
    checkpoints: list[CheckpointMark] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.end is not None  # reached its run_end


@dataclass
class TraceSummary:
    """What `summarize` found: runs with their steps and tasks, LLM calls, counts."""

    runs: list[RunSpan] = field(default_factory=list)
    llm_calls: list[LLMCall] = field(default_factory=list)
    """From `tracer.analysis.llm_calls` (TTFT, tokens per second, gaps, stalls)."""
    call_runs: dict[int, int] = field(default_factory=dict)
    """LLM call number → the run it was made in."""
    events: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    malformed: list[str] = field(default_factory=list)
    """Events left out because their data could not be summarised (a malformed trace)."""

    @property
    def root_runs(self) -> list[RunSpan]:
        return [r for r in self.runs if not r.ns]  # forks too: they have no namespace

    @property
    def status(self) -> str:
        """The worst status of its threads, each where its last run left it (a run an
        interrupt paused and a later run resumed is not still "interrupted"; a root run
        without a thread id is a thread of its own); "empty" when it holds no run."""
        if not self.root_runs:
            return "empty"
        from tracer.threads import threads_of  # it reads this module's RunSpan

        rank = {s: i for i, s in enumerate(STATUS_ORDER)}
        return min((t.status for t in threads_of(self)), key=lambda s: rank.get(s, 0))

    def tasks(self) -> list[TaskSpan]:
        """Every task of every run, in step order."""
        return [t for r in self.runs for s in r.steps for t in s.tasks]


class TraceSummarizer:
    """Feed events in file order with `add`; `finish()` returns the `TraceSummary`."""

    def __init__(self) -> None:
        self.summary = TraceSummary()
        # Runs by namespace: a namespace's latest run_start owns its later events.
        self._run_of: dict[tuple[str, ...], int] = {}
        self._steps: dict[tuple[int, int], StepSpan] = {}
        self._tasks: dict[tuple[int, str | None], TaskSpan] = {}
        self._llm_events: list[Event] = []

    def _step(self, run: int, event: Event) -> StepSpan:
        key = (run, event.step)
        step = self._steps.get(key)
        if step is None:
            step = StepSpan(run, event.ns, event.step)
            if 0 <= run < len(self.summary.runs):
                owner = self.summary.runs[run]
                step.start = owner.start if not owner.steps else owner.steps[-1].end
                owner.steps.append(step)
            self._steps[key] = step
        return step

    def _task(self, run: int, event: Event) -> TaskSpan:
        task_id = event.data.get("task_id")
        task = self._tasks.get((run, task_id))
        if task is None or task.step != event.step:
            task = TaskSpan(event.data.get("name"), task_id, run, event.ns, event.step)
            self._step(run, event).tasks.append(task)
            self._tasks[(run, task_id)] = task
        return task

    def add(self, event: Event) -> None:
        """Fold in one event. One whose data a malformed trace gave values no summary can
        be made of is left out, and noted in `summary.malformed`."""
        summary = self.summary
        summary.events += 1
        summary.kinds[event.kind] += 1
        try:
            self._add(event)
        except Exception as exc:  # a malformed event must not stop the summary
            summary.malformed.append(f"{event.kind} (seq {event.seq}, step {event.step}) "
                                     f"left out: {type(exc).__name__}: {text_of(exc)}")

    def _add(self, event: Event) -> None:
        summary = self.summary
        kind, data, t = event.kind, event.data, event.t
        if kind == "run_start":
            self._run_of[event.ns] = len(summary.runs)
            graph, parent, wall = data.get("graph"), data.get("parent"), data.get(
                "wall_start_ns")
            fork = data.get("fork")
            summary.runs.append(RunSpan(
                len(summary.runs), event.ns, text_or_none(data.get("run_id")),
                parent if type(parent) is str else None,
                text_or_none(graph.get("name")) if isinstance(graph, dict) else None, t,
                wall if type(wall) is int else None,
                fork=fork if isinstance(fork, dict) else None,
                resumed=data.get("resumed") is True,
                thread_id=configurable(data.get("config"), "thread_id"),
                start_checkpoint=configurable(data.get("config"), "checkpoint_id")))
        run = self._run_of.get(event.ns, -1)
        owner = summary.runs[run] if 0 <= run < len(summary.runs) else None
        if owner is not None:
            owner.last_t = max(owner.last_t, t)
        if kind == "step_start":
            step = self._step(run, event)
            step.start, step.planned = t, [text_of(n) for n in _list(data.get("names"))]
        elif kind == "step_end":
            step = self._step(run, event)
            step.end, step.complete = t, True
        elif kind == "task_start":
            self._task(run, event).start = t
        elif kind == "task_end":
            self._task(run, event).finish(t, data)
        elif kind in ("llm_start", "token", "llm_end"):
            self._llm_events.append(event)
            number = data.get("n", -1)
            if kind == "llm_start" and type(number) is int:
                summary.call_runs[number] = run
        elif kind == "checkpoint" and owner is not None:
            mark = checkpoint_mark(event)
            if mark is not None:
                owner.checkpoints.append(mark)
        elif kind == "interrupt" and owner is not None:
            owner.interrupts.extend(_list(data.get("interrupts")))
        elif kind == "run_end" and owner is not None:
            owner.end, owner.status = t, text_of(data.get("status") or "done")
            owner.error, owner.duration = data.get("error"), _number(data.get("duration"))

    def finish(self) -> TraceSummary:
        """Close what a crash (or a failed step) left open, and return the summary."""
        self.summary.llm_calls = llm_calls(self._llm_events)
        for run in self.summary.runs:
            if run.duration is None:
                run.duration = (run.end if run.end is not None else run.last_t) - run.start
            for step in run.steps:
                ended = [t.end for t in step.tasks if t.end is not None]
                if step.end is None:  # a task failed (its last end) or a crash (last event)
                    full = ended and len(ended) == len(step.tasks)
                    step.end = max(ended) if full else run.last_t
                if step.start is None:
                    step.start = run.start
        return self.summary


def _list(value: Any) -> list[Any] | tuple[Any, ...]:
    """A list or tuple field, or () when a malformed trace put something else there."""
    return value if isinstance(value, (list, tuple)) else ()


def configurable(config: Any, key: str) -> str | None:
    """`config["configurable"][key]` as text (a thread id may be a number), or None."""
    section = config.get("configurable") if isinstance(config, dict) else None
    value = section.get(key) if isinstance(section, dict) else None
    return str(value) if type(value) in (str, int) else None


def checkpoint_mark(event: Event) -> CheckpointMark | None:
    """The checkpoint a checkpoint event names (its id, its parent's, its source)."""
    data = event.data
    cid = configurable(data.get("config"), "checkpoint_id")
    if cid is None:
        return None
    metadata = data.get("metadata")
    source = metadata.get("source") if isinstance(metadata, dict) else None
    return CheckpointMark(cid, event.step, configurable(data.get("parent_config"),
                                                         "checkpoint_id"),
                          source if type(source) is str else None)


def _number(value: Any) -> int | None:
    return value if type(value) is int else None


def summarize(events: Iterable[Event]) -> TraceSummary:
    """Fold events (in file order) into a `TraceSummary`."""
    summarizer = TraceSummarizer()
    for event in events:
        summarizer.add(event)
    return summarizer.finish()


@dataclass
class Integrity:
    """What a full frame-by-frame scan of a trace file found."""

    errors: list[TraceCorruptError]
    torn: bool  # the file ends inside a frame (the writer was killed, or still writes)
    frames: int


def scan_integrity(trace: Trace) -> Integrity:
    """Hop every frame of `trace`'s file (its own handle) and list the corrupt regions.

    A cleanly closed file ends with its 16-byte footer, which is not a frame: the scan
    stops there, and what it says about those last bytes is left out.
    """
    view = FrameView(trace.path)
    try:
        scanner = Scanner(view, trace.start)
        frames = len(scanner.scan())
        size = view.size()
    finally:
        view.close()
    errors, torn = list(scanner.index.errors), scanner.index.torn
    if trace.finished:
        footer = size - FOOTER_SIZE
        errors = [e for e in errors if e.offset < footer]
        torn = torn and scanner.index.end < footer
    return Integrity(errors, torn, frames)
