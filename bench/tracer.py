"""`python -m bench tracer`: what recording costs, how big traces are, how fast they open,
how soon a follower sees an event.

Each figure is printed beside its target (issue 4). Recording cost alternates plain and
recorded runs sample by sample, as the engine bench does, because this VM has fast and
slow phases.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import msgpack

from bench.tracer_shapes import INPUTS, LIVE_CHILD, chain, fanout, loop

DESCRIPTION = "tracer: recording cost, trace size, open and seek times, against targets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events in the large trace for open/seek timing (default 1e6)")


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor_sink() -> Callable[[Any], None]:
    """A sink that packs each event's kind, seq, time, namespace and step (not its data)
    with msgpack's C packer and keeps the bytes: less than any writer that records every
    event can do (no data, index, CRC or state deltas)."""
    pack = msgpack.Packer().pack
    kept: list[bytes] = []
    add = kept.append

    def sink(event: Any) -> None:
        add(pack(event[:5]))

    return sink


def recording_cost(tmp: Path, samples: int) -> list[dict[str, Any]]:
    import engine.events
    import tracer
    from tracer.writer import TraceWriter

    rows = []
    limit = {"recursion_limit": 5000}
    shapes = [("chain", chain(1000), 1.5), ("fanout", fanout(1000), 1.5),
              ("loop", loop(1000), 1.5), ("loop, 1 ms nodes", loop(200, sleep=0.001), 1.05)]
    for name, graph, target in shapes:
        inp = INPUTS["loop" if name.startswith("loop") else name]
        path = tmp / "cost.stepscope"

        def plain(g: Any = graph, i: Any = inp) -> None:
            g.invoke(i, limit)

        def recorded(g: Any = graph, i: Any = inp, out: Path = path) -> None:
            with tracer.record(out):
                g.invoke(i, limit)

        def floor(g: Any = graph, i: Any = inp) -> None:
            with engine.events.attach(floor_sink()):
                g.invoke(i, limit)

        def bulk(g: Any = graph, i: Any = inp, out: Path = path) -> None:
            writer = TraceWriter(out, bulk=True)  # batch frames (not yet the default)
            with engine.events.attach(writer):
                g.invoke(i, limit)
            writer.close()

        plain()
        recorded()
        p, r, f, b = [], [], [], []
        for _ in range(samples):
            # Each recording writes a new file: the last sample's is removed untimed, since
            # truncating it at open (the filesystem freeing its blocks) took 0.3-3 ms.
            path.unlink(missing_ok=True)
            p.append(_timed(plain))
            r.append(_timed(recorded))
            f.append(_timed(floor))
            path.unlink(missing_ok=True)
            b.append(_timed(bulk))
        ratio = min(r) / min(p)
        median = statistics.median(r) / statistics.median(p)
        rows.append({"check": f"recording cost, {name}", "plain_ms": min(p) * 1e3,
                     "recorded_ms": min(r) * 1e3, "floor_ms": min(f) * 1e3,
                     "value": ratio, "median_ratio": median,
                     "floor_ratio": min(f) / min(p),
                     "target": target, "ok": ratio <= target,
                     "text": f"{ratio:.2f}x (median {median:.2f}x)",
                     "note": f"floor (each event's kind, seq, t, ns, step packed in C): "
                             f"{min(f) / min(p):.2f}x; bulk writer (batch frames, "
                             f"`TraceWriter(bulk=True)`): {min(b) / min(p):.2f}x",
                     "target_text": f"<= {target}x" if target > 1.1 else "<= 5% (1.05x)"})
    return rows


LIVE_SLEEP = 1.5
"""How long the live check's node sleeps after its event (a flush at the step's end
would show as a delay this long)."""


def _emitted(path: Path) -> float | None:
    """The emission time in the trace's first custom event, if a reader sees it yet."""
    import tracer

    try:
        with tracer.open_trace(path) as trace:
            for event in trace.events({"custom"}):
                return float(event.data["payload"]["emitted"])
    except (tracer.TraceError, OSError):  # not created yet, or its header not whole yet
        pass
    return None


