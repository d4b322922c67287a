"""`stepscope run` on a full disk: the graph runs to its end, a message says the trace
could not be written and why, exit status 1, and no empty trace file is left.

The disk is filled for real: RLIMIT_FSIZE on the `stepscope` process (EFBIG; always
runs), and a tmpfs filled to its last page (ENOSPC; skipped where mounting is not
permitted, as in tests/tracer/test_enospc.py).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.runner import ROOT
from tests.tmpfs import mounted
from tracer import open_trace

LOOP = '''
import time
from typing import TypedDict
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph


class S(TypedDict):
    n: int


def step(s: S) -> dict:
    time.sleep(0.004)  # the writer flushes every few steps
    get_stream_writer()({"n": s["n"], "pad": "p" * 200})
    if s["n"] == 29:
        print("graph ran to its end", flush=True)
    return {"n": s["n"] + 1}


graph = (StateGraph(S).add_node(step).add_edge(START, "step")
         .add_conditional_edges("step", lambda s: "step" if s["n"] < 30 else END,
                                ["step", END])
         .compile())
inputs = {"n": 0}
'''


def run_limited(tmp_path: Path, out: str, limit: int | None
                ) -> subprocess.CompletedProcess[str]:
    """`stepscope run loop.py -o OUT` in tmp_path, its files limited to `limit` bytes."""
    (tmp_path / "loop.py").write_text(LOOP)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("STEPSCOPE_TRACE", None)

    def limit_files() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return subprocess.run([sys.executable, "-m", "tui.cli", "run", "loop.py", "-o", out],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=limit_files)


def test_nothing_can_be_written(tmp_path: Path) -> None:
    """The header cannot be written: the graph runs unrecorded (said at once), exit 1,
    no file."""
    result = run_limited(tmp_path, "t.stepscope", 0)
    assert result.returncode == 1, result.stderr
    assert result.stdout == "graph ran to its end\n"
    assert result.stderr.splitlines() == [
        "stepscope: run: cannot write the trace t.stepscope (File too large); running the "
        "graph without recording",
        "stepscope: run: could not write the trace t.stepscope: File too large; the graph "
        "ran, nothing was recorded"]
    assert not (tmp_path / "t.stepscope").exists()


def test_full_part_way(tmp_path: Path) -> None:
    """The disk fills during the run: the trace keeps its whole frames and is summed up;
    the last line says it is incomplete and where it ends; exit 1."""
    result = run_limited(tmp_path, "t.stepscope", 4000)
    assert result.returncode == 1, result.stderr
    path = tmp_path / "t.stepscope"
    size = path.stat().st_size
    lines = result.stdout.splitlines()
    assert lines[0] == "graph ran to its end" and lines[1] == "trace: t.stepscope"
    err = result.stderr.splitlines()
    assert len(err) == 2 and "Traceback" not in result.stderr
    assert err[0] == (f"stepscope: could not write trace t.stepscope (File too large); "
                      f"recording stopped, the trace ends at byte {size}")
    assert err[1] == (f"stepscope: run: the trace t.stepscope is incomplete: it could not "
                      f"be written past byte {size} (File too large)")
    with open_trace(path) as trace:
        assert not trace.finished and trace.errors == [] and not trace.run_complete(0)
        assert 0 < len(trace.steps(0)) < 30


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs filled to its last byte (skipped where mounting is not permitted)."""
    with mounted(tmp_path / "mnt", 64, full=True) as mnt:
        yield mnt


def test_full_disk(tmp_path: Path, full_disk: Path) -> None:
    """ENOSPC itself: the same, with the system's own words for it."""
    result = run_limited(tmp_path, "mnt/t.stepscope", None)
    assert result.returncode == 1, result.stderr
    assert result.stdout == "graph ran to its end\n"
    assert result.stderr.splitlines()[-1] == (
        "stepscope: run: could not write the trace mnt/t.stepscope: No space left on "
        "device; the graph ran, nothing was recorded")
    assert not (full_disk / "t.stepscope").exists()
