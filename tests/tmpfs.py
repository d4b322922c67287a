"""A small tmpfs mounted for one test: a disk that really fills up.

Mounting needs the rights to (root in CI and here); elsewhere the test is skipped.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted(where: Path, size_kib: int, *, full: bool = False) -> Iterator[Path]:
    """A `size_kib` KiB tmpfs at `where` (made), unmounted afterwards; `full` fills it
    to its last byte first (a file `filler`)."""
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs",
                               str(where)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        if full:
            with open(where / "filler", "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 4096)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False, timeout=30)
