"""`python -m bench tui`: the real app on a large trace, against issue 5's targets.

Every measurement runs `tui.app.make_app(...).run_test(size=(120, 36))` headless in its
own process (`bench/tui_child.py`), so peak memory is that process's and nothing is
warm from an earlier measurement. Figures:

- first screen: from just before the process starts until the main screen has a
  selection and its step rows, and has been painted once;
- step moves: `MainScreen.go_to(random step)` on each of the eight tabs; "UI thread" is
  the call itself (the UI is blocked that long), "settled" also waits for the views'
  workers and one refresh (what the user waits for before the view is complete). Moves
  start right after the first screen, so the first ones overlap the background jobs;
  each tab is shown (and its first load waited for, reported apart) before its moves;
- memory: the app process's peak RSS (`resource.getrusage`), after open and moves;
- follow: a writer process appends custom events at a fixed rate while the app follows;
  the app keeps up when its event count is never more than 1 s behind the writer's.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.tracer import big_trace

DESCRIPTION = "tui: first screen, step moves, memory and follow throughput, against targets"
ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events in the large trace (default 1e6, over 10,000 steps)")
    parser.add_argument("--moves", type=int, default=12,
                        help="random step moves per tab (default 12)")
    parser.add_argument("--follow-seconds", type=float, default=10.0,
                        help="how long the follow writer runs (default 10 s)")
    parser.add_argument("--rate", type=float, default=20_000.0,
                        help="follow writer's events per second (default 20,000)")


def _child(args: list[str], out: Path, timeout: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEXTUAL": ""}
    proc = subprocess.run([sys.executable, "-m", "bench.tui_child", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"bench.tui_child {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def measure_open(path: Path, tmp: Path, moves: int, runs: int) -> dict[str, Any]:
    """`runs` launches; the first screen is each launch's, moves and memory are pooled."""
    results = []
    for i in range(runs):
        out = tmp / f"open-{i}.json"
        launched = time.time()
        results.append(_child(["open", str(path), str(out), str(launched), str(moves)],
                              out, timeout=600))
    return {"runs": results}


def open_rows(data: dict[str, Any], count: int) -> list[dict[str, Any]]:
    runs = data["runs"]
    firsts = sorted(r["first_screen_s"] for r in runs)
    worst_first = firsts[-1]
    ui = [v for r in runs for vs in r["ui_ms"].values() for v in vs]
    settled = [v for r in runs for vs in r["settled_ms"].values() for v in vs]
    paused = sorted(v for r in runs for vs in r["paused_ms"].values() for v in vs)
    per_tab: dict[str, float] = {}
    for r in runs:
        for tab, vs in r["settled_ms"].items():
            per_tab[tab] = max(per_tab.get(tab, 0.0), max(vs))
    slowest = max(per_tab, key=lambda t: per_tab[t])
    ui.sort()
    settled.sort()
    tabs: dict[str, float] = {}
    for r in runs:
        for tab, v in r.get("tab_ms", {}).items():
            tabs[tab] = max(tabs.get(tab, 0.0), v)
    slow_tab = max(tabs, key=lambda t: tabs[t]) if tabs else "-"
    overlapped = sum(r.get("overlapped_moves", 0) for r in runs)
    rss = max(r["peak_rss_mb"] for r in runs)
    steps = runs[0]["steps"]
    return [
        {"check": f"first screen, {count:,} events, {steps:,} steps",
         "value": worst_first, "target": 1.5, "ok": worst_first <= 1.5,
         "text": f"worst {worst_first:.2f} s of {len(firsts)} "
                 f"(imports {runs[0]['import_s']:.2f} s)",
         "target_text": "<= 1.5 s"},
        {"check": f"step move, UI thread ({len(ui)} moves, 8 tabs)", "value": ui[-1],
         "target": 100, "ok": ui[-1] <= 100,
         "text": f"median {ui[len(ui) // 2]:.1f} ms, worst {ui[-1]:.1f} ms",
         "target_text": "<= 100 ms"},
        {"check": f"step move, settled ({len(settled)} moves, 8 tabs)",
         "value": settled[-1], "target": 100, "ok": settled[-1] <= 100,
         "text": f"median {settled[len(settled) // 2]:.1f} ms, worst {settled[-1]:.1f} ms"
                 f" ({slowest})", "target_text": "<= 100 ms", "per_tab_worst_ms": per_tab,
         "detail": "worst per tab: " + ", ".join(f"{t} {v:.0f}" for t, v in per_tab.items())
                   + f" ms; {overlapped} of {len(settled)} moves overlapped the background"
                     " warm-up or integrity scan"},
        {"check": "tab switch, settled (first show of each tab)",
         "value": tabs.get(slow_tab, 0.0), "target": None, "ok": None,
         "text": f"worst {tabs.get(slow_tab, 0.0):.0f} ms ({slow_tab})",
         "target_text": "(info)", "per_tab_worst_ms": tabs,
         "detail": "worst per tab: " + ", ".join(f"{t} {v:.0f}" for t, v in tabs.items())
                   + " ms (Events: the run's frames are listed once per run)"},
        {"check": "step move, settled + Pilot.pause() (idle wait)", "value": paused[-1],
         "target": None, "ok": None,
         "text": f"median {paused[len(paused) // 2]:.1f} ms, worst {paused[-1]:.1f} ms",
         "target_text": "(info)"},
        {"check": "memory, peak RSS of the app process", "value": rss, "target": 400,
         "ok": rss <= 400, "text": f"{rss:.0f} MB (after open "
                                   f"{runs[0]['rss_after_open_mb']:.0f} MB)",
         "target_text": "<= 400 MB"},
    ]


