"""`LiveExport`: a recording's spans sent over OTLP/HTTP as its runs go, by a follower
process (`python -m tracer.export.otel_follow`, whose docstring says why a process):
it reads the trace file as the writer appends to it and sends the file export's spans,
batched by the SDK's BatchSpanProcessor. This side imports no OpenTelemetry.

The recorder starts it beside the trace writer and `close()`s it once the writer is
closed: the follower then reads to the end, sends the rest and exits. `close()` does
not wait for the network; `finish_sending()` does (at most `EXIT_TIMEOUT` s), and so
does the interpreter's exit, for every follower still running, so that a short program
does not end before its spans are sent.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from pathlib import Path

from tracer.frames import TraceError
from tracer.reader import open_trace

EXIT_TIMEOUT = 5.0
ACK_TIMEOUT = 2.0
NICENESS = 5
_START = ("import os, runpy\n"
          "try:\n"
          f"    os.nice({NICENESS})  # on a busy machine the recorded program goes first\n"
          "except (AttributeError, OSError):\n"
          "    pass\n"
          "runpy.run_module('tracer.export.otel_follow', run_name='__main__')\n")
"""The follower's start: lower its priority before it imports anything (importing the
SDK is its costliest moment), then run `python -m tracer.export.otel_follow`."""
_ROOT = str(Path(__file__).resolve().parents[2])
"""Where the `tracer` package is imported from (the follower imports it from there too)."""


_running: set[LiveExport] = set()
_lock = threading.Lock()
_at_exit: list[bool] = []
"""Holds True once `finish_all` is registered to run at exit."""


class LiveExport:
    """One recording's follower process."""

    _acked: threading.Event
    """Set once the follower knows where the recording ends (or has exited)."""

    def __init__(self, path: str, endpoint: str, *, content: bool = False,
                 first_run: int = 0) -> None:
        self.path = str(Path(path).resolve())
        self.endpoint = endpoint
        with _lock:
            before = [live for live in _running if live.path == self.path]
        for live in before:
            # Until a follower of this file knows where its recording ended, what this
            # recording appends could be taken for part of that one.
            live._acked.wait(ACK_TIMEOUT)
        self.sent: int | None = None
        """Spans the endpoint accepted (known once the follower has finished)."""
        args = [sys.executable, "-c", _START, self.path, "--endpoint", endpoint,
                "--skip-runs", str(first_run), "--timeout", str(EXIT_TIMEOUT)]
        if content:
            args.append("--content")
        path_env = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": _ROOT + (os.pathsep + path_env if path_env else "")}
        env.pop("STEPSCOPE_TRACE", None)  # the follower records nothing itself
        self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         env=env, text=True)
        self._done = threading.Event()
        self._acked = threading.Event()
        with _lock:
            if not _at_exit:
                _at_exit.append(True)
                atexit.register(finish_all)
            _running.add(self)
        threading.Thread(target=self._reap, name="stepscope-otlp-reap", daemon=True).start()

    def _reap(self) -> None:
        """Collect the follower's answer (the count it prints) when it ends."""
        for line in self._process.stdout or ():
            if line.strip() == "ack":
                self._acked.set()
            elif line.strip().isdigit():
                self.sent = int(line)
        self._process.wait()
        with _lock:
            _running.discard(self)
        self._acked.set()  # (a follower that is gone reads nothing more either)
        self._done.set()

    def close(self) -> None:
        """The trace is closed: the follower may read to the end of this recording's
        frames (a later recording appending to the file writes from there), send and
        exit."""
        stdin = self._process.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(f"{_end_of_events(self.path)}\n")
            stdin.close()
        except (OSError, ValueError):  # the follower already exited
            pass

    def finish_sending(self, timeout: float = EXIT_TIMEOUT + 5.0) -> int | None:
        """Wait (at most `timeout` s) for the follower to send the rest and exit; how many
        spans the endpoint accepted, or None if it did not finish in time."""
        self.close()
        if not self._done.wait(timeout):
            self._process.kill()
            self._done.wait(2.0)
        return self.sent


def _end_of_events(path: str) -> int:
    """Where the trace's events end: its index frame when it was closed cleanly (an
    appender writes over the index), else its size."""
    try:
        with open_trace(path) as trace:
            return trace.index.end if trace.finished else os.path.getsize(path)
    except (TraceError, OSError):
        return 2**62  # unreadable: the follower reads what it can


def finish_all() -> None:
    """Wait for every follower still running to send the rest (at exit, and for tests
    and benchmarks that must know it is all sent)."""
    with _lock:
        running = list(_running)
    for live in running:
        live.finish_sending()
