"""LLM calls on a shared time axis: one track per call, a tick per token.

A track shades the time to first token (░), ticks each token (│; ┃ or █ when several
fall in one column), draws the stream between tokens (─), stalls (╍) and the wait
for the step barrier after the call ended (┈); the barrier is a vertical line (┃).
Below, the selected call's streamed text up to the cursor token. Rows are runs of
(text, role); the widget maps roles to styles. Pure: LLMCall-like objects in, rows out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.units import duration
from tui.views.styled_rows import Row, merge_cells
from tui.visible import visible

NICE_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000]


@dataclass(frozen=True)
class Axis:
    """Times t0..t1 (ns) mapped onto `width` columns."""

    t0: int
    t1: int
    width: int

    def col(self, t: int) -> int:
        span = max(1, self.t1 - self.t0)
        return min(self.width - 1, max(0, (t - self.t0) * (self.width - 1) // span))


def axis_for(calls: Sequence[Any], start: int | None, barriers: Sequence[int],
             width: int) -> Axis:
    """The window covering the step (or run) start, every call and every barrier."""
    times = [c.start for c in calls] + [t for c in calls for t, _ in c.tokens[-1:]]
    times += [c.end for c in calls if c.end is not None] + list(barriers)
    if start is not None:
        times.append(start)
    t0 = min(times, default=0)
    return Axis(t0, max([*times, t0 + 1]), max(8, width))


def call_label(call: Any, note: str = "") -> str:
    """node · model (· `note`: its usage) · TTFT · tokens · tok/s (· stalls · error)."""
    tps = call.tokens_per_second
    parts = [f"#{call.number} {visible(str(call.node or '?'))}", visible(str(call.model or "?")),
             *([note] if note else []),
             f"TTFT {duration(call.ttft)}", f"{len(call.tokens)} tok",
             "— tok/s" if tps is None else f"{tps:.1f} tok/s"]
    if call.stalls:
        parts.append(f"{len(call.stalls)} stall" + ("s" if len(call.stalls) > 1 else ""))
    if call.error is not None:
        parts.append("error")
    if call.end is None:
        parts.append("streaming…")
    return " · ".join(parts)


def tick_columns(call: Any, axis: Axis) -> list[int]:
    """The column of each token, in order (one entry per token)."""
    return [axis.col(t) for t, _ in call.tokens]


def track(call: Any, axis: Axis, barriers: Sequence[int], cursor: int | None = None) -> Row:
    """One call's track: TTFT shade, stream, stalls, ticks, barriers, the cursor token."""
    cells = [(" ", "blank")] * axis.width
    start = axis.col(call.start)
    last = call.end if call.end is not None else (call.tokens[-1][0] if call.tokens else None)
    first = call.tokens[0][0] if call.tokens else last
    for x in range(start, axis.col(first) if first is not None else start + 1):
        cells[x] = ("░", "ttft")
    if first is not None and last is not None:
        for x in range(axis.col(first), axis.col(last) + 1):
            cells[x] = ("─", "stream")
    if call.end is not None:  # done early: waiting for the step barrier
        for t in barriers:
            for x in range(axis.col(call.end) + 1, axis.col(t)):
                cells[x] = ("┈", "wait")
    for index, _gap in call.stalls:
        for x in range(axis.col(call.tokens[index - 1][0]) + 1, axis.col(call.tokens[index][0])):
            cells[x] = ("╍", "stall")
    for t in barriers:
        x = axis.col(t)
        if cells[x][1] in ("blank", "stream", "ttft"):
            cells[x] = ("┃", "barrier")
    counts: dict[int, int] = {}
    for x in tick_columns(call, axis):
        counts[x] = counts.get(x, 0) + 1
    for x, n in counts.items():
        cells[x] = ("│" if n == 1 else "┃" if n <= 3 else "█", "tick")
    if cursor is not None and 0 <= cursor < len(call.tokens):
        x = axis.col(call.tokens[cursor][0])
        cells[x] = (cells[x][0], "cursor")
    return merge_cells(cells)


