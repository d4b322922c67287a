"""One measurement of the real TUI, in its own process: `python -m bench.tui_child MODE ...`.

Modes (each writes a JSON object to OUT):
  open PATH OUT LAUNCHED MOVES  first screen time, step moves, peak RSS
  follow PATH OUT SECONDS RATE   the app following a writer process appending RATE events/s

LAUNCHED is the parent's `time.time()` just before it started this process, so the
first-screen figure includes interpreter start-up and imports, as a user would see it.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

BACKGROUND = {"open", "follow", "warm", "integrity"}
"""Worker groups that are not the views' answer to a move (they run on their own)."""
TABS = ("graph", "state", "diff", "tasks", "tokens", "lanes", "custom", "events")
SIZE = (120, 36)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def settle(app: Any, pilot: Any) -> None:
    """Wait for the views' workers started by a move, then until every widget has handled
    the messages queued so far (twice: a worker's result posts more), as `Pilot.pause`
    does before its idle check (that check alone sleeps 20 ms or more)."""
    busy = [w for w in app.workers if w.group not in BACKGROUND and not w.is_finished]
    if busy:
        await app.workers.wait_for_complete(busy)
    await pilot._wait_for_screen()
    await pilot._wait_for_screen()


async def wait_until(pilot: Any, ready: Any, timeout: float, poll: float = 0.005) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ready():
            return True
        await pilot.pause(poll)
    return False


async def measure_open(path: Path, launched: float, moves: int) -> dict[str, Any]:
    from textual.widgets import TabbedContent

    from tui.app import make_app

    imported = time.time()
    app = make_app(path)
    out: dict[str, Any] = {"import_s": imported - launched}
    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        ok = await wait_until(pilot, lambda: main.selection is not None
                              and main.rows is not None and len(main.rows) > 0, 30.0)
        await pilot.pause()  # the first screen is composed and painted
        out["first_screen_s"] = time.time() - launched
        out["opened"] = ok
        out["steps"] = len(main.rows) if main.rows is not None else 0
        out["rss_after_open_mb"] = peak_rss_mb()
        # The moves start at once, so the first ones overlap the background jobs (the
        # integrity scan and the state and row warm-up start 0.5 s after the first screen
        # and take turns, about 12 s in all): a user moves while they run, too.
        steps = main.rows.steps() if main.rows is not None else []
        rng = random.Random(5)
        ui_ms: dict[str, list[float]] = {}
        settled_ms: dict[str, list[float]] = {}
        paused_ms: dict[str, list[float]] = {}
        tab_ms: dict[str, float] = {}
        overlapped = 0
        for tab in TABS:
            t0 = time.perf_counter()
            main.query_one("#views", TabbedContent).active = tab
            await pilot._wait_for_screen()  # the tab's show() (and its workers) has run
            await settle(app, pilot)
            tab_ms[tab] = (time.perf_counter() - t0) * 1e3
            await pilot.pause()
            for _ in range(moves):
                step = rng.choice(steps)
                overlapped += any(w.group in BACKGROUND and not w.is_finished
                                  for w in app.workers)
                t0 = time.perf_counter()
                main.go_to(step)
                t1 = time.perf_counter()
                await settle(app, pilot)
                t2 = time.perf_counter()
                await pilot.pause()
                t3 = time.perf_counter()
                assert main.selection is not None and main.selection.step == step
                ui_ms.setdefault(tab, []).append((t1 - t0) * 1e3)
                settled_ms.setdefault(tab, []).append((t2 - t0) * 1e3)
                paused_ms.setdefault(tab, []).append((t3 - t0) * 1e3)
        out["ui_ms"] = ui_ms
        out["settled_ms"] = settled_ms
        out["paused_ms"] = paused_ms
        out["tab_ms"] = tab_ms
        out["overlapped_moves"] = overlapped
        every = [v for vs in settled_ms.values() for v in vs]
        out["settled_median_ms"] = statistics.median(every) if every else None
    out["peak_rss_mb"] = peak_rss_mb()
    return out


WRITER = r'''
import sys, time
from typing import TypedDict

import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph

path, seconds, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
PER_STEP = 200
total = int(seconds * rate)
count = 0
t0 = 0.0


class S(TypedDict):
    n: int


def counting(event) -> None:
    global count
    count += 1
    if event.kind == "step_end":
        print(count, time.monotonic(), flush=True)


def pace() -> None:
    ahead = count / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)


def emit(state: S) -> dict:
    write = get_stream_writer()
    for i in range(PER_STEP):
        if i % 20 == 0:
            pace()
        write({"i": i, "n": state["n"]})
    return {"n": state["n"] + 1}


steps = max(1, total // (PER_STEP + 4))
graph = (StateGraph(S).add_node(emit).add_edge(START, "emit")
         .add_conditional_edges("emit", lambda s: "emit" if s["n"] < steps else END,
                                ["emit", END])
         .compile())
writer = tracer.TraceWriter(path)
t0 = time.monotonic()
graph.invoke({"n": 0}, {"recursion_limit": steps + 10}, sinks=[writer, counting])
writer.close()
print("done", count, time.monotonic(), flush=True)
'''


async def measure_follow(path: Path, seconds: float, rate: float) -> dict[str, Any]:
    from tui.app import make_app

    script = path.with_suffix(".writer.py")
    script.write_text(WRITER)
    stamps: list[tuple[int, float]] = []
    done: list[tuple[int, float]] = []

    app = make_app(path, follow=True)
    samples: list[tuple[float, int]] = []
    async with app.run_test(size=SIZE) as pilot:
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(seconds),
                                 str(rate)], stdout=subprocess.PIPE, text=True)

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                head, *rest = line.split()
                if head == "done":
                    done.append((int(rest[0]), float(rest[1])))
                else:
                    stamps.append((int(head), float(rest[0])))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        main = app.main
        deadline = time.monotonic() + seconds + 30
        final_seen: float | None = None
        while time.monotonic() < deadline:
            await pilot.pause(0.05)
            trace = main.trace
            samples.append((time.monotonic(), trace.index.events if trace else 0))
            if done and samples[-1][1] >= done[0][0]:
                final_seen = samples[-1][0]
                break
        proc.wait(timeout=30)
        reader.join(timeout=5)
        rows = len(main.rows) if main.rows is not None else 0
    return {"stamps": stamps, "samples": samples, "done": done, "final_seen": final_seen,
            "rows": rows, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str]) -> None:
    mode, path, out = argv[0], Path(argv[1]), Path(argv[2])
    if mode == "open":
        result = asyncio.run(measure_open(path, float(argv[3]), int(argv[4])))
    else:
        result = asyncio.run(measure_follow(path, float(argv[3]), float(argv[4])))
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
