"""Trace files opened for writing under an exclusive lock: one writer per file.

A writer holds `flock(LOCK_EX)` on its file for as long as it is open (the lock goes
with the file descriptor, so a killed writer releases it). It takes the lock before
truncating anything: a second writer started on the same path is refused and the first
one's file is left intact. `is_being_written(path)` lets a reader tell a trace that is
still growing from one whose writer has finished or died.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from io import FileIO
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no locks; one writer per file is then up to the user
    fcntl = None  # type: ignore[assignment]

_UNLOCKABLE = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL}
"""flock errors meaning the filesystem has no locks (some network and FUSE ones)."""
_LOCK_TRIES = 5
"""A reader's `is_being_written` probe holds a shared lock for a moment: a writer
retries a few times (~50 ms in all) before it concludes another writer holds the file."""


class TraceBusyError(OSError):
    """Another writer (another process, or another TraceWriter here) holds the trace."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EAGAIN, "another process is writing this trace", str(path))
        self.path = path


def open_locked(path: Path, *, new: bool = False) -> FileIO:
    """`path` open for reading and writing, exclusively locked, never truncated here;
    created if missing (`new`: only a file that does not exist yet, else
    FileExistsError). TraceBusyError if another writer holds it."""
    for _ in range(3):
        flags = os.O_RDWR | os.O_CREAT | (os.O_EXCL if new else 0)
        fd = os.open(path, flags, 0o666)
        try:
            _lock(fd, path)
            # The path may have been removed or replaced between our open and our lock
            # (a failed writer removes the empty file it had made): lock what it is now.
            if _same_file(fd, path):
                return FileIO(fd, "r+b", closefd=True)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise TraceBusyError(path)


def open_beside(path: Path) -> tuple[FileIO, Path]:
    """A new file next to `path` (`name-1.stepscope`, `name-2.stepscope`, …), created
    and locked: where a writer records when `path` is being written by another."""
    for n in range(1, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            return open_locked(candidate, new=True), candidate
        except (FileExistsError, TraceBusyError):
            continue
    raise TraceBusyError(path)


def is_being_written(path: str | os.PathLike[str]) -> bool:
    """Whether a writer has `path` open now (its trace may still grow). False when no
    writer does — it closed the file, or its process died — or there is no such file.

    Probes with a shared, non-blocking lock, released at once. Always False where the
    platform or filesystem has no file locks."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # drops the probe's lock
    return False


def remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def warn(text: str) -> None:
    """One line on stderr; recording never fails because stderr is closed."""
    try:
        print(text, file=sys.stderr, flush=True)
    except Exception:
        pass


def _lock(fd: int, path: Path) -> None:
    if fcntl is None:
        return
    for attempt in range(_LOCK_TRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if attempt + 1 < _LOCK_TRIES:
                time.sleep(0.01 * (attempt + 1) / 2)
        except OSError as exc:
            if exc.errno in _UNLOCKABLE:
                return  # no locks here: write unlocked rather than not at all
            raise
    raise TraceBusyError(path)


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def write_all(f: FileIO, data: bytes) -> None:
    """Write all of `data`: a short write is not an error, write the rest (or raise)."""
    view = memoryview(data)
    while view:
        written = f.write(view)
        if not written:
            raise OSError(errno.ENOSPC, "short write")
        view = view[written:]


def reason(exc: BaseException) -> str:
    """Why a trace could not be written, for a one-line message."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    try:
        return f"{type(exc).__name__}: {exc}" if not isinstance(exc, OSError) else str(exc)
    except Exception:  # its __str__ raises
        return type(exc).__name__
