"""`python -m tui.screenshots [DIR]`: the README's screenshots, as Textual SVGs.

Records joke ∥ poem and shows its Tokens and Graph views, and debugs the agent sample
paused after its tool node, each at 120×36. DIR defaults to this package's folder.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tui.app import DebugApp, make_app
from tui.cli.view import record_demo
from tui.debug.breakpoints import BreakpointSet, parse
from tui.debug.session import DebugSession
from tui.target import resolve_target

SIZE = (120, 36)
AGENT = Path(__file__).resolve().parents[1] / "sample_graphs" / "agent.py"


async def _viewer(trace: Path, out: Path) -> list[Path]:
    app = make_app(trace)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.0)
        app.main.go_to(1)
        for key, name in (("5", "tokens"), ("1", "graph")):
            await pilot.press(key)
            await pilot.pause(1.0)
            path = out / f"screenshot-{name}.svg"
            app.save_screenshot(str(path))
            saved.append(path)
    return saved


async def _debugger(trace: Path, out: Path) -> Path:
    target = resolve_target(str(AGENT))
    graph = target.graph
    points = BreakpointSet([parse("after:tools", graph.describe())])
    session = DebugSession(graph, trace, breakpoints=points)
    app = DebugApp(session, input=target.module.inputs, mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            if session.status().pause is not None:
                break
            await pilot.pause(0.05)
        await pilot.press("2")
        await pilot.pause(1.0)
        path = out / "screenshot-debug.svg"
        app.save_screenshot(str(path))
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.stepscope"
        record_demo(demo)
        saved = asyncio.run(_viewer(demo, out))
        saved.append(asyncio.run(_debugger(Path(tmp) / "debug.stepscope", out)))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
