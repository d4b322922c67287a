"""The diff view's model: per task, its writes as coloured lines, old → new.

Line kinds: "add" (green), "remove" (red), "change" (yellow), "error" (red),
"note" (dim: headers and interrupts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracer.diff import TaskDiff, WriteDiff
from tracer.reducers import ADD, ADD_MESSAGES
from tui.units import duration
from tui.views.values import inline, is_message, message_class, summary

_REDUCERS = {None: "last value", ADD: "operator.add", ADD_MESSAGES: "add_messages"}


@dataclass(frozen=True)
class DiffLine:
    kind: str
    text: str


@dataclass(frozen=True)
class TaskBlock:
    """One task of the step and the lines of what it wrote."""

    name: str
    task_id: str
    title: str
    failed: bool
    lines: list[DiffLine] = field(default_factory=list)


def reducer_label(reducer: str | None) -> str:
    """How a channel folds writes in: last value, operator.add, add_messages, or its name."""
    return _REDUCERS.get(reducer, reducer or "last value")


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


def write_lines(w: WriteDiff) -> list[DiffLine]:
    """The lines of one write: a header naming key and reducer, then what changed."""
    lines = [DiffLine("note", f"{w.key}  ({reducer_label(w.reducer)})")]
    if w.op == "set":
        if w.old is None:
            lines.append(DiffLine("add", f"+ {inline(w.value)}"))
        elif w.old == w.value:
            lines.append(DiffLine("note", f"= {inline(w.value)} (unchanged)"))
        else:
            lines.append(DiffLine("change", f"~ {inline(w.old)} → {inline(w.value)}"))
    elif w.op == "append":
        if isinstance(w.value, str):
            lines.append(DiffLine("add", f"+ {summary(w.value)}"))
        else:
            shown = ", ".join(inline(v) for v in w.added)
            lines.append(DiffLine("add", f"+ {_items(len(w.added))}: {shown}"))
    elif w.op == "merge":
        lines.extend(_merge_lines(w))
    else:
        lines.append(DiffLine("change", f"~ {inline(w.old)} → {inline(w.new)}"))
    return lines


def _merge_lines(w: WriteDiff) -> list[DiffLine]:
    """add_messages: new ids are added, known ids replaced, RemoveMessage removes."""
    old_by_id = {getattr(m, "id", None): m for m in (w.old or [])}
    out: list[DiffLine] = []
    for m in w.added:
        out.append(DiffLine("add", f"+ {summary(m)}{_id(m)}"))
    for m in w.replaced:
        if is_message(m) and message_class(m) == "RemoveMessage":
            gone = old_by_id.get(getattr(m, "id", None))
            out.append(DiffLine("remove", f"- {summary(gone) if gone else 'message'}{_id(m)}"))
            continue
        before = old_by_id.get(getattr(m, "id", None))
        out.append(DiffLine("change", f"~ {summary(before)} → {summary(m)}{_id(m)}"))
    if not out:
        out.append(DiffLine("note", "(no messages)"))
    return out


def _id(m: Any) -> str:
    mid = getattr(m, "id", None)
    return f"  (id {mid})" if mid else ""


def task_blocks(diffs: list[TaskDiff]) -> list[TaskBlock]:
    """One block per task, in task-path order as the tracer gives them."""
    blocks = []
    for d in diffs:
        lines: list[DiffLine] = []
        for w in d.writes:
            lines.extend(write_lines(w))
        if d.error is not None:
            lines.append(DiffLine("error", f"✗ {summary(d.error, 200)}"))
        for i in d.interrupts:
            value = getattr(i, "fields", None)
            shown = value.get("value") if isinstance(value, dict) else i
            lines.append(DiffLine("note", f"‖ interrupt: {inline(shown)}"))
        if not d.writes and d.error is None and not d.interrupts:
            lines.append(DiffLine("note", "(wrote nothing)"))
        short = d.task_id[:8] if d.task_id else "?"
        title = f"{d.name}  {short}  {duration(d.duration)}"
        blocks.append(TaskBlock(d.name, d.task_id or "", title, d.error is not None, lines))
    return blocks


def input_block(state: dict[str, Any]) -> TaskBlock:
    """Step 0 has no tasks: the block shows the input the run started with."""
    lines = [DiffLine("add", f"+ {k} = {inline(v)}") for k, v in state.items()]
    return TaskBlock("input", "", "input (step 0)", False,
                     lines or [DiffLine("note", "(empty input)")])
