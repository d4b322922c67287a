"""`python -m tui.screenshots DIR` draws the README's three screenshots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.runner import ROOT


def test_screenshots_are_drawn(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tui.screenshots", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert names == ["screenshot-debug.svg", "screenshot-graph.svg", "screenshot-tokens.svg"]
    debug = (tmp_path / "screenshot-debug.svg").read_text()
    assert "breakpoint" in debug and "after:tools" in debug
    assert "write_joke" in (tmp_path / "screenshot-tokens.svg").read_text()
