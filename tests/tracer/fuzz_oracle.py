"""Judging what the reader makes of a malformed trace (`fuzzing.Case`), against what it
read from the undamaged one (`Baseline`).

`check` runs every read path of the API over the file and raises AssertionError naming
the path and case when one breaks its promise: a wrong event or state returned as if it
were right, an exception that is not a TraceError, a damaged file read as whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import tracer
from engine.events import Event
from tracer import TraceCorruptError, TraceError
from tracer.reader import Trace

T = TypeVar("T")
Key = tuple[str, int, int, tuple[str, ...], int]
StepKey = tuple[str, tuple[str, ...], int]
OUTCOMES = ("whole", "damage reported", "refused")
"""A case read exactly as the original; read in part, the rest reported as damage;
refused as a whole by open_trace with a TraceError."""


def _key(event: Event) -> Key:
    return event.kind, event.seq, event.t, event.ns, event.step


@dataclass
class Baseline:
    """Everything read from the undamaged trace, to compare a damaged copy with."""

    events: list[Event]
    records: dict[Key, Event]
    """Every frame read as an event (keyframes too), by kind, seq, t, ns and step."""
    states: dict[StepKey, dict[str, Any]]
    """(run id, namespace, step) → state after the step (a subgraph's runs share their
    root run's id)."""
    before: dict[StepKey, dict[str, Any]]
    """The state before the step (after the run's previous step)."""
    diffs: dict[StepKey, Any]
    ends: dict[StepKey, int | None]
    """Where each step's step_end is (None: it has none)."""
    calls: list[Any]

    @classmethod
    def of(cls, path: Path) -> Baseline:
        with tracer.open_trace(path) as trace:
            records = {_key(e): e for e in map(trace.read, trace.offsets())}
            states: dict[StepKey, dict[str, Any]] = {}
            before: dict[StepKey, dict[str, Any]] = {}
            diffs: dict[StepKey, Any] = {}
            ends: dict[StepKey, int | None] = {}
            for run in trace.runs:
                previous = trace.read(run.offset).data["state"]
                for step in trace.steps(run.number):
                    key = (run.run_id, run.ns, step)
                    states[key] = trace.state_at(step, run.number)
                    before[key], previous = previous, states[key]
                    diffs[key] = trace.diff(step, run.number)
                    ends[key] = trace.step_entry(step, run.number).end
            return cls(list(trace.events()), records, states, before, diffs, ends,
                       trace.llm_calls())


@dataclass
class Report:
    """What `check` saw of one case."""

    outcome: str
    damage: list[str] = field(default_factory=list)
    """Messages of the damage the reader reported (TraceErrors raised, Trace.errors)."""


class _Probe:
    """Calls one read path of a case, allowing only TraceError out (noted as damage)."""

    def __init__(self, case: str) -> None:
        self.case = case
        self.damage: list[str] = []

    def __call__(self, what: str, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except TraceError as exc:
            self.damage.append(f"{what}: {exc}")
            return None
        except Exception as exc:
            raise AssertionError(f"{self.case}: {what} raised {type(exc).__name__}: "
                                 f"{exc}") from exc


_NAMING = ("task_id", "name", "path", "triggers")
"""What a task event takes from its step_start (FORMAT.md §7)."""


def same(got: Event, original: Event | None) -> bool:
    """`got` is `original`, or the task event it is with its task unknown (its id and
    name None: the step_start that names it is damaged or missing)."""
    if original is None or got == original:
        return got == original
    if got.kind not in ("task_start", "task_end") or got.data.get("task_id") is not None:
        return False
    if got.data.get("name") is not None or got[:5] != original[:5]:
        return False
    return _unnamed(got.data) == _unnamed(original.data)


def _unnamed(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _NAMING}


def _same_diff(got: list[Any], original: list[Any]) -> bool:
    """Diffs equal, but for the ids and names of tasks whose step_start is damaged."""
    if got == original:
        return True
    if len(got) != len(original) or any(g.task_id is not None for g in got):
        return False
    # Unnamed tasks cannot be put in name order: match them in any order.
    left = list(original)
    for g in got:
        match = [o for o in left if (g.duration, g.error, g.interrupts, g.writes) ==
                 (o.duration, o.error, o.interrupts, o.writes)]
        if g.name is not None or not match:
            return False
        left.remove(match[0])
    return True


def _subsequence(got: list[Event], original: list[Event]) -> bool:
    """Whether `got` is `original` with some events left out, in order."""
    it = iter(original)
    return all(any(same(g, o) for o in it) for g in got)


def _indexed_offsets(trace: Trace) -> Iterator[int]:
    index = trace.index
    for run in index.runs:
        yield run.offset
    for entry in index.steps:
        yield from (o for o in (entry.start, entry.end) if o is not None)
        yield from entry.task_ends
    yield from (k.offset for k in index.keyframes)
    yield from index.run_ends.values()


def check(path: Path, oracle: str, base: Baseline, name: str = "") -> Report:
    """Read the case at `path` every way the API offers; AssertionError if the reader
    breaks the promise `oracle` names (see fuzzing.py). Returns what it saw."""
    case = f"{name or path} ({oracle})"
    probe = _Probe(case)
    trace = probe("open_trace", lambda: tracer.open_trace(path))
    if trace is None:
        assert oracle in ("damage", "refused", "cut"), case
        if oracle == "cut":  # only a cut inside the header may be refused
            assert "header" in probe.damage[0] or "empty" in probe.damage[0], probe.damage
        return Report("refused", probe.damage)
    assert oracle != "refused", f"{case}: opened"
    with trace:
        _check_open(trace, oracle, base, probe)
        errors = [str(e) for e in trace.errors]
        torn = trace.index.torn
    damage = probe.damage + errors
    if oracle == "cut":
        assert not damage, f"{case}: a cut trace reported damage: {damage}"
    whole = not damage
    if oracle == "damage" and whole and not torn:
        # (Damage that makes a frame run past the end of the file is a torn tail: no
        # reader can tell it from a crash mid-write, and it reads as one.)
        raise AssertionError(f"{case}: damaged bytes were read as a whole trace")
    return Report("whole" if whole else "damage reported", damage)


def _check_open(trace: Trace, oracle: str, base: Baseline, probe: _Probe) -> None:
    exact = oracle != "forged"
    events = probe("events", lambda: list(trace.events()))
    if exact and events is not None:
        if oracle == "cut":
            assert events == base.events[: len(events)], f"{probe.case}: not a prefix"
        else:
            assert _subsequence(events, base.events), f"{probe.case}: events changed"
    for offset in _indexed_offsets(trace):
        event = probe(f"read({offset})", lambda o=offset: trace.read(o))  # type: ignore[misc]
        if exact and event is not None:
            assert same(event, base.records.get(_key(event))), f"{probe.case}: read({offset})"
    for run in trace.runs:
        for step in trace.steps(run.number):
            _check_step(trace, run.number, (run.run_id, run.ns, step), oracle, base, probe)
    calls = probe("llm_calls", trace.llm_calls)
    if calls is not None and oracle == "cut" and not trace.index.torn and events == base.events:
        assert calls == base.calls, f"{probe.case}: llm_calls"


def _check_step(trace: Trace, run: int, key: StepKey, oracle: str, base: Baseline,
                probe: _Probe) -> None:
    step = key[2]
    where = f"step {step} of run {run} ({key[0]})"
    state = probe(f"state_at({where})", lambda: trace.state_at(step, run))
    entry = trace.step_entry(step, run)
    if state is not None and oracle != "forged":
        assert key in base.states, f"{probe.case}: {where} is not in the original"
        # A step whose step_end lies past the last whole frame the reader found (a cut,
        # or a torn tail) has not ended: its state is the one before it.
        original_end = base.ends[key]
        cut = entry.end is None and original_end is not None and (
            original_end >= trace.index.end)
        want = base.before[key] if cut else base.states[key]
        assert state == want, f"{probe.case}: wrong state at {where}: {state} != {want}"
    diff = probe(f"diff({where})", lambda: trace.diff(step, run))
    if (diff is not None and oracle != "forged" and entry.end is not None
            and key in base.diffs and len(entry.task_ends) == len(base.diffs[key])):
        assert _same_diff(diff, base.diffs[key]), f"{probe.case}: diff at {where}"
    events = probe(f"step_events({where})", lambda: trace.step_events(step, run))
    if events is not None and oracle != "forged":
        for event in events:
            assert same(event, base.records.get(_key(event))), f"{probe.case}: step_events"


def tally(reports: list[Report]) -> Counter[str]:
    return Counter(r.outcome for r in reports)


__all__ = ["OUTCOMES", "Baseline", "Report", "TraceCorruptError", "check", "tally"]
