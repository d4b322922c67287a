"""`LiveExport`: a recording's spans sent over OTLP/HTTP as its runs go, by a follower
process (`python -m tracer.export.otel_follow`, whose docstring says why a process):
it reads the trace file as the writer appends to it and sends the file export's spans,
batched by the SDK's BatchSpanProcessor. This side imports no OpenTelemetry.

One follower per endpoint serves every recording of the program (starting one costs
~0.4 s of CPU, on another core: paid once). A recording tells it which file to follow
when it starts and where its frames end when it is closed; `close()` does not wait for
the network. The interpreter's exit closes the followers' stdin and waits for them to
send the rest (at most `EXIT_TIMEOUT` s each); `finish_sending()` does that now (a
command about to exit that reports how many spans were sent).
"""

from __future__ import annotations

import atexit
import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

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
"""The follower's start: lower its priority before it imports anything (importing is its
costliest moment), then run `python -m tracer.export.otel_follow`."""
_ROOT = str(Path(__file__).resolve().parents[2])
"""Where the `tracer` package is imported from (the follower imports it from there too)."""


_at_exit: list[bool] = []
"""Holds True once `finish_all` is registered to run at exit."""


class Follower:
    """The follower process of one endpoint (`of`), for the whole program."""

    _all: dict[str, Follower] = {}  # noqa: RUF012 - one registry, shared on purpose
    _lock = threading.Lock()

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.sent: int | None = None
        """Spans the endpoint accepted, known once the follower has finished."""
        self._ids = itertools.count()
        self._acks: dict[int, threading.Event] = {}
        self._paths: dict[int, str] = {}
        self._done = threading.Event()
        path_env = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": _ROOT + (os.pathsep + path_env if path_env else "")}
        env.pop("STEPSCOPE_TRACE", None)  # the follower records nothing itself
        self._process = subprocess.Popen(
            [sys.executable, "-c", _START, "--endpoint", endpoint, "--timeout",
             str(EXIT_TIMEOUT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            text=True)
        self._write_lock = threading.Lock()
        threading.Thread(target=self._listen, name="stepscope-otlp-reap", daemon=True).start()

    @classmethod
    def of(cls, endpoint: str) -> Follower:
        with cls._lock:
            follower = cls._all.get(endpoint)
            if follower is None or follower._done.is_set():
                if not _at_exit:
                    _at_exit.append(True)
                    atexit.register(finish_all)
                follower = cls._all[endpoint] = cls(endpoint)
            return follower

    def _listen(self) -> None:
        """The follower's answers: `ack ID` (it knows where recording ID ends), then at
        its end `sent N`."""
        for line in self._process.stdout or ():
            word, _, rest = line.strip().partition(" ")
            if word == "ack" and rest.isdigit():
                self._acks.setdefault(int(rest), threading.Event()).set()
            elif word == "sent" and rest.isdigit():
                self.sent = int(rest)
        self._process.wait()
        for event in list(self._acks.values()):
            event.set()  # a follower that is gone reads nothing more either
        self._done.set()

    def _say(self, line: str) -> bool:
        with self._write_lock:
            stdin: IO[str] | None = self._process.stdin
            if stdin is None or stdin.closed:
                return False
            try:
                stdin.write(line + "\n")
                stdin.flush()
                return True
            except (OSError, ValueError):  # it exited
                return False

    def follow(self, path: str, *, content: bool, skip_runs: int) -> int:
        """Start following `path`; the recording's id."""
        number = next(self._ids)
        self._acks[number] = threading.Event()
        self._paths[number] = path
        for earlier, other in list(self._paths.items()):
            if other == path and earlier != number:
                # Until the follower knows where an earlier recording of this file ended,
                # what this one appends could be taken for part of that one.
                self._acks[earlier].wait(ACK_TIMEOUT)
                del self._paths[earlier]
        self._say(f"follow {number} {skip_runs} {int(content)} {path}")
        return number

    def end(self, number: int, offset: int) -> None:
        """Recording `number` was closed; its frames end at `offset`."""
        if not self._say(f"end {number} {offset}"):
            self._acks[number].set()

    def finish(self, timeout: float = EXIT_TIMEOUT + 5.0) -> int | None:
        """Let it send the rest and exit (at most `timeout` s); the spans it sent."""
        with self._write_lock:
            stdin = self._process.stdin
            if stdin is not None and not stdin.closed:
                try:
                    stdin.close()
                except OSError:
                    pass
        if not self._done.wait(timeout):
            self._process.kill()
            self._done.wait(2.0)
        return self.sent


class LiveExport:
    """One recording's share of its endpoint's follower."""

    def __init__(self, path: str, endpoint: str, *, content: bool = False,
                 first_run: int = 0) -> None:
        self.path = str(Path(path).resolve())
        if "\n" in self.path:
            raise OSError(f"a path with a line break cannot be followed: {self.path!r}")
        self.endpoint = endpoint
        self.follower = Follower.of(endpoint)
        self._number = self.follower.follow(self.path, content=content, skip_runs=first_run)
        self._closed = False

    @property
    def sent(self) -> int | None:
        """Spans the endpoint accepted (every recording's), once the follower finished."""
        return self.follower.sent

    def close(self) -> None:
        """The trace is closed: the follower may read to the end of this recording's
        frames (a later recording appending to the file writes from there) and send."""
        if not self._closed:
            self._closed = True
            self.follower.end(self._number, _end_of_events(self.path))

    def finish_sending(self, timeout: float = EXIT_TIMEOUT + 5.0) -> int | None:
        """Close, and wait for the follower to send everything and exit."""
        self.close()
        return self.follower.finish(timeout)


def _end_of_events(path: str) -> int:
    """Where the trace's events end: its index frame when it was closed cleanly (an
    appender writes over the index), else its size."""
    try:
        with open_trace(path) as trace:
            return trace.index.end if trace.finished else os.path.getsize(path)
    except (TraceError, OSError):
        return 2**62  # unreadable: the follower reads what it can


def finish_all() -> None:
    """Let every follower send the rest and exit (at exit; tests and benchmarks that
    must know it is all sent)."""
    with Follower._lock:
        followers = list(Follower._all.values())
        Follower._all.clear()
    for follower in followers:
        follower.finish()
