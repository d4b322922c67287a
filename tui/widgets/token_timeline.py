"""`TokenTimeline`: the LLM calls of the selected step (or run) on one time axis."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracer.analysis import llm_calls
from tracer.prices import Prices
from tracer.rollup import call_usage
from tracer.steps import read_step
from tui.selection import Selection
from tui.usage_model import TraceUsage, call_note, trace_usage, usage_lines
from tui.views.token_track import Timeline, timeline

Loaded = tuple[list[Any], int | None, list[int], list[str], dict[int, str]]
"""(calls, window start, barrier times, usage lines, each call's usage note) for one
(trace, run, step, scope)."""


class TokenTimeline(ScrollView, can_focus=True):
    """A track per LLM call with a tick per token, TTFT shaded, stalls marked and the
    step barrier drawn; parallel calls share the axis. Above, the token usage (and,
    with a price table, the cost) of the step, the run and its thread; on each call's
    label, its own. Below, the selected call's text as streamed up to the cursor token
    (←/→ move it token by token).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move_cursor(-1)", "Token ←", id="tokens.previous-token"),
        Binding("right", "move_cursor(1)", "Token →", id="tokens.next-token"),
        Binding("shift+left", "move_cursor(-1000000)", "First token", show=False,
                id="tokens.first-token"),
        Binding("shift+right", "move_cursor(1000000)", "Last token", show=False,
                id="tokens.last-token"),
        Binding("up", "move_call(-1)", "Call ↑", id="tokens.previous-call"),
        Binding("down", "move_call(1)", "Call ↓", id="tokens.next-call"),
        Binding("w", "toggle_scope", "Step/run", id="tokens.toggle-scope",
                tooltip="Show the selected step's calls, or every call of the run"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "token-timeline--title", "token-timeline--axis", "token-timeline--label",
        "token-timeline--label-selected", "token-timeline--ttft", "token-timeline--stream",
        "token-timeline--stall", "token-timeline--tick", "token-timeline--cursor",
        "token-timeline--barrier", "token-timeline--text", "token-timeline--text-current",
        "token-timeline--muted", "token-timeline--wait", "token-timeline--usage",
    }

    DEFAULT_CSS = """
    TokenTimeline { height: 1fr; overflow-x: hidden; }
    TokenTimeline > .token-timeline--title { text-style: bold; }
    TokenTimeline > .token-timeline--axis { color: $text-muted; }
    TokenTimeline > .token-timeline--label { color: $text-muted; }
    TokenTimeline > .token-timeline--label-selected { color: $text; text-style: bold; }
    TokenTimeline > .token-timeline--ttft { color: $primary; }
    TokenTimeline > .token-timeline--wait { color: $warning 60%; }
    TokenTimeline > .token-timeline--stream { color: $text-muted; }
    TokenTimeline > .token-timeline--stall { color: $error; text-style: bold; }
    TokenTimeline > .token-timeline--tick { color: $success; }
    TokenTimeline > .token-timeline--cursor { color: $warning; text-style: bold reverse; }
    TokenTimeline > .token-timeline--barrier { color: $warning; }
    TokenTimeline > .token-timeline--text { color: $text; }
    TokenTimeline > .token-timeline--text-current { background: $warning 40%; }
    TokenTimeline > .token-timeline--muted { color: $text-muted; text-style: italic; }
    TokenTimeline > .token-timeline--usage { color: $accent; }
    """

    scope: reactive[str] = reactive("step")
    """"step": the selected step's calls; "run": every call of the selected run."""
    selected: reactive[int] = reactive(0)
    """Index of the selected call among those shown."""
    cursor: reactive[int] = reactive(-1)
    """Index of the cursor token in the selected call (the text is shown up to it)."""

    class CallSelected(Message):
        """Posted when the selected LLM call changes."""

        def __init__(self, call: Any) -> None:
            self.call = call
            super().__init__()

    class CallsLoaded(Message):
        """Posted (from the loading thread) when a step's or run's calls were read;
        `final` False: the usage of the run and thread is still being read."""

        def __init__(self, key: tuple[Any, ...], loaded: Loaded, final: bool = True) -> None:
            self.key = key
            self.loaded = loaded
            self.final = final
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.calls: list[Any] = []
        self.view: Timeline = Timeline([], [])
        self._start: int | None = None
        self._barriers: list[int] = []
        self._usage: list[str] = []
        self._notes: dict[int, str] = {}
        self._cache: OrderedDict[tuple[Any, ...], Loaded] = OrderedDict()
        self._strips: dict[int, Strip] = {}

    def show(self, selection: Selection) -> None:
        """Show `selection`'s calls (read in a thread unless already cached)."""
        self.selection = selection
        key = self._key()
        if key in self._cache:
            self._apply(self._cache[key])
        else:
            self._load(selection, self.scope, key, getattr(self.app, "prices", None))

    def render_line(self, y: int) -> Strip:
        row = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if row >= len(self.view.rows):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(row)
        if strip is None:
            strip = Strip([Segment(text, self._style(role)) for text, role in self.view.rows[row]])
            self._strips[row] = strip
        return strip.crop_extend(0, width, self.rich_style)

    def watch_scope(self) -> None:
        if self.selection is not None:
            self.show(self.selection)

    def watch_selected(self, old: int, new: int) -> None:
        if old != new and 0 <= new < len(self.calls):
            self.post_message(self.CallSelected(self.calls[new]))
        self._rebuild()

    def watch_cursor(self) -> None:
        self._rebuild()

    def on_token_timeline_calls_loaded(self, message: CallsLoaded) -> None:
        if message.final:
            self._cache[message.key] = message.loaded
        while len(self._cache) > 64:
            self._cache.popitem(last=False)
        if message.key == self._key():
            self._apply(message.loaded)

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def action_move_cursor(self, delta: int) -> None:
        if self.calls:
            tokens = len(self.calls[self.selected].tokens)
            self.cursor = max(0, min(tokens - 1, self.cursor + delta))

    def action_move_call(self, delta: int) -> None:
        if self.calls:
            self.selected = max(0, min(len(self.calls) - 1, self.selected + delta))
            self.cursor = len(self.calls[self.selected].tokens) - 1
            line = self.view.label_rows[self.selected]
            self.scroll_to_region(Region(0, line, 1, 2), animate=False)

    def action_toggle_scope(self) -> None:
        self.scope = "run" if self.scope == "step" else "step"

    @work(thread=True, exclusive=True, group="token-timeline")
    def _load(self, selection: Selection, scope: str, key: tuple[Any, ...],
              prices: Prices | None) -> None:
        """Read the calls in a thread: a run's calls, and the usage of the run and its
        thread, need a pass over the whole file."""
        currency = prices.currency if prices is not None else None
        if scope == "step":  # the step's calls first: the usage of the run needs the file
            calls, start, barriers = load_calls(selection, scope)
            notes = {c.number: call_note(call_usage(c, selection.run, prices), currency)
                     for c in calls}
            self.post_message(self.CallsLoaded(key, (calls, start, barriers, [], notes),
                                               final=False))
        usage = trace_usage(selection.trace, prices)
        if scope != "step":
            calls, start, barriers = load_calls(selection, scope, usage)
        notes = {c.number: call_note(usage.call(c.number), currency) for c in calls}
        lines = usage_lines(usage, selection, scope)
        self.post_message(self.CallsLoaded(key, (calls, start, barriers, lines, notes)))

    def _key(self) -> tuple[Any, ...]:
        s = self.selection
        if s is None:
            return ()
        step = s.step if self.scope == "step" else None
        return (id(s.trace), s.run, step, self.scope, s.trace.index.events,
                id(getattr(self.app, "prices", None)))

    def _apply(self, loaded: Loaded) -> None:
        previous = self.calls[self.selected] if self.calls else None
        self.calls, self._start, self._barriers, self._usage, self._notes = loaded
        same = [i for i, c in enumerate(self.calls) if previous is not None
                and c.number == previous.number]
        self.set_reactive(TokenTimeline.selected, same[0] if same else 0)
        if self.calls and not same:
            self.post_message(self.CallSelected(self.calls[0]))
        self.set_reactive(TokenTimeline.cursor, len(self.calls[self.selected].tokens) - 1
                          if self.calls else -1)
        self._rebuild()

    def _rebuild(self) -> None:
        width = max(20, self.scrollable_content_region.width - 1)
        s = self.selection
        what = "no selection" if s is None else (
            f"step {s.step}" if self.scope == "step" else f"run {s.run}, every step")
        title = f"LLM calls · {what} · {len(self.calls)} call" + \
            ("s" if len(self.calls) != 1 else "") + "   (w: step/run · ↑/↓: call)"
        empty = ("no LLM calls in this step (w: the whole run)" if self.scope == "step"
                 else "no LLM calls in this run")
        self.view = timeline(self.calls, title, self._start, self._barriers, width,
                             min(self.selected, max(0, len(self.calls) - 1)), self.cursor,
                             empty, self._usage, self._notes)
        self.virtual_size = Size(width, len(self.view.rows))
        self._strips.clear()
        self.refresh()

    def _style(self, role: str) -> Style:
        if role == "blank":
            return self.rich_style
        return self.get_component_rich_style(f"token-timeline--{role}")


def load_calls(selection: Selection, scope: str,
               usage: TraceUsage | None = None) -> tuple[list[Any], int | None, list[int]]:
    """The run's calls (scope "run") or the step's, with the window start and barriers.
    (`usage` says which run each call was made in: root runs share a namespace.)"""
    trace, run = selection.trace, selection.run
    ns = trace.index.runs[run].ns if run < len(trace.index.runs) else ()
    if scope == "step":
        try:
            entry = trace.step_entry(selection.step, run)
        except KeyError:
            return [], None, []
        timing = read_step(trace, entry)
        calls = llm_calls(trace.step_events(selection.step, run))
        return calls, timing.start, [] if timing.end is None else [timing.end]
    runs = usage.summary.call_runs if usage is not None else {}
    calls = [c for c in trace.llm_calls() if c.ns == ns and runs.get(c.number, run) == run]
    barriers: list[int] = []
    for step in sorted({c.step for c in calls}):
        try:
            end = read_step(trace, trace.step_entry(step, run)).end
        except KeyError:
            continue
        if end is not None:
            barriers.append(end)
    return calls, None, barriers
