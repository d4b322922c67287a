"""Work on a trace that runs in worker threads, and the messages it posts to the UI.

Each function takes the trace (or path), a `post` callable (a widget's thread-safe
`post_message`) and a `cancelled` callable, so it runs and is tested without an app.
The background jobs (integrity scan, state and row warm-up) take turns on a trace
(`background_turn`): on the 1,000,003-event benchmark trace, step moves on the Custom tab
settled in at most 75 ms beside one busy background thread and up to 220 ms beside two
(three threads wanting the GIL, the UI's among them).
"""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from tracer import Trace, TraceChangedError, TraceCorruptError, TraceError, open_trace
from tracer.summary import scan_integrity
from tui.thread_rows import StepLines

Post = Callable[[Message], object]
Cancelled = Callable[[], bool]

FOLLOW_BATCH_S = 0.05
"""Follow mode merges what arrives within this window into one message."""
YIELD_S = 0.001
"""Warm-up loops pause this long between reads: the trace's lock is not fair, and a
thread that takes it back at once would starve the UI's reads."""
TURN_POLL_S = 0.05
"""How often a job waiting for its background turn looks whether it was cancelled."""
_TURNS_GUARD = threading.Lock()
_TURNS: weakref.WeakKeyDictionary[Trace, threading.Lock] = weakref.WeakKeyDictionary()


class TraceOpened(Message):
    """Posted when the trace file has been opened and indexed."""

    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self.trace = trace


class TraceFailed(Message):
    """Posted when the file cannot be opened as a trace (`waiting`: follow retries)."""

    def __init__(self, message: str, *, waiting: bool = False) -> None:
        super().__init__()
        self.message = message
        self.waiting = waiting


class FollowBatch(Message):
    """Posted (at most every 50 ms) when a followed trace grew: how many events, by kind."""

    def __init__(self, events: int, kinds: Counter[str]) -> None:
        super().__init__()
        self.events = events
        self.kinds = kinds


class TraceChanged(Message):
    """Posted when the file on show was truncated or replaced (a new recording to the
    same path): what is shown no longer matches it, so the screen reloads."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class IntegrityChecked(Message):
    """Posted when a full frame scan finished: the corrupt regions it found."""

    def __init__(self, errors: list[TraceCorruptError], frames: int) -> None:
        super().__init__()
        self.errors = errors
        self.frames = frames


class SearchDone(Message):
    """Posted when a search over the run's events finished: the matching steps."""

    def __init__(self, text: str, run: int, steps: list[int]) -> None:
        super().__init__()
        self.text = text
        self.run = run
        self.steps = steps


def describe_failure(path: Path, exc: BaseException) -> str:
    """A one-paragraph explanation of why `path` cannot be shown."""
    if isinstance(exc, TraceError):
        return str(exc)
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied"
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return f"{path} could not be read as a stepscope trace ({type(exc).__name__}: {exc})"


def damage_text(errors: list[TraceCorruptError], frames: int | None = None) -> str:
    """The banner over a corrupt trace: where it broke, and that the rest is shown."""
    regions = f"{len(errors)} damaged region{'s' if len(errors) > 1 else ''}"
    read = f"{frames} frames read; " if frames is not None else ""
    return (f"⚠ corrupt trace: {errors[0]} ({regions}); {read}showing what was read, "
            "steps marked ⚠ touch the damage, ? have a state that depends on it")


def open_until_ready(path: Path, post: Post, cancelled: Cancelled, *,
                     wait: bool, poll: float = 0.05) -> None:
    """Open `path` and post `TraceOpened`; on failure post `TraceFailed`.

    With `wait` (follow mode) a file that does not exist yet, is empty, or holds no
    run yet is retried until it becomes a trace, since the writer may not have started.
    """
    told = False
    while not cancelled():
        try:
            trace = open_trace(path)
        except Exception as exc:  # every failure becomes a message, never a traceback
            message = describe_failure(path, exc)
            retry = wait and (not path.exists() or _still_starting(path, exc))
            if not retry:
                post(TraceFailed(message))
                return
            if not told:
                post(TraceFailed(f"waiting for {path} … ({message})", waiting=True))
                told = True
            time.sleep(poll)
            continue
        if not trace.index.runs and not wait:
            trace.close()
            post(TraceFailed(f"{path} holds no graph run yet (the writer stopped "
                             "before the first event)"))
            return
        post(TraceOpened(trace))
        return


