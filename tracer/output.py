"""The file side of a `TraceWriter`: its locked file, the frame buffer, flushing, failing.

The file is opened and locked before anything in it is truncated (`tracer.tracefile`),
registered with the shared flusher (`tracer.flusher`) while open, and, when a write
fails (a full disk: any OSError), cut back to its last whole frame, or removed at
close if it holds none: a reader never meets a torn or empty file we left.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import suppress
from io import FileIO
from pathlib import Path

from engine.events import SCHEMA_VERSION
from engine.version import VERSION
from tracer.flusher import FLUSHER
from tracer.frames import FOOTER_SIZE, header_bytes, parse_footer, read_header
from tracer.tracefile import (
    TraceBusyError,
    open_beside,
    open_locked,
    reason,
    remove_quietly,
    warn,
    write_all,
)

WRITER_VERSION = f"stepscope {VERSION}"


class TraceOutput:
    """Where a writer's frames go. Subclasses fill `_buf` with whole frames (under
    `_lock`) and index an appended-to file's frames in `_adopt`."""

    def __init__(self, path: str | os.PathLike[str], append: bool, created: str | None,
                 strict: bool) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._buf = bytearray()
        self._last_flush = time.monotonic()
        self.failed = False
        self.closed = False
        self.error: Exception | None = None
        """What stopped the recording (an OSError when the file could not be written)."""
        self._file: FileIO | None = None
        self._offset = self._start = 0
        """The file's size (frames flushed), and where its first frame starts."""
        self._adopted = False
        try:
            self._file = self._open(append, created, strict)
        except Exception as exc:
            if strict:
                raise
            self.failed, self.error = True, exc
            why = (f"{self.path} is being written by another process" if
                   isinstance(exc, TraceBusyError)
                   else f"cannot create the trace {self.path} ({reason(exc)})")
            warn(f"stepscope: {why}; running without recording")
            return
        FLUSHER.register(self)

    def _adopt(self, f: FileIO, start: int) -> None:
        raise NotImplementedError

    def _open(self, append: bool, created: str | None, strict: bool) -> FileIO:
        try:
            f = open_locked(self.path)  # locked before anything is truncated
        except TraceBusyError:
            if strict or append:
                raise
            f, beside = open_beside(self.path)
            warn(f"stepscope: {self.path} is being written by another process; "
                 f"recording to {beside} instead")
            self.path = beside
        try:
            if append and f.seek(0, os.SEEK_END) > 0:
                self._adopted = True
                self._append_to(f)
            else:
                f.truncate(0)
                stamp = created if created is not None else time.strftime("%Y-%m-%dT%H:%M:%S%z")
                head = header_bytes(WRITER_VERSION, stamp, SCHEMA_VERSION)
                write_all(f, head)
                self._offset = self._start = len(head)
        except BaseException:
            if not self._adopted:  # emptied for us and holding nothing: not left behind
                remove_quietly(self.path)
            f.close()
            raise
        return f

    def _append_to(self, f: FileIO) -> None:
        f.seek(0)
        data = f.read(4096)
        _, start = read_header(data, str(self.path))
        size = f.seek(0, os.SEEK_END)
        if size >= FOOTER_SIZE:
            f.seek(size - FOOTER_SIZE)
            index_at = parse_footer(f.read(FOOTER_SIZE))
            if index_at is not None:
                f.truncate(index_at)  # drop the old index; a new one is written at close
        self._adopt(f, start)
        self._start = start

    def flush(self) -> None:
        """Write buffered frames to the file (no fsync)."""
        if not self._buf or self.failed or self._file is None:
            self._buf.clear()
            return
        data = bytes(self._buf)
        self._buf.clear()
        try:
            write_all(self._file, data)
            self._offset += len(data)
        except (OSError, ValueError) as exc:  # ValueError: the file is closed
            self._give_up(exc)
        self._last_flush = time.monotonic()

    def flush_idle(self, now: float, idle: float) -> None:
        """The flusher thread's call: write out frames that have waited `idle` seconds
        (at most; the buffer is younger than the last flush)."""
        if self._buf and now - self._last_flush >= idle:
            with self._lock:
                if not self.closed:
                    self.flush()

    def sync(self) -> None:
        """Flush now, from any thread (the debugger calls this when it pauses a run, so
        a reader sees every event so far)."""
        with self._lock:
            if not self.closed:
                self.flush()

    def _give_up(self, exc: Exception) -> None:
        """A write failed (a full disk): cut the file back to its last whole frame, so
        readers see a clean end, warn once and record nothing more."""
        self.failed, self.error = True, exc
        self._buf.clear()
        if self._file is not None:
            with suppress(OSError, ValueError):
                os.ftruncate(self._file.fileno(), self._offset)
        kept = self._offset > self._start or self._adopted
        warn(f"stepscope: could not write trace {self.path} ({reason(exc)}); recording "
             "stopped, " + (f"the trace ends at byte {self._offset}" if kept
                            else "nothing was recorded"))

    def _close_file(self) -> None:
        """Close the file (releasing its lock); remove it if recording failed before a
        single frame was written. Never raises."""
        FLUSHER.unregister(self)
        if self._file is None:
            return
        if self.failed and not self._adopted and self._offset <= self._start:
            remove_quietly(self.path)  # still locked: no other writer has it yet
        try:
            self._file.close()
        except OSError as exc:
            if not self.failed:
                self._give_up(exc)
