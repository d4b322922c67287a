"""The debug screen: the main screen over the trace a live DebugSession is writing, plus a
status bar and the debugger's keys (step, into, continue, pause, stop, resume, fork,
breakpoints).

The session's run thread posts `SessionChanged`; the screen never waits on the run.
The views follow the trace file as the session writes it (as `view --follow` does).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from tui.bindings import ACTIONS, DEBUG_ACTIONS, main_bindings
from tui.debug.breakpoints import Breakpoint
from tui.debug.forking import ForkError, fork_point
from tui.debug.session import DebugSession, SessionError
from tui.debug.status_text import status_markup
from tui.screens.breakpoints import BreakpointsScreen
from tui.screens.fork_editor import Edited, ForkEditor
from tui.screens.main import MainScreen
from tui.screens.postmortem import PostMortemScreen
from tui.screens.prompt import PromptScreen

_FOOTER_KEEP = {"step.prev", "step.next", "app.help", "app.quit"}
TICK_S = 0.25
"""How often the bar's elapsed times are redrawn while tasks run."""


def resume_value(answer: str) -> Any:
    """The typed answer as JSON; bare words (`yes`) are taken as strings, but text that
    starts like JSON must be valid JSON (ValueError says where it is not)."""
    text = answer.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if text[:1] in '{["-0123456789' or text in ("true", "false", "null") or not text:
            raise ValueError(f"not JSON: {exc.msg} (column {exc.colno})") from None
        return text


class SessionChanged(Message):
    """Posted from the run thread: the session paused, went on, or a run ended."""


