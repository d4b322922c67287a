"""`TraceFeed`: the main screen's trace, kept in step with its file.

It opens the file (in follow mode, waiting for a writer that has not started), follows it
as it grows, checks a finished file's frames, notices the file rewritten under it (a new
recording to the same path) and opens it again, warms states and rows, and searches. All
of that runs in worker threads (`tui.trace_tasks`) whose messages — `TraceOpened`,
`TraceFailed`, `FollowBatch`, `TraceChanged`, `IntegrityChecked`, `SearchDone` — the
feed handles for its own part (which trace is open, which workers run), then lets bubble
to the screen, which handles them for what is on screen. It shows nothing itself.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual import work
from textual.widget import Widget
from textual.worker import get_current_worker

from tracer import Trace, TraceChangedError
from tui import trace_tasks as tasks
from tui.event_search import search_steps
from tui.thread_rows import StepLines

BACKGROUND_DELAY_S = 0.5
"""Background reads (frame check, state and row warm-up) start this long after a run is
shown: they compete with the first screen for the GIL."""
WATCH_S = 1.0
"""How often a trace shown without following is checked for having been rewritten."""
WORKER_GROUPS = ("follow", "warm", "integrity", "search")
"""The workers that read an open trace (the "open" one makes it)."""


class TraceFeed(Widget):
    """The open trace of `path` (None until it opens) and the workers reading it."""

    DEFAULT_CSS = "TraceFeed { display: none; }"

    def __init__(self, path: Path, *, wait: bool) -> None:
        super().__init__()
        self.path = path
        self.wait = wait
        """Follow mode at start: a missing or empty file is waited for, not refused."""
        self.trace: Trace | None = None
        self.following = False

    def on_mount(self) -> None:
        self.open_file()
        self.set_interval(WATCH_S, self._watch_file)

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        tasks.thaw_long_lived()
        if self.trace is not None:
            self.trace.close()

    # -- what the screen asks for --------------------------------------------------------
    def follow(self, on: bool) -> None:
        """Tail the file (FollowBatch messages as it grows), or stop tailing it."""
        self.following = on
        if not on:
            self.workers.cancel_group(self, "follow")
        elif self.trace is not None:
            self._follow(self.trace)

    def warm_later(self, run: int, rows: StepLines) -> None:
        """Read run `run`'s states and `rows` ahead, once the first screen is drawn."""
        if self.trace is not None:
            self.set_timer(BACKGROUND_DELAY_S, partial(self._warm_up, self.trace, run, rows))

    def search(self, run: int, text: str) -> None:
        """Find the steps of run `run` with an event holding `text` (SearchDone)."""
        if self.trace is not None:
            self._search(self.trace, run, text)

    # -- its own part of the workers' messages (they go on to the screen) ----------------
    def on_trace_opened(self, message: tasks.TraceOpened) -> None:
        self.trace = message.trace
        if not self.trace.errors and self.trace.finished:
            # After the first screen: the full frame scan competes for the GIL.
            self.set_timer(BACKGROUND_DELAY_S, partial(self._check_integrity, self.trace))
        if self.following:
            self._follow(self.trace)

    def on_trace_changed(self, message: tasks.TraceChanged) -> None:
        """The file was truncated or replaced: drop what was read, open it again."""
        for group in WORKER_GROUPS:
            self.workers.cancel_group(self, group)
        if self.trace is not None:
            self.trace.close()
        self.trace = None
        self.open_file()

    def _watch_file(self) -> None:
        """A trace shown without following is still checked now and then: rewritten
        under the viewer, it is reloaded (following notices by itself)."""
        if self.trace is not None and not self.following:
            try:
                self.trace.check_unchanged()
            except TraceChangedError as exc:
                self.post_message(tasks.TraceChanged(str(exc)))

    # -- workers -------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="open")
    def open_file(self) -> None:
        worker = get_current_worker()
        tasks.open_until_ready(self.path, self.post_message, lambda: worker.is_cancelled,
                               wait=self.wait)

    @work(thread=True, exclusive=True, group="follow")
    def _follow(self, trace: Trace) -> None:
        worker = get_current_worker()
        tasks.follow_batches(trace, self.post_message, lambda: worker.is_cancelled)

    @work(thread=True, exclusive=True, group="warm")
    def _warm_up(self, trace: Trace, run: int, rows: StepLines) -> None:
        worker = get_current_worker()
        tasks.freeze_long_lived(trace)  # the app and index; then the memo; then the rows
        tasks.warm_states(trace, run, lambda: worker.is_cancelled)
        tasks.freeze_long_lived(trace)
        tasks.warm_rows(rows, lambda: worker.is_cancelled)
        tasks.freeze_long_lived(trace)

    @work(thread=True, exclusive=True, group="integrity")
    def _check_integrity(self, trace: Trace) -> None:
        tasks.check_integrity(trace, self.post_message)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, trace: Trace, run: int, text: str) -> None:
        worker = get_current_worker()
        steps = search_steps(trace, run, text, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(tasks.SearchDone(text, run, steps))
