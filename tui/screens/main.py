"""The main screen: runs and steps on the left, the views of the selected step on the right.

The screen owns the state (trace, selection, follow, replay) and hands it down: each
view gets `show(selection)`. Children post messages up (a clicked step, a chosen run);
worker threads (open, follow, integrity scan, search, state warm-up) post messages too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane, Tabs

from tracer import Trace, TraceCorruptError, TraceError
from tracer.threads import Thread
from tui import navigation
from tui import trace_tasks as tasks
from tui.bindings import ACTIONS, VIEWS, main_bindings, show_aliases
from tui.node_target import enter_target
from tui.run_paths import RunNode, breadcrumb, parent_step, run_nodes
from tui.screens.help import HelpScreen
from tui.screens.prompt import PromptScreen
from tui.selection import Selection
from tui.step_rows import run_status
from tui.thread_rows import (
    StepLines,
    ThreadRows,
    end_index,
    lines_of,
    read_threads,
    thread_grew,
)
from tui.view_table import LIVE_KINDS, SHORT_TITLES, VIEW_WIDGETS, make_view
from tui.widgets.custom_events import CustomEvents
from tui.widgets.graph_view import GraphView
from tui.widgets.raw_events import RawEvents
from tui.widgets.run_tree import RunTree
from tui.widgets.step_list import StepList
from tui.widgets.superstep_lanes import SuperstepLanes
from tui.widgets.token_timeline import TokenTimeline
from tui.widgets.trace_feed import TraceFeed
from tui.widgets.trace_header import TraceHeader

NARROW = 100
"""Terminal columns below which the layout packs tighter (see MainScreen.on_resize)."""


class MainScreen(Screen[None]):
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
    """Replay speed, steps per second (one of navigation.SPEEDS)."""

    def __init__(self, path: Path, *, follow: bool = False,
                 at: tuple[int | None, int | None] = (None, None)) -> None:
        super().__init__()
        self.path = path
        self.follow_on_open = follow
        self.at = at
        """(run, step) to show first (`view --run N --step S`), then forgotten."""
        self.feed = TraceFeed(path, wait=follow)
        self.selection: Selection | None = None
        self.rows: StepLines | None = None
        """The step list's lines: the selected run's steps, or its thread's runs'."""
        self.runs: list[RunNode] = []
        self.threads: list[Thread] = []
        self.problem: str | None = None
        """Why the file cannot be shown (None once it is open)."""
        self.damage: str | None = None
        """What corruption the trace has (its readable part is still shown)."""
        self._damage_errors: list[TraceCorruptError] = []
        self.search_text = ""
        self.matches: list[int] = []
        self._timer: Timer | None = None

    @property
    def trace(self) -> Trace | None:
        """The open trace (None until the file opens, and while it is opened again)."""
        return self.feed.trace

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield self.feed
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
        self.following = self.follow_on_open  # the feed follows once the file is open

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

    # -- selection (state down) ----------------------------------------------------------
    def choose_run(self, run: int, step: int | None = None) -> None:
        """Scope every view to run `run` (root, subgraph or fork). A root run that shares
        a thread with others is listed with them, in order (`tui.thread_rows`)."""
        assert self.trace is not None
        if not (isinstance(self.rows, ThreadRows) and run in self.rows.runs):
            rows = lines_of(self.trace, self.threads, run)
            self._list_rows(rows)
            self.feed.warm_later(run, rows)
        assert self.rows is not None
        self.matches = []
        steps = self.rows.steps(run)
        target = step if step is not None else (steps[-1] if self.following and steps
                                                 else (steps[0] if steps else 0))
        self.selection = Selection(self.trace, run, target)
        self.query_one(RunTree).show(self.selection)
        self._push_selection()

    def _list_rows(self, rows: StepLines) -> None:
        self.rows = rows
        if self.damage is not None:
            rows.mark_bad(tuple(e.offset for e in self._damage_errors))
        self.query_one(StepList).set_rows(rows)

    def select_index(self, index: int) -> None:
        """Select the step at line `index` of the step list (clamped; a marker line
        between two runs of a thread is passed, in the direction of the move)."""
        if self.rows is None or self.selection is None or not len(self.rows):
            return
        direction = 1 if index >= self.cursor_index() else -1
        run, step = self.rows.place(self.rows.step_index(index, direction))
        if run != self.selection.run:
            self.selection = self.selection.with_run(run, step)
            self.query_one(RunTree).show(self.selection)
        else:
            self.selection = self.selection.with_step(step)
        self._push_selection()

    def _push_selection(self) -> None:
        selection = self.selection
        if selection is None:
            return
        self.query_one(StepList).show(selection)
        active = self.query_one(TabbedContent).active
        if self.rows is not None and self.rows.index_of(selection.step, selection.run) is None:
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
        index = self.rows.index_of(self.selection.step, self.selection.run)
        return index if index is not None else 0

    def at_end(self) -> bool:
        """The last step listed is selected, or a run that has no step listed yet."""
        if self.rows is None:
            return False
        selection = self.selection
        if selection is not None and self.rows.index_of(selection.step, selection.run) is None:
            return True
        return self.cursor_index() >= len(self.rows) - 1

    # -- messages up ---------------------------------------------------------------------
    def on_trace_opened(self, message: tasks.TraceOpened) -> None:
        trace = message.trace
        if trace.errors:
            self._show_damage(list(trace.errors))
        if trace.index.runs:
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
        self._read_runs()
        self.choose_run(*self._first_place())
        self.query_one(StepList).focus()

    def _first_place(self) -> tuple[int, int | None]:
        """The run and step to show first: `--run`/`--step` when the file has them (else
        a notice and the nearest), or the first run."""
        assert self.trace is not None
        (run, step), self.at = self.at, (None, None)
        runs = len(self.trace.index.runs)
        if run is not None and run >= runs:
            self.notify(f"no run {run} in this trace (runs 0–{runs - 1}); showing run 0",
                        severity="warning")
            run = None
        run = run or 0
        if step is not None:
            steps = self.trace.steps(run)
            index = navigation.nearest(steps, step)
            if index is None or steps[index] != step:
                near = f"step {steps[index]}" if index is not None else "its start"
                self.notify(f"run {run} has no step {step}; showing {near}", severity="warning")
                step = steps[index] if index is not None else None
        return run, step

    def on_trace_failed(self, message: tasks.TraceFailed) -> None:
        self.problem = message.message
        text = Text() if message.waiting else Text("Cannot show this trace\n\n", "bold red")
        self.query_one("#problem", Static).update(text.append(message.message))

    def on_trace_changed(self, message: tasks.TraceChanged) -> None:
        """The file was truncated or replaced (the feed opens it again): say so, and
        forget what was shown."""
        self.notify(f"{message.reason}: reloading", severity="warning", timeout=6)
        self.rows, self.selection = None, None
        self._damage_errors = []
        self.query_one("#damage").display = False

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
        was_at_end = self.at_end() or self.selection is None or not len(self.rows)
        if message.kinds.get("run_start"):
            self._read_runs()
            if self.selection is not None and thread_grew(self.threads, self.rows,
                                                          self.selection):
                self._list_rows(lines_of(self.trace, self.threads, self.selection.run))
                if was_at_end and self.following:
                    self._follow_to_end()
        if self.rows.refresh():
            self.query_one(StepList).grow()
            if was_at_end and self.following:
                self._follow_to_end()
        elif self.following and was_at_end and self._shows_any(message.kinds):
            # The live step got events the open view shows (a token, a task ending):
            # show them now, not when the next step starts.
            self._push_selection()
        self._refresh_header()
        self.followed()

    def _follow_to_end(self) -> None:
        if self.rows is not None and self.selection is not None:
            index = end_index(self.rows, self.selection)
            if index is not None:
                self.select_index(index)

    def _read_runs(self) -> None:
        """The run tree and the threads, from the runs the file holds now."""
        assert self.trace is not None
        self.threads, links = read_threads(self.trace)
        self.runs = run_nodes(self.trace, links)
        self.query_one(RunTree).set_runs(self.runs)
        self.query_one(RunTree).display = len(self.runs) > 1

    def followed(self) -> None:
        """After the views took in a follow batch (the debugger then moves to a pause)."""

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
        self.go_to(message.step, message.run)

    def on_run_tree_run_chosen(self, message: RunTree.RunChosen) -> None:
        if self.selection is None or message.run != self.selection.run:
            self.choose_run(message.run)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._push_selection()

    # -- watchers ------------------------------------------------------------------------
    def watch_following(self, following: bool) -> None:
        self.feed.follow(following)
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

    # -- steps ---------------------------------------------------------------------------
    def on_custom_events_event_chosen(self, message: CustomEvents.EventChosen) -> None:
        self.go_to(message.step)

    def on_superstep_lanes_step_selected(self, message: SuperstepLanes.StepSelected) -> None:
        self.go_to(message.step, message.run)

    def on_raw_events_match_found(self, message: RawEvents.MatchFound) -> None:
        self.go_to(message.step, message.run)

    def go_to(self, step: int, run: int | None = None) -> None:
        """Select `step` (of `run`, switching runs if it differs) when it is listed."""
        if self.selection is None:
            return
        listed = isinstance(self.rows, ThreadRows) and run in self.rows.runs
        if run is not None and run != self.selection.run and not listed:
            self.choose_run(run, step)
            return
        run = self.selection.run if run is None else run
        index = self.rows.index_of(step, run) if self.rows is not None else None
        if index is not None:
            self.select_index(index)

    def action_prev_step(self) -> None:
        self.select_index(self.cursor_index() - 1)

    def action_next_step(self) -> None:
        self.select_index(self.cursor_index() + 1)

    def action_first_step(self) -> None:
        self.select_index(0)

    def action_last_step(self) -> None:
        if self.rows is not None:
            self.select_index(len(self.rows) - 1)

    def action_goto_step(self) -> None:
        if self.rows is None or self.selection is None:
            return
        steps = self.rows.steps(self.selection.run)
        hint = f"{steps[0]}–{steps[-1]}" if steps else "no steps yet"
        self.app.push_screen(PromptScreen(f"Go to step ({hint})", placeholder="step number"),
                             self._goto_answer)

    def _goto_answer(self, answer: str | None) -> None:
        if not answer or self.rows is None or self.selection is None:
            return
        try:
            wanted = int(answer.strip())
        except ValueError:
            self.notify(f"not a step number: {answer!r}", severity="error")
            return
        steps = self.rows.steps(self.selection.run)
        index = navigation.nearest(steps, wanted)
        if index is None:
            return
        if steps[index] != wanted:
            self.notify(f"no step {wanted}; showing step {steps[index]}")
        self.go_to(steps[index])

    def _jump_to(self, want: str, what: str) -> None:
        if self.rows is None:
            return
        found = self.rows.find(self.cursor_index(), want)
        if found is None:
            self.notify(f"no {what} after this step", severity="warning")
            return
        self.select_index(found)

    def action_next_error(self) -> None:
        self._jump_to("error", "error")

    def action_next_llm(self) -> None:
        self._jump_to("llm", "LLM call")

    # -- search --------------------------------------------------------------------------
    def action_search(self) -> None:
        if self.trace is None:
            return
        self.app.push_screen(PromptScreen("Search events", placeholder="text in any event",
                                          value=self.search_text), self._search_answer)

    def _search_answer(self, answer: str | None) -> None:
        if not answer or self.trace is None or self.selection is None:
            return
        self.search_text = answer
        self.matches = []
        self.feed.search(self.selection.run, answer)

    def action_next_match(self, include_current: bool = False) -> None:
        self._to_match(1, include_current)

    def action_prev_match(self) -> None:
        self._to_match(-1, False)

    def _to_match(self, direction: int, include_current: bool) -> None:
        if self.selection is None or self.rows is None:
            return
        if not self.matches:
            self.notify("no search matches (press / to search)", severity="warning")
            return
        target = navigation.next_match(self.matches, self.selection.step, direction,
                                       include_current)
        if target is None:
            return
        self.go_to(target)

    # -- replay and follow ---------------------------------------------------------------
    def action_toggle_play(self) -> None:
        if not self.playing and self.at_end() and not self.following:
            self.select_index(0)  # play from the start, as a player does at the end
        self.playing = not self.playing

    def action_faster(self) -> None:
        self.speed = navigation.faster(self.speed)

    def action_slower(self) -> None:
        self.speed = navigation.slower(self.speed)

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        if self.following:
            self.action_last_step()  # like `less +F`: go to the end and stay there

    # -- runs, views, help ---------------------------------------------------------------
    def action_parent_run(self) -> None:
        if self.selection is None:
            return
        node = next((n for n in self.runs if n.run == self.selection.run), None)
        if node is None or node.parent is None:
            self.notify("already at the top-level run")
            return
        self.choose_run(node.parent, parent_step(self.trace, node.run, node.parent))

    def action_view(self, view: str) -> None:
        """Show tab `view` and focus its main widget: the footer then lists that view's
        own keys beside the screen's (one model: 1-8 go to a view and its keys, Tab
        goes back to the step list, text fields take every printable key)."""
        self.query_one(TabbedContent).active = view
        widget = self.query_one(f"#view-{view}")
        target = widget if widget.can_focus else next(
            (w for w in widget.query("*") if w.can_focus and not isinstance(w, Input)), None)
        if target is not None:
            target.focus()

    def on_graph_view_node_selected(self, message: GraphView.NodeSelected) -> None:
        """Enter on a node: a subgraph opens its run; a node, the Tasks view of the latest
        step in which it ran (a click only moves the cursor)."""
        if (not message.opened or self.trace is None or self.selection is None
                or self.rows is None):
            return  # a click only moves the cursor
        target = enter_target(self.trace, self.rows, self.selection, message.name,
                              message.kind)
        if isinstance(target, str):
            self.notify(target)
        elif target is not None and target.run is not None:
            self.choose_run(target.run)
        elif target is not None and target.step is not None:
            if target.step != self.selection.step:
                self.go_to(target.step)
            self.query_one(TabbedContent).active = "tasks"

    def action_view_scope(self) -> None:
        """w from anywhere (the step list keeps focus after 1-8): the visible view's
        step / whole-run switch, when it has one."""
        active = self.query_one(TabbedContent).active
        if active == "custom":
            self.query_one(CustomEvents).action_toggle_run()
        elif active == "tokens":
            self.query_one(TokenTimeline).action_toggle_scope()
        else:
            self.notify("only the Custom and Tokens views show a step or the whole run")

    def help_note(self) -> str:
        """A caveat the help screen ends with ("" for none)."""
        return ""

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.ACTIONS, note=self.help_note()))