def axis_row(axis: Axis, barriers: Sequence[int]) -> Row:
    """Time labels (ms from the window start) at a round interval, and the barriers."""
    cells = [("─", "axis")] * axis.width
    span_ms = (axis.t1 - axis.t0) / 1e6
    step = next((s for s in NICE_MS if span_ms / s <= max(1, axis.width // 12)), NICE_MS[-1])
    at = 0
    while at <= span_ms:
        x = axis.col(axis.t0 + int(at * 1e6))
        text = f"┬{at:g} ms" if at < 1000 else f"┬{at / 1000:g} s"
        if x + len(text) <= axis.width and all(c[1] == "axis" and c[0] == "─"
                                               for c in cells[x: x + len(text)]):
            for i, ch in enumerate(text):
                cells[x + i] = (ch, "axis")
        at += step
    for t in barriers:
        cells[axis.col(t)] = ("┃", "barrier")
    return merge_cells(cells)


def streamed_rows(call: Any, cursor: int, width: int) -> list[Row]:
    """The call's text as streamed up to token `cursor`, wrapped; that token highlighted."""
    chars: list[tuple[str, str]] = []
    for i, (_, text) in enumerate(call.tokens[: cursor + 1]):
        role = "text-current" if i == cursor else "text"
        chars.extend((ch, role) for ch in visible(text))
    rows: list[Row] = []
    line: list[tuple[str, str]] = []
    for ch, role in chars:
        if ch == "\n" or len(line) >= width:
            rows.append(merge_cells(line))
            line = []
            if ch == "\n":
                continue
        line.append((ch, role))
    rows.append(merge_cells(line))
    return rows





def wrapped(line: str, width: int) -> list[str]:
    """`line` in lines of at most `width` characters, broken after its " │ " or " · "
    separators where it can be (a part still too long is cut)."""
    width = max(8, width)
    parts = re.split(r"(?<= [│·]) ", line)
    out: list[str] = []
    current = ""
    for part in parts:
        joined = f"{current} {part}" if current else part
        if len(joined) <= width:
            current = joined
            continue
        if current:
            out.append(current.rstrip(" │·"))
        current = "  " + part if out or current else part
    out.append(current)
    return [text if len(text) <= width else text[:width - 1] + "…" for text in out]


@dataclass(frozen=True)
class Timeline:
    """Every row of the view, and where each call's label row is."""

    rows: list[Row]
    label_rows: list[int]


def timeline(calls: Sequence[Any], title: str, start: int | None, barriers: Sequence[int],
             width: int, selected: int, cursor: int,
             empty: str = "no LLM calls here", summary: Sequence[str] = (),
             notes: Mapping[int, str] | None = None) -> Timeline:
    """Title, `summary` lines (usage), axis, a label row and a track row per call (its
    `notes[call.number]` at the end of its label), then the streamed text (or `empty`
    when there are no calls)."""
    axis = axis_for(calls, start, barriers, width)
    rows: list[Row] = [[(title, "title")]]
    rows += [[(part, "usage")] for line in summary for part in wrapped(line, width)]
    rows.append(axis_row(axis, barriers))
    label_rows: list[int] = []
    for i, call in enumerate(calls):
        label_rows.append(len(rows))
        mine = i == selected
        rows.append([("▶ " if mine else "  ", "label-selected" if mine else "label"),
                     (call_label(call, (notes or {}).get(call.number, "")),
                      "label-selected" if mine else "label")])
        rows.append(track(call, axis, barriers, cursor if mine else None))
    if not calls:
        rows.append([(empty, "muted")])
        return Timeline(rows, label_rows)
    call = calls[selected]
    at = call.tokens[cursor][0] - axis.t0 if 0 <= cursor < len(call.tokens) else None
    rows.append([])
    rows.append([(f"#{call.number} {visible(str(call.node or '?'))} · token "
                  f"{cursor + 1}/{len(call.tokens)}"
                  f" at {duration(at)} (←/→ move)", "muted")])
    rows.extend(streamed_rows(call, cursor, width))
    return Timeline(rows, label_rows)
