"""Run `stepscope` as a real subprocess (`python -m tui.cli`), as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

Cli = Callable[..., subprocess.CompletedProcess[str]]


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without what would make a command record or send
    spans on its own (STEPSCOPE_TRACE, OTLP endpoints), plus `extra`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    for name in list(env):
        if name == "STEPSCOPE_TRACE" or name.startswith(("OTEL_", "STEPSCOPE_OTLP")):
            del env[name]
    return {**env, **extra}


def run_cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m tui.cli ARGS` in `cwd`, with the repo importable and a wide terminal."""
    return subprocess.run([sys.executable, "-m", "tui.cli", *map(str, args)], cwd=cwd,
                          env=env if env is not None else clean_env(), capture_output=True,
                          text=True, timeout=timeout)