def follow_row(data: dict[str, Any], rate: float) -> dict[str, Any]:
    """How far behind the writer the app's event count was, in seconds, at worst."""
    stamps = data["stamps"]  # (writer's event count, monotonic time) at each step end
    counts = [c for c, _ in stamps]
    worst_lag = 0.0
    for when, seen in data["samples"]:
        # the writer's count at `when`, and when the writer had reached what the app saw
        reached = bisect.bisect_left(counts, seen + 1)  # first stamp beyond what app saw
        if reached < len(stamps) and stamps[reached][1] < when:
            worst_lag = max(worst_lag, when - stamps[reached][1])
    done = data["done"]
    written = done[0][0] if done else (counts[-1] if counts else 0)
    writer_s = (done[0][1] - stamps[0][1]) if done and stamps else 0.0
    achieved = (written - counts[0]) / writer_s if writer_s > 0 else 0.0
    final_seen = data["final_seen"]
    tail = final_seen - done[0][1] if final_seen is not None and done else None
    ok = tail is not None and worst_lag <= 1.0 and tail <= 1.0
    tail_text = f"{tail:.2f} s" if tail is not None else "never"
    return {"check": f"follow, writer at {rate:,.0f} events/s ({written:,} events)",
            "value": worst_lag, "target": 1.0, "ok": ok,
            "text": f"worst lag {worst_lag:.2f} s, caught up {tail_text} after the end "
                    f"(writer ran {achieved:,.0f}/s)",
            "target_text": "<= 1 s behind", "rows": data["rows"],
            "peak_rss_mb": data["peak_rss_mb"]}


def run(args: argparse.Namespace) -> int:
    events = min(args.events, 200_000) if args.quick else args.events
    moves = 4 if args.quick else args.moves
    seconds = min(args.follow_seconds, 4.0) if args.quick else args.follow_seconds
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stepscope-bench-") as name:
        tmp = Path(name)
        print(f"[bench] writing a {events:,}-event trace", flush=True)
        path, _crashed, count = big_trace(tmp, events)
        print("[bench] first screen, step moves, memory (a process per launch)", flush=True)
        try:
            rows += open_rows(measure_open(path, tmp, moves, 2 if args.quick else 3), count)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"[bench] open measurement failed: {exc}", flush=True)
        print(f"[bench] follow: writer at {args.rate:,.0f} events/s for {seconds:g} s",
              flush=True)
        out = tmp / "follow.json"
        try:
            data = _child(["follow", str(tmp / "live.stepscope"), str(out), str(seconds),
                           str(args.rate)], out, timeout=seconds + 120)
            rows.append(follow_row(data, args.rate))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"[bench] follow measurement failed: {exc}", flush=True)
    print(f"\nstepscope TUI benchmark ({time.strftime('%Y-%m-%dT%H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, python -m bench tui{' --quick' if args.quick else ''})")
    print(f"  {'check':48} {'value':>64}  {'target':>14}  result")
    for row in rows:
        verdict = "" if row["ok"] is None else ("PASS" if row["ok"] else "FAIL")
        print(f"  {row['check']:48} {row['text']:>64}  {row['target_text']:>14}  {verdict}")
        if row.get("detail"):
            print(f"      {row['detail']}")
    checked = [r for r in rows if r["ok"] is not None]
    failed = [r["check"] for r in checked if not r["ok"]]
    print(f"\nSUMMARY: {len(checked) - len(failed)}/{len(checked)} targets met"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0
