"""`python -m bench otel`: what live OpenTelemetry export costs a recorded run.

The same graph is recorded to a trace, alternately without and with live export to a
real OTLP/HTTP receiver on 127.0.0.1 (`tests/otel/receiver.py` in a process of its
own: it decodes every request's protobuf), sample by sample as the tracer bench does.
The timed block is the whole `tracer.record` block: the run, while live export's
follower process reads the trace and sends its spans (every 500 ms). What it has not
sent when the block ends it sends after (as a program that goes on, or exits, has it
sent); that wait is timed apart. The follower is started by the first recording (a
warm-up, untimed) and serves the program's later ones, as in any program.
Target (issue 16): at most 5% on a graph of 1 ms nodes. The trivial-node loop is shown
for scale, without a target (there the run itself is a few µs a step).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from bench.tracer_shapes import loop

DESCRIPTION = "otel: live OTLP export's cost on a recorded run, against its target"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=1000,
                        help="supersteps of the 1 ms-node loop (default 1000: ~1.3 s, "
                             "so that batches go out while it runs)")


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def live_cost(tmp: Path, url: str, received: Callable[[], int], name: str, graph: Any,
              steps: int, samples: int, target: float | None) -> dict[str, Any]:
    import tracer

    limit = {"recursion_limit": steps + 10}
    path = tmp / "otel.stepscope"

    def recorded() -> None:
        with tracer.record(path, otlp=False):
            graph.invoke({"msgs": []}, limit)

    def exported() -> None:
        with tracer.record(path, otlp=url):
            graph.invoke({"msgs": []}, limit)

    def flushed(count: int) -> None:
        """Wait until the receiver has `count` spans."""
        deadline = time.monotonic() + 60
        while received() < count and time.monotonic() < deadline:
            time.sleep(0.01)

    recorded()
    first = received()
    exported()  # (it starts the endpoint's follower process: once per program)
    time.sleep(2.0)
    per_run = received() - first
    before = received()
    plain, live, flushes = [], [], []
    for _ in range(samples):
        path.unlink(missing_ok=True)
        plain.append(_timed(recorded))
        path.unlink(missing_ok=True)
        live.append(_timed(exported))
        # What the follower had not sent when the block ended goes out now, untimed (a
        # program goes on meanwhile, or waits for it at exit), so that it does not
        # overlap the next sample.
        flushes.append(_timed(partial(flushed, before + per_run * len(live))))
    spans = (received() - before) // samples
    ratio = min(live) / min(plain)
    median = statistics.median(live) / statistics.median(plain)
    ok = target is None or ratio <= target
    return {"check": f"live export cost, {name}", "value": ratio, "median_ratio": median,
            "recorded_ms": min(plain) * 1e3, "exported_ms": min(live) * 1e3,
            "spans_per_run": spans, "target": target, "ok": ok,
            "recorded_samples_ms": [round(x * 1e3, 1) for x in plain],
            "exported_samples_ms": [round(x * 1e3, 1) for x in live],
            "text": f"{ratio:.3f}x (median {median:.3f}x)",
            "note": f"recorded {min(plain) * 1e3:.1f} ms, recorded + live export "
                    f"{min(live) * 1e3:.1f} ms (best of {samples}); {spans} spans a run "
                    f"reached the receiver; after the block, the rest sent in "
                    f"{statistics.median(flushes) * 1e3:.1f} ms (median)",
            "target_text": "<= 5% (1.05x)" if target else "(scale)"}


@contextmanager
def receiver_process() -> Iterator[str]:
    """The test receiver in a process of its own (decoding what arrives must not take
    this process's CPU); its URL."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    child = subprocess.Popen([sys.executable, "-m", "tests.otel.receiver"], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        child.terminate()
        child.wait()


def run(args: argparse.Namespace) -> int:
    samples = 3 if args.quick else 9
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stepscope-bench-") as name, \
            receiver_process() as url:
        tmp = Path(name)

        def received() -> int:
            with urllib.request.urlopen(f"{url}/count", timeout=10) as answer:
                return int(answer.read())

        print("[bench] live OTLP export (recorded runs with and without it, alternated)",
              flush=True)
        rows.append(live_cost(tmp, url, received, "loop, 1 ms nodes",
                              loop(args.steps, sleep=0.001), args.steps, samples, 1.05))
        rows.append(live_cost(tmp, url, received, "loop, trivial nodes",
                              loop(args.steps), args.steps, samples, None))
    print(f"\nstepscope OTel benchmark ({time.strftime('%Y-%m-%dT%H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, python -m bench otel{' --quick' if args.quick else ''})")
    print(f"  {'check':44} {'value':>28}  {'target':>14}  result")
    for row in rows:
        result = "PASS" if row["ok"] else "FAIL"
        print(f"  {row['check']:44} {row['text']:>28}  {row['target_text']:>14}  "
              f"{result if row['target'] else ''}")
        print(f"      {row['note']}")
    failed = [r["check"] for r in rows if not r["ok"]]
    targets = [r for r in rows if r["target"]]
    print(f"\nSUMMARY: {len(targets) - len(failed)}/{len(targets)} targets met"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0
