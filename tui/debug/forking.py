"""Where a fork starts: a root run's step, its state, and the tasks that step triggered.

`fork_point` reads them from the session's checkpointer when the run was made in this
session (exact: barriers and the original checkpoint id included), else from the trace
(post-mortem): the state at the step, the next step's tasks (node names, and each
Send's argument), and the checkpoint id if the trace recorded checkpoints.
`state_json` / `parse_state` turn the state into editable JSON and back, validated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.constants import PUSH
from engine.messages import BaseMessage, convert_to_message, is_message, message_fields
from engine.types import Send
from tracer import Trace, TraceError
from tracer.export.jsonable import to_jsonable
from tracer.records import KIND_CODES
from tracer.reducers import ADD_MESSAGES

_CHECKPOINT = KIND_CODES["checkpoint"]


class ForkError(ValueError):
    """The step cannot be forked from, or the edited state is not valid; says why."""


@dataclass(frozen=True)
class ForkPoint:
    """A root run's step to branch from."""

    run: int
    run_id: str
    step: int
    values: dict[str, Any]
    triggered: tuple[str, ...]
    sends: tuple[Send, ...]
    checkpoint_id: str | None
    barriers: dict[str, Any] = field(default_factory=dict)
    reducers: dict[str, str | None] = field(default_factory=dict)
    ran: tuple[str, ...] = ()
    """The nodes whose tasks ran in `step` (LangGraph seeds a fork as their update)."""
    thread_id: str | None = None
    """The checkpointer thread of `checkpoint_id`, when the trace recorded it."""

    @property
    def next_nodes(self) -> list[str]:
        return [s.node for s in self.sends] + list(self.triggered)


def fork_point(trace: Trace, run: int, step: int, saver: Any = None,
               thread: str | None = None) -> ForkPoint:
    """The fork point of run `run`'s `step` (see the module doc); ForkError if none."""
    try:
        entry = trace.index.runs[run]
    except IndexError:
        raise ForkError(f"the trace has no run {run}") from None
    offset, ns, run_id = entry.offset, entry.ns, entry.run_id
    if ns:
        raise ForkError("forks start from the root graph's steps: choose the root run "
                        "(a subgraph's step is part of its parent's step)")
    if step not in trace.steps(run):
        raise ForkError(f"run {run} has no step {step}")
    if trace.step_entry(step, run).end is None and step > 0:
        raise ForkError(f"step {step} did not finish (an error, an interrupt or a crash cut "
                        f"it): fork from step {step - 1} to run it again")
    start = trace.read(offset).data
    reducers = {k: v.get("reducer") for k, v in start["graph"].get("channels", {}).items()}
    record = _saved(saver, thread, step)
    try:
        ran = _ran(trace, run, step)
    except TraceError:
        ran = ()
    if record is not None:
        return ForkPoint(run, str(run_id), step, dict(record.values), tuple(record.triggered),
                         tuple(record.sends), record.id, dict(record.barriers), reducers, ran)
    try:
        values = trace.state_at(step, run)
        triggered, sends = _next_tasks(trace, run, step)
        checkpoint = _checkpoint_event(trace, run, step)
    except TraceError as exc:
        raise ForkError(f"cannot read step {step} of run {run}: {exc}") from None
    if checkpoint is not None and not triggered and not sends:
        triggered = tuple(checkpoint.get("next") or ())
    configurable = (checkpoint or {}).get("config", {}).get("configurable", {})
    cid, thread = configurable.get("checkpoint_id"), configurable.get("thread_id")
    return ForkPoint(run, str(run_id), step, values, triggered, sends, cid, {}, reducers, ran,
                     str(thread) if thread is not None else None)


def _saved(saver: Any, thread: str | None, step: int) -> Any:
    if saver is None or thread is None:
        return None
    for record in saver.history(thread, ""):  # newest first
        if record.step == step and record.source in ("loop", "input", "fork", "update"):
            return record
    return None


def _ran(trace: Trace, run: int, step: int) -> tuple[str, ...]:
    names = [str(e.data.get("name")) for e in trace.step_events(step, run)
             if e.kind == "task_end" and not e.ns and not e.data.get("hidden")]
    return tuple(dict.fromkeys(names))


def _next_tasks(trace: Trace, run: int, step: int) -> tuple[tuple[str, ...], tuple[Send, ...]]:
    if step + 1 not in trace.steps(run):
        return (), ()
    pulls: list[str] = []
    pushes: list[tuple[int, Send]] = []
    for event in trace.step_events(step + 1, run):
        if event.kind != "task_start":
            continue
        path = event.data.get("path") or ()
        name = str(event.data.get("name"))
        if path and path[0] == PUSH:
            pushes.append((int(path[1]), Send(name, event.data.get("input"))))
        else:
            pulls.append(name)
    return tuple(dict.fromkeys(pulls)), tuple(s for _, s in sorted(pushes, key=lambda p: p[0]))


def _checkpoint_event(trace: Trace, run: int, step: int) -> dict[str, Any] | None:
    """The root checkpoint saved after `step`, if the trace recorded checkpoints."""
    entry = trace.step_entry(step, run)
    first = entry.end if entry.end is not None else entry.start
    if first is None:
        first = trace.index.runs[run].offset
    for offset, code in trace.frame_kinds(first)[:256]:
        if code == KIND_CODES["step_start"] and offset > first:
            event = trace.read(offset)
            if not event.ns:
                return None  # the next root step began: no checkpoint for this one
        if code == _CHECKPOINT:
            event = trace.read(offset)
            if not event.ns and event.data.get("metadata", {}).get("step") == step:
                return dict(event.data)
    return None


# -- editing ------------------------------------------------------------------------------
def state_json(values: dict[str, Any]) -> str:
    """The state as indented JSON for the editor."""
    return json.dumps(to_jsonable(values), indent=2, ensure_ascii=False)


def parse_state(text: str, point: ForkPoint) -> dict[str, Any] | None:
    """The edited state, or None when nothing changed (an unedited fork keeps the
    original checkpoint id, so its first tasks keep their ids). Unchanged keys keep
    their original objects; changed message lists become messages again."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ForkError(f"not valid JSON: {exc.msg} ({where})") from None
    if not isinstance(data, dict):
        raise ForkError(f"the state must be a JSON object, not {type(data).__name__}")
    known = set(point.reducers) | set(point.values)
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ForkError(f"not a state key: {', '.join(unknown)} "
                        f"(keys: {', '.join(sorted(known))})")
    original = to_jsonable(point.values)
    if data == original:
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in original and original[key] == value:
            out[key] = point.values[key]
        elif point.reducers.get(key) == ADD_MESSAGES or _all_messages(point.values.get(key)):
            out[key] = _messages(key, value)
        else:
            out[key] = value
    return out


def _all_messages(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(is_message(v) for v in value)


def _messages(key: str, value: Any) -> list[BaseMessage]:
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        try:
            out.append(_message(item))
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise ForkError(f"{key}[{i}] is not a message: {exc}") from None
    return out


def _message(item: Any) -> BaseMessage:
    if not isinstance(item, dict):
        return convert_to_message(item)
    data = dict(item)
    role = data.pop("type", None) or data.pop("role", None)
    if role is None:
        raise ValueError("a message needs a 'type' (human, ai, system, tool) or 'role'")
    probe = convert_to_message({"role": role, "content": ""})
    fields = message_fields(type(probe))
    return convert_to_message({"role": role, **{k: v for k, v in data.items()
                                                if k in fields or k == "content"}})