def live_delay(tmp: Path, samples: int) -> dict[str, Any]:
    """From a custom event emitted just before a long sleep in a node (the graph running
    in a child process) to a follower here, re-opening the file every 5 ms, seeing it."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("STEPSCOPE_TRACE", None)
    delays = []
    for i in range(samples):
        path = tmp / f"live-{i}.stepscope"
        child = subprocess.Popen([sys.executable, "-c", LIVE_CHILD, str(path), str(LIVE_SLEEP)],
                                 env=env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = child.poll() is not None
                emitted = _emitted(path)
                if emitted is not None:
                    delays.append(time.monotonic() - emitted)
                    break
                if done:
                    break
                time.sleep(0.005)
        finally:
            child.wait()
    worst = max(delays) if len(delays) == samples else float("inf")
    return {"check": f"live: custom event before a {LIVE_SLEEP:g} s sleep, seen by a follower",
            "value": worst, "target": 0.2, "ok": worst <= 0.2,
            "text": (f"worst {worst * 1e3:.0f} ms (median {statistics.median(delays) * 1e3:.0f}"
                     f" ms, {samples} runs)") if delays and worst < float("inf")
            else "not seen before the node ended",
            "target_text": "<= 200 ms"}


def trace_size(tmp: Path) -> dict[str, Any]:
    import tracer

    graph = loop(1000)
    updates = sum(len(msgpack.packb(c)) for c in graph.stream(
        {"msgs": []}, {"recursion_limit": 5000}, stream_mode="updates"))
    path = tmp / "size.stepscope"
    with tracer.record(path):
        graph.invoke({"msgs": []}, {"recursion_limit": 5000})
    size = path.stat().st_size
    ratio = size / updates
    return {"check": "trace size, 1000-step loop / packed updates stream", "value": ratio,
            "target": 2.0, "ok": ratio <= 2.0, "text": f"{ratio:.2f}x ({size:,} / {updates:,} B)",
            "target_text": "<= 2x"}


def big_trace(tmp: Path, events: int) -> tuple[Path, Path, int]:
    """A finished trace of about `events` events over 10,000 steps, and a footerless copy."""
    import tracer
    from tracer.frames import FOOTER_SIZE, parse_footer

    steps = 10_000
    customs = max(0, events // steps - 4)
    path = tmp / "big.stepscope"
    with tracer.record(path):
        loop(steps, customs=customs).invoke({"msgs": []}, {"recursion_limit": steps + 10})
    data = path.read_bytes()
    index_at = parse_footer(data[-FOOTER_SIZE:])
    crashed = tmp / "big-crashed.stepscope"
    crashed.write_bytes(data[:index_at])
    with tracer.open_trace(path) as t:
        count = t.index.events
    return path, crashed, count


def open_times(path: Path, crashed: Path, count: int) -> list[dict[str, Any]]:
    import tracer

    rows = []
    for label, p, target in (("finished", path, 0.2), ("no footer (crash)", crashed, 2.0)):
        def open_close(p: Path = p) -> None:
            tracer.open_trace(p).close()

        best = min(_timed(open_close) for _ in range(3))
        rows.append({"check": f"open_trace, {count:,} events, {label}", "value": best,
                     "target": target, "ok": best <= target, "text": f"{best:.3f} s",
                     "target_text": f"<= {target} s"})
    return rows


def seek_times(path: Path) -> dict[str, Any]:
    """The first state_at of a random step after opening, the worst first call (the
    last step: a first call replays the run up to the step asked for), then 200 more
    random steps on the same open trace."""
    import tracer

    rng = random.Random(7)
    with tracer.open_trace(path) as t:
        steps = t.steps()
        first = _timed(lambda: t.state_at(rng.choice(steps)))
        times = [_timed(lambda: t.state_at(rng.choice(steps))) for _ in range(200)]
    lasts = []
    for _ in range(3):
        with tracer.open_trace(path) as t:
            lasts.append(_timed(partial(t.state_at, steps[-1])))
    last = statistics.median(lasts)
    worst, median = max(times), statistics.median(times)
    return {"check": f"state_at(random step), {len(steps):,}-step trace",
            "value": max(worst, first, last), "target": 0.02,
            "ok": max(worst, first, last) <= 0.02,
            "text": f"first {first * 1e3:.1f} ms, then median {median * 1e3:.2f} ms, "
                    f"worst {worst * 1e3:.1f} ms", "target_text": "<= 20 ms",
            "note": f"first call for the last step (a replay of the whole run): "
                    f"{last * 1e3:.1f} ms (median of 3 fresh opens)"}


def run(args: argparse.Namespace) -> int:
    samples = 3 if args.quick else 9
    events = min(args.events, 200_000) if args.quick else args.events
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stepscope-bench-") as name:
        tmp = Path(name)
        print("[bench] recording cost (plain and recorded runs alternated)", flush=True)
        rows += recording_cost(tmp, samples)
        rows.append(trace_size(tmp))
        print("[bench] live delay (a node sleeping after its event)", flush=True)
        rows.append(live_delay(tmp, 2 if args.quick else 5))
        print(f"[bench] writing a {events:,}-event trace", flush=True)
        path, crashed, count = big_trace(tmp, events)
        rows += open_times(path, crashed, count)
        rows.append(seek_times(path))
    print(f"\nstepscope tracer benchmark ({time.strftime('%Y-%m-%dT%H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, python -m bench tracer{' --quick' if args.quick else ''})")
    print(f"  {'check':58} {'value':>32}  {'target':>12}  result")
    for row in rows:
        print(f"  {row['check']:58} {row['text']:>32}  {row['target_text']:>12}  "
              f"{'PASS' if row['ok'] else 'FAIL'}")
        if row.get("note"):
            print(f"      {row['note']}")
    failed = [r["check"] for r in rows if not r["ok"]]
    print(f"\nSUMMARY: {len(rows) - len(failed)}/{len(rows)} targets met"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0
