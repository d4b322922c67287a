"""The main screen: runs and steps on the left, the views of the selected step on the right.

The screen owns the state (trace, selection, follow, replay) and hands it down: each
view gets `show(selection)`. Children post messages up (a clicked step, a chosen run);
worker threads (open, follow, integrity scan, search, state warm-up) post messages too.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from tracer import Trace, TraceChangedError, TraceCorruptError, TraceError
from tui import trace_tasks as tasks
from tui.bindings import ACTIONS, VIEWS, main_bindings, show_aliases
from tui.event_search import search_steps
from tui.run_paths import RunNode, breadcrumb, run_nodes
from tui.screens.main_actions import MainActions
from tui.selection import Selection
from tui.step_rows import RowCache, run_status
from tui.view_table import VIEW_WIDGETS, make_view
from tui.widgets.run_tree import RunTree
from tui.widgets.step_list import StepList
from tui.widgets.trace_header import TraceHeader

BACKGROUND_DELAY_S = 0.5
WATCH_S = 1.0
"""How often a trace shown without following is checked for having been rewritten."""
"""Background reads (frame check, state and row warm-up) start this long after a run is
shown: they compete with the first screen for the GIL."""


LIVE_KINDS: dict[str, frozenset[str] | None] = {
    "graph": frozenset({"task_start", "task_end", "step_end"}),
    "state": frozenset({"step_end"}),
    "diff": frozenset({"step_end"}),
    "tasks": frozenset({"task_start", "task_end", "custom"}),
    "tokens": frozenset({"llm_start", "token", "llm_end"}),
    "lanes": frozenset({"task_start", "task_end"}),
    "custom": frozenset({"custom"}),
    "events": None,  # any
}
"""The event kinds that change what each view shows for the step being run."""


NARROW = 100
"""Terminal columns below which the layout packs tighter (see MainScreen.on_resize)."""
SHORT_TITLES = {"graph": "Grph", "state": "Stat", "tasks": "Task", "tokens": "Tok",
                "lanes": "Lane", "custom": "Cust", "events": "Evt"}


class MainScreen(MainActions, Screen[None]):
    """One trace: run tree, step list, header, and a tab per view."""

    BINDINGS: ClassVar[list[BindingType]] = main_bindings()
    # Textual declares this as an instance attribute: a ClassVar here would not type-check.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]  # noqa: RUF012
    ACTIONS = ACTIONS
    """Every action of this screen (help and palette list them)."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Screen's, where a focused view that took an action's first key leaves the
        footer to show the action under its other key (`bindings.show_aliases`)."""
        return show_aliases(super().active_bindings, self, self.ACTIONS)

    following: reactive[bool] = reactive(False)
    """Tail the file as it grows; the selection moves only when it is at the end."""
    playing: reactive[bool] = reactive(False)
    """Replay: advance one step per tick."""
    speed: reactive[float] = reactive(2.0)
    """Replay speed, steps per second (one of main_actions.SPEEDS)."""

    def __init__(self, path: Path, *, follow: bool = False) -> None:
        super().__init__()
        self.path = path
        self.follow_on_open = follow
        self.trace: Trace | None = None
        self.selection: Selection | None = None
        self.rows: RowCache | None = None
        self.runs: list[RunNode] = []
        self.problem: str | None = None
        """Why the file cannot be shown (None once it is open)."""
        self.damage: str | None = None
        """What corruption the trace has (its readable part is still shown)."""
        self._damage_errors: list[TraceCorruptError] = []
        self.search_text = ""
        self.matches: list[int] = []
        self._timer: Timer | None = None

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TraceHeader(id="header")
        yield Static("", id="damage")
        yield Static(Text(f"opening {self.path} …"), id="problem")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield RunTree(id="run-tree")
                yield StepList(id="steps")
            with TabbedContent(id="views", initial=VIEWS[0][0]):
                for vid, title in VIEWS:
                    with TabPane(title, id=vid):
                        yield make_view(vid)
        yield Footer()

    def on_mount(self) -> None:
        # Tab moves between the step list and the open view, not onto the tab bar (where
        # ←/→ would switch tabs instead of steps); 1-8 switch tabs.
        self.query_one(TabbedContent).query_one(Tabs).can_focus = False
        self.query_one(TraceHeader).title = self.path.name
        self.query_one("#body").display = False
        self.query_one("#damage").display = False
        self.following = self.follow_on_open  # the worker starts once the file is open
        self.open_file()
        self.set_interval(WATCH_S, self._watch_file)

    def on_resize(self, event: events.Resize) -> None:
        """Below NARROW columns: a narrower step list (app.tcss, `-narrow`), short tab
        labels, and a compact footer without the palette hint (^p still opens it), so
        every tab and the first keys, ? and q among them, fit at 80 columns."""
        narrow = event.size.width < NARROW
        tabs = self.query_one(TabbedContent)
        for vid, title in VIEWS:
            tab = tabs.get_tab(vid)
            if tab is not None:
                tab.label = SHORT_TITLES.get(vid, title) if narrow else title
        footer = self.query_one(Footer)
        footer.compact = narrow
        footer.show_command_palette = not narrow

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        tasks.thaw_long_lived()
        if self.trace is not None:
            self.trace.close()

    # -- workers -------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="open")
    def open_file(self) -> None:
        worker = get_current_worker()
        tasks.open_until_ready(self.path, self.post_message, lambda: worker.is_cancelled,
                               wait=self.follow_on_open)

    @work(thread=True, exclusive=True, group="follow")
    def follow_file(self, trace: Trace) -> None:
        worker = get_current_worker()
        tasks.follow_batches(trace, self.post_message, lambda: worker.is_cancelled)

    @work(thread=True, exclusive=True, group="warm")
    def warm_up(self, trace: Trace, run: int, rows: RowCache) -> None:
        worker = get_current_worker()
        tasks.freeze_long_lived(trace)  # the app and index; then the memo; then the rows
        tasks.warm_states(trace, run, lambda: worker.is_cancelled)
        tasks.freeze_long_lived(trace)
        tasks.warm_rows(rows, lambda: worker.is_cancelled)
        tasks.freeze_long_lived(trace)

    @work(thread=True, exclusive=True, group="integrity")
    def check_integrity(self, trace: Trace) -> None:
        tasks.check_integrity(trace, self.post_message)

    @work(thread=True, exclusive=True, group="search")
    def search_events(self, trace: Trace, run: int, text: str) -> None:
        worker = get_current_worker()
        steps = search_steps(trace, run, text, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(tasks.SearchDone(text, run, steps))

    # -- selection (state down) ----------------------------------------------------------
    def choose_run(self, run: int, step: int | None = None) -> None:
        """Scope every view to run `run` (root, subgraph or fork)."""
        assert self.trace is not None
        self.rows = RowCache(self.trace, run)
        if self.damage is not None:
            self.rows.mark_bad(tuple(e.offset for e in self._damage_errors))
        self.query_one(StepList).set_rows(self.rows)
        self.matches = []
        steps = self.rows.steps()
        target = step if step is not None else (steps[-1] if self.following and steps
                                                 else (steps[0] if steps else 0))
        self.selection = Selection(self.trace, run, target)
        self.query_one(RunTree).show(self.selection)
        self.set_timer(BACKGROUND_DELAY_S, partial(self.warm_up, self.trace, run, self.rows))
        self._push_selection()

    def select_index(self, index: int) -> None:
        """Select the step at row `index` of the step list (clamped)."""
        if self.rows is None or self.selection is None or not len(self.rows):
            return
        index = max(0, min(index, len(self.rows) - 1))
        self.selection = self.selection.with_step(self.rows.entries[index].step)
        self._push_selection()

    def _push_selection(self) -> None:
        selection = self.selection
        if selection is None:
            return
        self.query_one(StepList).show(selection)
        active = self.query_one(TabbedContent).active
        if self.rows is not None and self.rows.index_of(selection.step) is None:
            # A run just started (a fork, a resume) has no step yet: the views wait for
            # its first one (it was "tasks unavailable: KeyError: run 1 has no step 0").
            active = ""
        if active:
            view = self.query_one(f"#view-{active}", VIEW_WIDGETS[active])
            try:
                view.show(selection)
            except TraceError as exc:  # a damaged frame: say so, keep the app usable
                self.notify(f"{active} view: step {selection.step}: {exc}",
                            severity="error", timeout=4)
        self._refresh_header()

    def _refresh_header(self) -> None:
        header = self.query_one(TraceHeader)
        if self.selection is None or self.rows is None:
            return
        index = self.cursor_index()
        header.position = (f"step {self.selection.step} ({index + 1}/{len(self.rows)})"
                           if len(self.rows) else "no steps yet")
        header.crumbs = tuple(n.label for n in breadcrumb(self.runs, self.selection.run))
        parts = [run_status(self.trace, self.selection.run)]
        if self.damage:
            parts.append("corrupt")
        if self.following:
            parts.append("● following")
        if self.playing:
            parts.append(f"▶ playing {self.speed:g}/s")
        header.status = " · ".join(parts)

    def cursor_index(self) -> int:
        if self.rows is None or self.selection is None:
            return 0
        index = self.rows.index_of(self.selection.step)
        return index if index is not None else 0

    def at_end(self) -> bool:
        return self.rows is not None and self.cursor_index() >= len(self.rows) - 1

    # -- messages up ---------------------------------------------------------------------
    def on_trace_opened(self, message: tasks.TraceOpened) -> None:
        self.trace = message.trace
        if self.trace.errors:
            self._show_damage(list(self.trace.errors))
        elif self.trace.finished:
            # After the first screen: the full frame scan competes for the GIL.
            self.set_timer(BACKGROUND_DELAY_S, partial(self.check_integrity, self.trace))
        if self.following:
            self.follow_file(self.trace)
        if self.trace.index.runs:
            self._show_trace()
        else:  # follow mode, the writer has not started its run yet
            self.problem = f"waiting for the first run in {self.path} …"
            self.query_one("#problem", Static).update(Text(self.problem))

    def _show_trace(self) -> None:
        """The file holds a run: show the body, scoped to the first run."""
        assert self.trace is not None
        self.problem = None
        self.query_one("#problem").display = False
        self.query_one("#body").display = True
        self.runs = run_nodes(self.trace)
        self.query_one(RunTree).set_runs(self.runs)
        self.query_one(RunTree).display = len(self.runs) > 1
        self.choose_run(0)
        self.query_one(StepList).focus()

    def on_trace_failed(self, message: tasks.TraceFailed) -> None:
        self.problem = message.message
        text = Text() if message.waiting else Text("Cannot show this trace\n\n", "bold red")
        self.query_one("#problem", Static).update(text.append(message.message))

    def _watch_file(self) -> None:
        """A trace shown without following is still checked now and then: rewritten
        under the viewer (a new recording to the same path), it is reloaded."""
        if self.trace is not None and not self.following:
            try:
                self.trace.check_unchanged()
            except TraceChangedError as exc:
                self.post_message(tasks.TraceChanged(str(exc)))

    def on_trace_changed(self, message: tasks.TraceChanged) -> None:
        """The file was truncated or replaced: say so, and show it again from scratch."""
        self.notify(f"{message.reason}: reloading", severity="warning", timeout=6)
        for group in ("follow", "warm", "integrity", "search"):
            self.workers.cancel_group(self, group)
        if self.trace is not None:
            self.trace.close()
        self.trace, self.rows, self.selection = None, None, None
        self._damage_errors = []
        self.query_one("#damage").display = False
        self.open_file()

    def on_integrity_checked(self, message: tasks.IntegrityChecked) -> None:
        self._show_damage(message.errors, message.frames)

    def _show_damage(self, errors: list[TraceCorruptError], frames: int | None = None) -> None:
        self._damage_errors = errors
        self.damage = tasks.damage_text(errors, frames)
        banner = self.query_one("#damage", Static)
        banner.update(Text(self.damage))
        banner.display = True
        if self.rows is not None:
            self.rows.mark_bad(tuple(e.offset for e in errors))
            self.query_one(StepList).refresh()
        self._refresh_header()

    def on_follow_batch(self, message: tasks.FollowBatch) -> None:
        if self.trace is None:
            return
        if self.rows is None:
            if self.trace.index.runs:
                self._show_trace()
            return
        if message.kinds.get("run_start"):
            self.runs = run_nodes(self.trace)
            self.query_one(RunTree).set_runs(self.runs)
            self.query_one(RunTree).display = len(self.runs) > 1
        was_at_end = self.at_end() or self.selection is None or not len(self.rows)
        if self.rows.refresh():
            self.query_one(StepList).grow()
            if was_at_end and self.following:
                self.select_index(len(self.rows) - 1)
        elif self.following and was_at_end and self._shows_any(message.kinds):
            # The live step got events the open view shows (a token, a task ending):
            # show them now, not when the next step starts.
            self._push_selection()
        self._refresh_header()

    def _shows_any(self, kinds: Mapping[str, int]) -> bool:
        active = self.query_one(TabbedContent).active
        shown = LIVE_KINDS.get(active)
        return shown is None or any(kind in shown for kind in kinds)

    def on_search_done(self, message: tasks.SearchDone) -> None:
        if self.selection is None or message.run != self.selection.run:
            return
        self.matches = message.steps
        if not self.matches:
            self.notify(f"no event matches {message.text!r}", severity="warning")
            return
        self.notify(f"{len(self.matches)} steps match {message.text!r}")
        self.action_next_match(include_current=True)

    def on_step_list_step_chosen(self, message: StepList.StepChosen) -> None:
        self.go_to(message.step)

    def on_run_tree_run_chosen(self, message: RunTree.RunChosen) -> None:
        if self.selection is None or message.run != self.selection.run:
            self.choose_run(message.run)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._push_selection()

    # -- watchers ------------------------------------------------------------------------
    def watch_following(self, following: bool) -> None:
        if following and self.trace is not None:
            self.follow_file(self.trace)
        elif not following:
            self.workers.cancel_group(self, "follow")
        self._refresh_header()

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if playing:
            self._timer = self.set_interval(1 / self.speed, self.replay_tick)
        self._refresh_header()

    def watch_speed(self) -> None:
        if self.playing:
            self.watch_playing(True)
        self._refresh_header()

    def replay_tick(self) -> None:
        if not self.playing:
            return  # a tick already queued when space paused the replay
        if self.at_end():
            if not self.following:
                self.playing = False
            return
        self.select_index(self.cursor_index() + 1)
