"""Run `stepscope` as a real subprocess (`python -m tui.cli`), as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

Cli = Callable[..., subprocess.CompletedProcess[str]]


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m tui.cli ARGS` in `cwd`, with the repo importable and a wide terminal."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("STEPSCOPE_TRACE", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)
