"""Superstep lanes: steps as columns, nodes as rows, tasks as bars inside their step.

Only the visible steps are laid out (from a first position until the width is full),
so a run of any length costs the same to draw. A column is as wide as its step is long
(relative to the longest visible step) or uniform; its last cell is the barrier (┃).
In a step where several tasks ran, the one that ended last (the straggler) is drawn
apart and the others' wait for it is shaded. Pure: StepSpans in, rows of
(text, role) out; a role starting with "sel:" lies in the selected step's column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.units import duration
from tui.views.styled_rows import Row, merge_cells

LABEL_WIDTH = 16
MIN_WIDTH = 5
MAX_WIDTH = 40
UNIFORM_WIDTH = 10
BAR_ROLES = {"done": "bar", "failed": "failed", "interrupted": "interrupted",
             "stopped": "interrupted", "running": "running", "unknown": "unknown"}
UNKNOWN_BAR = "?·"
"""A task whose end is unknown (its task_end unreadable): "?" then dots to the barrier."""


@dataclass(frozen=True)
class Column:
    """A visible step: its position among the run's steps, x on screen, width, timing."""

    position: int
    x: int
    width: int
    timing: Any

    @property
    def barrier_x(self) -> int:
        return self.x + self.width - 1


def visible_columns(timing_at: Callable[[int], Any], total: int, first: int, width: int,
                    scaled: bool) -> list[Column]:
    """The columns that fit in `width` (after the row labels), from position `first`."""
    room = width - LABEL_WIDTH
    if total == 0 or room < MIN_WIDTH:
        return []
    candidates = [timing_at(p) for p in range(first, min(total, first + room // MIN_WIDTH))]
    longest = max((t.extent for t in candidates), default=0) or 1
    columns: list[Column] = []
    x = LABEL_WIDTH
    for offset, timing in enumerate(candidates):
        w = UNIFORM_WIDTH if not scaled else max(
            MIN_WIDTH, round(MAX_WIDTH * timing.extent / longest))
        if x + w > width:
            break
        columns.append(Column(first + offset, x, w, timing))
        x += w
    return columns


def lane_keys(columns: Sequence[Column], names: Sequence[str]) -> list[tuple[str, int]]:
    """(node, k) per row: every node, plus a row per extra parallel task of a node."""
    most: dict[str, int] = dict.fromkeys(names, 1)
    for column in columns:
        counts: dict[str, int] = {}
        for task in column.timing.tasks:
            counts[task.name] = counts.get(task.name, 0) + 1
        for name, n in counts.items():
            most[name] = max(most.get(name, 1), min(n, 8))
    return [(name, k) for name, n in most.items() for k in range(n)]


def _cells_of(column: Column, key: tuple[str, int]) -> list[tuple[str, str]]:
    """One row's cells inside one column: the task's bar, its wait, the barrier."""
    timing, inner = column.timing, column.width - 1
    cells = [(" ", "blank")] * inner + [("┃", "barrier")]
    tasks = [t for t in timing.tasks if t.name == key[0]]
    if key[1] >= len(tasks):
        return cells
    task = tasks[key[1]]
    span = max(1, timing.extent)

    def col(t: int | None) -> int:
        if t is None:
            return inner - 1
        return min(inner - 1, max(0, (t - timing.start) * inner // span))

    lagging = timing.straggler()
    straggler = lagging[0] if lagging is not None else None
    role = BAR_ROLES.get(task.status, "bar")
    if straggler is task and role == "bar":
        role = "straggler"
    a, b = col(task.start), col(task.end)
    for x in range(a, max(a, b) + 1):
        cells[x] = (UNKNOWN_BAR[x > a] if role == "unknown" else "█", role)
    if timing.wait(task) > 0 and straggler is not None:
        for x in range(b + 1, col(straggler.end) + 1):
            cells[x] = ("░", "wait")
    return cells


def render_lanes(columns: Sequence[Column], keys: Sequence[tuple[str, int]], selected: int,
                 total: int, scaled: bool, width: int) -> list[Row]:
    """Header (step numbers), a row per lane, the durations row and a status line."""
    header = [("step".ljust(LABEL_WIDTH), "muted")]
    footer = [("duration".ljust(LABEL_WIDTH), "muted")]
    for column in columns:
        sel = column.timing.step == selected
        text = f"{column.timing.step}"[: column.width - 1].ljust(column.width - 1) + "┃"
        header.append((text, "sel:header" if sel else "header"))
        took = duration(column.timing.extent, compact=True)
        dur = took[: column.width - 1].ljust(column.width - 1) + "┃"
        footer.append((dur, "sel:muted" if sel else "muted"))
    rows: list[Row] = [merge_cells(header)]
    for name, k in keys:
        label = name if k == 0 else f"{name} #{k + 1}"
        cells: list[tuple[str, str]] = [(_fit(label, LABEL_WIDTH - 1) + " ", "label")]
        for column in columns:
            sel = column.timing.step == selected
            cells.extend((ch, f"sel:{role}" if sel else role)
                         for ch, role in _cells_of(column, (name, k)))
        rows.append(merge_cells(cells))
    rows.append(merge_cells(footer))
    shown = (f"steps {columns[0].timing.step}–{columns[-1].timing.step} "
             f"({len(columns)} of {total})" if columns else f"no steps of {total}")
    mode = "scaled to duration (v: uniform)" if scaled else "uniform (v: scaled)"
    status = f"{shown} · {mode} · █ task ░ wait ┃ barrier"
    rows.append([(status[:width], "muted")])
    return rows


def column_at(columns: Sequence[Column], x: int) -> Column | None:
    return next((c for c in columns if c.x <= x < c.x + c.width), None)


def first_showing(position: int, first: int,
                  columns_from: Callable[[int], Sequence[Column]]) -> int:
    """A first position that keeps `position` in view (unchanged if it already is).

    Scrolling right puts `position` near the right edge; scaled columns differ in
    width, so candidates step right until it fits.
    """
    columns = columns_from(first)
    if not columns or position < first:
        return position
    if position <= columns[-1].position:
        return first
    candidate = max(0, position - len(columns) + 1)
    while candidate < position and all(c.position != position
                                       for c in columns_from(candidate)):
        candidate += 1
    return candidate


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
