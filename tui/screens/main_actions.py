"""The main screen's actions (what each key does) and the views' requests to go to a
step, kept apart from the screen's layout and state."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.widgets import Input, TabbedContent

from tui.node_target import step_of_node, subgraph_run
from tui.run_paths import parent_step
from tui.screens.help import HelpScreen
from tui.screens.prompt import PromptScreen
from tui.widgets.custom_events import CustomEvents
from tui.widgets.graph_view import GraphView
from tui.widgets.raw_events import RawEvents
from tui.widgets.superstep_lanes import SuperstepLanes
from tui.widgets.token_timeline import TokenTimeline

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""Replay speeds, steps per second."""

if TYPE_CHECKING:
    from textual.reactive import reactive
    from textual.screen import Screen
    from textual.worker import Worker

    from tracer import Trace
    from tui.bindings import ActionSpec
    from tui.run_paths import RunNode
    from tui.selection import Selection
    from tui.step_rows import RowCache

    class _Base(Screen[None]):
        """What the actions use of `MainScreen` (which defines all of it), for the type
        checker only: at run time the mixin's base is `object`."""

        ACTIONS: ClassVar[tuple[ActionSpec, ...]]
        following: reactive[bool] = reactive(False)
        playing: reactive[bool] = reactive(False)
        speed: reactive[float] = reactive(2.0)
        trace: Trace | None
        selection: Selection | None
        rows: RowCache | None
        runs: list[RunNode]
        search_text: str
        matches: list[int]

        def choose_run(self, run: int, step: int | None = None) -> None: ...
        def select_index(self, index: int) -> None: ...
        def cursor_index(self) -> int: ...
        def at_end(self) -> bool: ...
        def search_events(self, trace: Trace, run: int, text: str) -> Worker[None]: ...
else:
    _Base = object


class MainActions(_Base):
    """`action_*` methods of `MainScreen`; each reads and sets the screen's state."""

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
        if run is not None and run != self.selection.run:
            self.choose_run(run, step)
            return
        index = self.rows.index_of(step) if self.rows is not None else None
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
        if self.rows is None:
            return
        steps = self.rows.steps()
        hint = f"{steps[0]}–{steps[-1]}" if steps else "no steps yet"
        self.app.push_screen(PromptScreen(f"Go to step ({hint})", placeholder="step number"),
                             self._goto_answer)

    def _goto_answer(self, answer: str | None) -> None:
        if not answer or self.rows is None:
            return
        try:
            wanted = int(answer.strip())
        except ValueError:
            self.notify(f"not a step number: {answer!r}", severity="error")
            return
        steps = self.rows.steps()
        if not steps:
            return
        # The step itself, or the nearest one (a subgraph run may start past step 0).
        index = min(range(len(steps)), key=lambda i: abs(steps[i] - wanted))
        if steps[index] != wanted:
            self.notify(f"no step {wanted}; showing step {steps[index]}")
        self.select_index(index)

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
        self.search_events(self.trace, self.selection.run, answer)

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
        here = self.selection.step
        if direction > 0:
            ahead = [s for s in self.matches if s > here or (include_current and s == here)]
            target = ahead[0] if ahead else self.matches[0]  # wrap around
        else:
            behind = [s for s in self.matches if s < here]
            target = behind[-1] if behind else self.matches[-1]
        index = self.rows.index_of(target)
        if index is not None:
            self.select_index(index)

    # -- replay and follow ---------------------------------------------------------------
    def action_toggle_play(self) -> None:
        if not self.playing and self.at_end() and not self.following:
            self.select_index(0)  # play from the start, as a player does at the end
        self.playing = not self.playing

    def action_faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])

    def action_slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])

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
        selection, name = self.selection, message.name
        if message.kind == "subgraph":
            run = subgraph_run(self.trace, selection.run, selection.step, name)
            if run is None:
                self.notify(f"{name} has not run in this run yet: no subgraph run to open")
                return
            self.choose_run(run)
            return
        if message.kind != "node":
            return
        steps = [(self.rows.row(i).step, self.rows.row(i).nodes)
                 for i in range(len(self.rows))]
        step = step_of_node(steps, selection.step, name)
        if step is None:
            self.notify(f"{name} has not run in this run")
            return
        if step != selection.step:
            self.go_to(step)
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
