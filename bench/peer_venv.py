"""The LangGraph peer: a git-ignored venv `bench/.venv-langgraph`, made on first use.

The product never imports LangGraph; only bench worker processes started with this venv's
interpreter do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TextIO

LANGGRAPH_VERSION = "1.2.22"
VENV_DIR = Path(__file__).resolve().parent / ".venv-langgraph"

_VERSION_PROBE = "import importlib.metadata as m; print(m.version('langgraph'))"


def peer_python() -> Path:
    """The peer venv's interpreter (it may not exist yet)."""
    return VENV_DIR / "bin" / "python"


def installed_version(python: Path) -> str | None:
    """The langgraph version importable by `python`, or None."""
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", _VERSION_PROBE], capture_output=True, text=True, check=False
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_langgraph(log: TextIO = sys.stderr) -> tuple[Path | None, str]:
    """Make sure the peer venv has langgraph==LANGGRAPH_VERSION: (python or None, message)."""
    python = peer_python()
    if installed_version(python) == LANGGRAPH_VERSION:
        return python, f"langgraph {LANGGRAPH_VERSION} in {VENV_DIR}"
    print(f"[bench] installing langgraph=={LANGGRAPH_VERSION} into {VENV_DIR} ...", file=log)
    steps = []
    if not python.exists():
        steps.append([sys.executable, "-m", "venv", str(VENV_DIR)])
    steps.append(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"langgraph=={LANGGRAPH_VERSION}"]
    )
    for command in steps:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"could not set up the LangGraph venv: {' | '.join(tail)}"
    version = installed_version(python)
    if version != LANGGRAPH_VERSION:
        return None, f"LangGraph venv has langgraph {version!r}, wanted {LANGGRAPH_VERSION}"
    return python, f"langgraph {LANGGRAPH_VERSION} installed into {VENV_DIR}"