def _still_starting(path: Path, exc: BaseException) -> bool:
    try:
        small = os.path.getsize(path) < 4096
    except OSError:
        return True
    return small and isinstance(exc, TraceError) and (
        "empty" in str(exc) or "incomplete" in str(exc))


def follow_batches(trace: Trace, post: Post, cancelled: Cancelled,
                   window: float = FOLLOW_BATCH_S, poll: float = 0.01) -> None:
    """Tail `trace` with `Trace.follow`, posting at most one `FollowBatch` per `window`.

    The follow loop calls `stop()` after every read pass, even when nothing came: what
    was read is posted there at once if the last post is `window` old, else held back
    until it is (so a burst costs one message, and a lone step waits at most `poll`).
    """
    kinds: Counter[str] = Counter()
    last = 0.0

    def flush_and_check() -> bool:
        nonlocal last, kinds
        now = time.monotonic()
        if kinds and now - last >= window:
            post(FollowBatch(sum(kinds.values()), kinds))
            kinds, last = Counter(), now
        return cancelled()

    try:
        for event in trace.follow(poll=poll, stop=flush_and_check):
            kinds[event.kind] += 1
    except TraceChangedError as exc:
        post(TraceChanged(str(exc)))
        return
    if kinds:
        post(FollowBatch(sum(kinds.values()), kinds))


def background_turn(trace: Trace) -> threading.Lock:
    """The lock a background job holds on `trace` for each slice of its work, so that only
    one of them wants the GIL beside the UI at a time."""
    with _TURNS_GUARD:
        lock = _TURNS.get(trace)
        if lock is None:
            lock = _TURNS[trace] = threading.Lock()
        return lock


def _take_turn(turn: threading.Lock, cancelled: Cancelled) -> bool:
    """Wait for `turn`; False (not holding it) once the job is cancelled."""
    while not turn.acquire(timeout=TURN_POLL_S):
        if cancelled():
            return False
    return True


def check_integrity(trace: Trace, post: Post) -> None:
    """Hop every frame of a finished trace, posting what is corrupt (nothing if clean).

    One slice: the tracer's scan cannot be paused, so it holds its turn throughout.
    """
    try:
        with background_turn(trace):
            found = scan_integrity(trace)
    except OSError:
        return
    if found.errors:
        post(IntegrityChecked(found.errors, found.frames))


def warm_states(trace: Trace, run: int, cancelled: Cancelled, every: int = 64) -> None:
    """Replay run `run`'s state forward in short locked slices, so the reader memoises
    keyframes along the way and later `state_at` calls are quick."""
    steps = trace.steps(run)
    turn = background_turn(trace)
    for step in [*steps[::every], *steps[-1:]]:
        if cancelled() or not _take_turn(turn, cancelled):
            return
        try:
            trace.state_at(step, run)
        except (TraceError, KeyError, ValueError):
            return
        finally:
            turn.release()
        time.sleep(YIELD_S)


def warm_rows(rows: StepLines, cancelled: Cancelled) -> None:
    """Read every step list row ahead of need, so `e` and `t` search a filled cache."""
    turn = background_turn(rows.trace)
    for index in range(len(rows)):
        if cancelled() or not _take_turn(turn, cancelled):
            return
        try:
            rows.row(index)
        except (TraceError, IndexError):
            return
        finally:
            turn.release()
        time.sleep(YIELD_S)



FREEZE_EVENTS = 100_000
"""A trace with at least this many events has its long-lived objects frozen after the
warm-up steps (below that, a full garbage collection is quick anyway)."""


def freeze_long_lived(trace: Trace) -> bool:
    """Take every object alive now out of the cyclic garbage collector's walks, for a
    big trace; True if it did.

    A full collection walks every tracked object and every reference it holds: on the
    1,000,003-event benchmark trace that is the app's widgets, the index, the replay
    memo (157 state copies, 784,000 list items) and the row cache, and each walk took
    50-130 ms, landing on a random step move. What is alive once a run is shown and
    warmed stays alive while the trace is shown, so it is frozen (`gc.freeze`): later
    collections walk only what came after. Frozen objects are still freed by reference
    counting; cycles among them wait for `thaw_long_lived` (the screen's unmount).
    """
    if trace.index.events < FREEZE_EVENTS:
        return False
    gc.freeze()
    return True


def thaw_long_lived() -> None:
    """Give frozen objects back to the collector (the trace is no longer shown)."""
    if gc.get_freeze_count():
        gc.unfreeze()
