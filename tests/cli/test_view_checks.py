"""`stepscope view` and `debug` refuse before any UI opens: a file that cannot be shown
(exit 1, saying why) and no terminal (exit 2, saying what to use instead)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tracer
from tests.cli.runner import ROOT, run_cli


@pytest.mark.parametrize("content, why", [
    (None, "no such file"),
    (b"", "is empty: not a stepscope trace"),
    (b"hello world", "is not a stepscope trace (wrong magic)"),
])
def test_a_file_that_cannot_be_shown(content: bytes | None, why: str, tmp_path: Path) -> None:
    path = tmp_path / "t.stepscope"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("view", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert why in result.stderr and "\x1b[" not in result.stdout + result.stderr


def test_a_directory(tmp_path: Path) -> None:
    result = run_cli("view", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and "is a directory" in result.stderr


def test_no_terminal_says_what_to_use_instead(tmp_path: Path) -> None:
    """stdin from /dev/null and stdout to a file: one message, no escape codes, exit 2
    at once (before, the UI wrote escape codes into the file until killed)."""
    path = tmp_path / "t.stepscope"
    with tracer.record(path):
        from tests.debug.conftest import sample

        sample("topic_joke").invoke({"topic": "cats"})
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        result = subprocess.run([sys.executable, "-m", "tui.cli", "view", str(path)],
                                stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, text=True, timeout=30,
                                env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "stepscope inspect" in result.stderr
    assert out.read_bytes() == b""


def test_debug_without_a_terminal(tmp_path: Path) -> None:
    target = ROOT / "sample_graphs" / "topic_joke.py"
    result = run_cli("debug", str(target), "-o", str(tmp_path / "d.stepscope"), cwd=tmp_path)
    assert result.returncode == 2 and "needs a terminal" in result.stderr
    assert "stepscope run TARGET" in result.stderr


def test_a_bad_price_table(tmp_path: Path) -> None:
    """`view --prices` checks the table before anything opens: exit 2, one line naming
    the file and what is wrong."""
    table = tmp_path / "prices.json"
    table.write_text('{"models": {"gpt-4o": {"input": 1, "output": "a lot"}}}')
    result = run_cli("view", str(tmp_path / "none.stepscope"), "--prices", str(table),
                     cwd=tmp_path)
    assert result.returncode == 2 and "\x1b[" not in result.stdout + result.stderr
    assert result.stderr == (f"stepscope: view: --prices {table}: "
                             'models["gpt-4o"].output: expected a number ≥ 0, got "a lot"\n')