class DebugScreen(MainScreen, inherit_bindings=False):
    """A MainScreen driving `session`; see the module doc."""

    ACTIONS = DEBUG_ACTIONS + ACTIONS
    # The footer shows the debugger's keys; the viewer's stay bound (help lists them).
    BINDINGS: ClassVar[list[BindingType]] = [*Screen.BINDINGS, *main_bindings(DEBUG_ACTIONS + tuple(
        a if a.id in _FOOTER_KEEP else replace(a, footer=False) for a in ACTIONS))]

    def __init__(self, path: Path, session: DebugSession, *, input: Any = None,
                 start: bool = True, mode: str = "step") -> None:
        super().__init__(path, follow=True)
        self.session = session
        self.start_input = input
        self.start_run = start
        self.start_mode = mode
        self._focus: tuple[tuple[str, ...], str | None] | None = None
        """(namespace, run id or None for the latest) of the run the views should move to,
        at its latest step, once the trace shows it: where the run paused, or the root
        run that just ended."""
        self._last_state = ""
        self._told: object = None
        """The error pause last announced (announced once)."""

    # -- life ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.mount(Static("", id="debug-bar"), after="#header")
        self.session.notify = lambda: self.post_message(SessionChanged())
        # (MainScreen.on_mount runs after this one: Textual calls a handler of each class.)
        if self.start_run:
            self.session.start(self.start_input, mode=self.start_mode)
        self.set_interval(TICK_S, self._tick)
        self._breakpoints_changed()
        if self.session.runtime.limits:
            self.notify(self.help_note(), timeout=8)

    def help_note(self) -> str:
        limits = self.session.runtime.limits
        if not limits:
            return ""
        return f"On real LangGraph, {limits} (README: Recording LangGraph programs)."

    def on_unmount(self) -> None:
        self.session.close()

    def _tick(self) -> None:
        if self.session.active:
            self._refresh_bar()

    def _refresh_bar(self) -> None:
        status = self.session.status()
        self.query_one("#debug-bar", Static).update(
            status_markup(status, len(self.session.breakpoints)))

    # -- session → views -----------------------------------------------------------------
    def on_session_changed(self, message: SessionChanged) -> None:
        status = self.session.status()
        self._refresh_bar()
        if status.pause is not None:
            # A root pause names the run by id: before the trace shows a new run (a fork,
            # a resume), "the latest root run" would be the one before it.
            ns = status.pause.ns
            self._focus = (ns, None if ns else self.session.latest_run)
            self._go_to_pause()
        if status.state != self._last_state:
            self._last_state = status.state
            if status.state in ("done", "error", "stopped", "interrupted"):
                # The root run that just ended (a resume or a fork is a run of its own).
                self._focus = ((), self.session.latest_run)
                self._go_to_pause()
            if status.state == "interrupted":
                self.notify("the run is waiting at interrupt(): press r to answer",
                            severity="warning", timeout=6)
            elif status.state == "error":
                self.notify(f"the run failed: {status.error} (L: post-mortem)",
                            severity="error", timeout=8)
        if (status.pause is not None and status.pause.error is not None
                and status.pause is not self._told):
            self._told = status.pause
            self.notify("a task failed: L shows its frames and local variables",
                        severity="warning", timeout=6)

    def _show_trace(self) -> None:
        super()._show_trace()
        if self._focus is not None:  # the run paused before the file was open
            self._go_to_pause()

    def followed(self) -> None:
        if self._focus is not None:
            self._go_to_pause()

    def _go_to_pause(self) -> None:
        """Show the paused (or ended) run, root or subgraph, at its latest step, once it is
        indexed."""
        if self._focus is None or self.trace is None or self.rows is None:
            return
        (ns, run_id), trace = self._focus, self.trace
        runs = [i for i, r in enumerate(trace.index.runs)
                if r.ns == ns and (run_id is None or r.run_id == run_id)]
        if not runs:
            return  # the follow worker has not read it yet: the next batch will
        run = runs[-1]
        if self.selection is None or self.selection.run != run:
            self.choose_run(run)
        elif len(self.rows):
            self.select_index(len(self.rows) - 1)
        self._focus = None

    # -- run control ---------------------------------------------------------------------
    def _control(self, command: str) -> None:
        state = self.session.status().state
        if state not in ("paused", "running"):
            self.notify(f"no run to {command}: the session is {state}"
                        + (" (press r to answer the interrupt)" if state == "interrupted"
                           else ""), severity="warning")
            return
        getattr(self.session, command)()

    def action_debug_step(self) -> None:
        self._control("step")

    def action_debug_into(self) -> None:
        self._control("step_into")

    def action_debug_out(self) -> None:
        self._control("step_out")

    def action_debug_run_to(self) -> None:
        graph = self.query_one("#view-graph")
        path = getattr(graph, "cursor_path", lambda: None)()
        if path is None:
            self.notify("run to: pick a node in the Graph view first (1, then [ or ] or a "
                        "click)", severity="warning")
            return
        state = self.session.status().state
        if state not in ("paused", "running"):
            self.notify(f"no run to go on with: the session is {state}", severity="warning")
            return
        self.session.run_to(path)

    def action_debug_continue(self) -> None:
        self._control("cont")

    def action_debug_pause(self) -> None:
        self._control("pause")
        self.notify("pausing at the next phase boundary")

    def action_debug_stop(self) -> None:
        if not self.session.active:
            self.notify("no run in progress", severity="warning")
            return
        self.session.stop()
        self._refresh_bar()

    # -- interrupts ----------------------------------------------------------------------
    def action_debug_resume(self, value: str = "") -> None:
        asks = self.session.asks()
        if asks is None:
            self.notify("the run is not waiting at an interrupt", severity="warning")
            return
        if not asks:  # interrupt_before/after: nothing to answer
            self.session.resume(None, mode="step")
            return
        asked = "; ".join(json.dumps(v, ensure_ascii=False, default=repr) for v in asks)
        self.app.push_screen(
            PromptScreen(f"interrupt() asks: {asked[:600]}\n\nAnswer (JSON):",
                         placeholder='e.g. "yes" or {"approved": true}', value=value),
            self._resume_with)

    def _resume_with(self, answer: str | None) -> None:
        if answer is None:
            return
        try:
            value = resume_value(answer)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            self.action_debug_resume(answer)
            return
        try:
            # Go on as before the interrupt: continue to breakpoints, or step.
            self.session.resume(value, mode=self.session.controller.mode)
        except SessionError as exc:
            self.notify(str(exc), severity="error")

    # -- post-mortem ---------------------------------------------------------------------
    def action_debug_postmortem(self) -> None:
        error = self.session.post_mortem()
        if error is None:
            self.notify("post-mortem: only after a task failed (pause on it with "
                        "--break error, or after the run failed)", severity="warning")
            return
        pause = self.session.status().pause
        where = (f"{pause.node} (step {pause.step})" if pause is not None and pause.node
                 else "the run")
        self.app.push_screen(PostMortemScreen(error, where))

    # -- time travel ---------------------------------------------------------------------
    def action_debug_fork(self) -> None:
        if self.trace is None or self.selection is None:
            return
        if self.session.active:
            self.notify("a run is in progress: stop it (x) before forking", severity="warning")
            return
        run, step = self.selection.run, self.selection.step
        run_id = self.trace.index.runs[run].run_id if run < len(self.trace.index.runs) else None
        try:
            point = fork_point(self.trace, run, step,
                               self.session.runtime.saver(self.session.graph),
                               self.session.threads.get(str(run_id)))
        except ForkError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.app.push_screen(ForkEditor(point), self._fork_with)

    def _fork_with(self, edited: Edited | None) -> None:
        if edited is None:
            return
        point, values = edited
        try:
            self.session.fork(point, values, mode="step")
        except (SessionError, ValueError) as exc:
            self.notify(f"cannot fork: {exc}", severity="error", timeout=6)
            return
        what = "edited state" if values is not None else "the same state"
        self.notify(f"forked run {point.run} after step {point.step} with {what}")

    # -- breakpoints ---------------------------------------------------------------------
    def action_debug_toggle_breakpoint(self) -> None:
        graph = self.query_one("#view-graph")
        path = getattr(graph, "cursor_path", lambda: None)()
        if self.query_one(TabbedContent).active != "graph" or path is None:
            self.action_debug_breakpoints()
            return
        bp = Breakpoint("before", path)
        now_set = self.session.breakpoints.toggle(bp)
        self.notify(f"breakpoint {bp.text} {'set' if now_set else 'removed'}")
        self._breakpoints_changed()

    def action_debug_breakpoints(self) -> None:
        topology = self.session.topology
        self.app.push_screen(
            BreakpointsScreen(self.session.breakpoints, topology, topology.get("state_keys")),
            lambda _: self._breakpoints_changed())

    def _breakpoints_changed(self) -> None:
        graph = self.query_one("#view-graph")
        mark = getattr(graph, "set_breakpoints", None)
        if mark is not None:
            mark(self.session.breakpoints.nodes_marked())
        self._refresh_bar()
