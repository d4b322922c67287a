"""`python -m bench engine`: the stepscope engine against LangGraph 1.2.22.

Phases: set up the peer venv; start one worker process per engine; for each group of series,
prepare every series (build, compile, warm up, check), then take samples round-robin across
the group so that both engines see the same machine phases (this VM alternates fast and slow
phases); run the memory measurement in fresh processes; report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench import engine_report as rep
from bench.engine_report import SeriesResult
from bench.peer_venv import ensure_langgraph
from bench.worker_client import WorkerProcess, run_memory_worker

DESCRIPTION = (
    "graph engine vs LangGraph 1.2.22: chain / fan-out / loop of 1000 tasks, "
    "no-op sink cost, chain linearity, loop memory"
)

SHAPE_N = 1000
LINEAR_NS = (250, 2000)
MEMORY_STEPS = 10_000
SAMPLES_FULL, SAMPLES_QUICK = 25, 5
PREPARE_TIMEOUT_S, SAMPLE_TIMEOUT_S, MEMORY_TIMEOUT_S = 90.0, 30.0, 240.0
"""A request past its timeout means a hung engine: its worker is killed and restarted for the
next group (series of the current group on that engine are reported as errors)."""

SS, LG = "stepscope", "langgraph"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=None,
                        help=f"timed samples per series (default {SAMPLES_FULL}, "
                        f"{SAMPLES_QUICK} with --quick)")
    parser.add_argument("--no-langgraph", action="store_true",
                        help="skip the LangGraph peer (stepscope figures only)")


def plan_groups() -> list[tuple[str, list[SeriesResult]]]:
    """Groups of series sampled round-robin; series compared with each other share a group."""
    return [
        # The no-op sink series sits next to plain stepscope so their samples pair up.
        ("chain", [SeriesResult(SS, "chain", SHAPE_N), SeriesResult(SS, "chain", SHAPE_N,
                                                                   "noop_sink"),
                   SeriesResult(LG, "chain", SHAPE_N)]),
        ("fanout", [SeriesResult(SS, "fanout", SHAPE_N), SeriesResult(LG, "fanout", SHAPE_N)]),
        ("loop", [SeriesResult(SS, "loop", SHAPE_N), SeriesResult(LG, "loop", SHAPE_N)]),
        ("chain growth", [SeriesResult(engine, "chain", n) for n in LINEAR_NS
                          for engine in (SS, LG)]),
    ]


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def prepare(workers: dict[str, WorkerProcess | str], series: SeriesResult) -> None:
    worker = workers[series.engine]
    if isinstance(worker, str):
        series.status, series.note = "unavailable", worker
        return
    reply = worker.request(
        {"cmd": "prepare", "key": series.key, "shape": series.shape, "n": series.n,
         "variant": series.variant},
        timeout=PREPARE_TIMEOUT_S,
    )
    if "unavailable" in reply:
        series.status, series.note = "unavailable", reply["unavailable"]
    elif "error" in reply:
        series.status, series.note = "error", reply["error"]
    else:
        series.status = "ok"
        series.compile_s, series.repeats = reply["compile_s"], reply["repeats"]
        series.hook = reply["hook"]


def run_group(workers: dict[str, WorkerProcess | str], name: str,
              group: list[SeriesResult], samples: int) -> None:
    _log(f"{name}: preparing {len(group)} series")
    for engine, worker in workers.items():
        if isinstance(worker, WorkerProcess) and worker.dead_reason is not None:
            _log(f"  restarting the {engine} worker ({worker.dead_reason})")
            workers[engine] = worker.restarted()
    for series in group:
        prepare(workers, series)
        if series.status != "ok":
            _log(f"  {series.key}: {series.status}: {series.note}")
    live = [s for s in group if s.status == "ok"]
    _log(f"{name}: {samples} samples x {len(live)} series, alternating")
    for _ in range(samples):
        for series in live:
            if series.status != "ok":
                continue
            worker = workers[series.engine]
            assert isinstance(worker, WorkerProcess)
            reply = worker.request({"cmd": "sample", "key": series.key},
                                   timeout=SAMPLE_TIMEOUT_S)
            if "s" in reply:
                series.samples_s.append(reply["s"])
            else:
                error = reply.get("error", "no sample")
                series.status = "error"
                series.note = f"{error} (at sample {len(series.samples_s) + 1}/{samples})"


def start_workers(lg_python: Path | None, lg_note: str) -> dict[str, WorkerProcess | str]:
    """A worker per engine, or the reason it is unavailable."""
    workers: dict[str, WorkerProcess | str] = {SS: WorkerProcess(SS, sys.executable)}
    workers[LG] = WorkerProcess(LG, lg_python) if lg_python is not None else lg_note
    return workers


def describe_engine(worker: WorkerProcess | str) -> str:
    if isinstance(worker, str):
        return f"not available ({worker})"
    info = worker.request({"cmd": "info"}, timeout=60)
    if "error" in info:
        return f"not importable ({info['error']})"
    return f"{info['engine']} {info['version']} (python {info['python']})"


def measure_memory(lg_python: Path | None, quick: bool) -> dict[str, dict[str, Any]]:
    _log(f"memory: loop of {MEMORY_STEPS:,} steps under tracemalloc (fresh process)")
    results = {SS: rep.memory_figures(
        run_memory_worker(sys.executable, SS, MEMORY_STEPS, MEMORY_TIMEOUT_S))}
    if lg_python is not None and not quick:
        results[LG] = rep.memory_figures(
            run_memory_worker(lg_python, LG, MEMORY_STEPS, MEMORY_TIMEOUT_S))
    return results


def build_report(groups: list[tuple[str, list[SeriesResult]]], memory: dict[str, Any],
                 meta: dict[str, Any]) -> dict[str, Any]:
    found = {s.key: s for _, group in groups for s in group}

    def get(engine: str, shape: str, n: int, variant: str = "plain") -> SeriesResult:
        return found[SeriesResult(engine, shape, n, variant).key]

    report: dict[str, Any] = {
        "meta": meta,
        "series": [s.to_json() for s in found.values()],
        "speed": [rep.speed_row(get(SS, shape, SHAPE_N), get(LG, shape, SHAPE_N))
                  for shape in ("chain", "fanout", "loop")],
        "sink": rep.sink_figures(get(SS, "chain", SHAPE_N),
                                 get(SS, "chain", SHAPE_N, "noop_sink")),
        "linearity": rep.linearity_figures(
            {engine: (get(engine, "chain", LINEAR_NS[0]), get(engine, "chain", LINEAR_NS[1]))
             for engine in (SS, LG)}),
        "memory": memory,
    }
    found_verdicts = rep.verdicts(report)
    report["verdicts"] = [vars(v) for v in found_verdicts]
    report["summary"] = rep.summary_line(found_verdicts)
    return report


def run(args: argparse.Namespace) -> int:
    samples = args.samples or (SAMPLES_QUICK if args.quick else SAMPLES_FULL)
    started = dt.datetime.now()
    lg_python, lg_note = (None, "skipped (--no-langgraph)")
    if not args.no_langgraph:
        lg_python, lg_note = ensure_langgraph()
        _log(lg_note)
    workers = start_workers(lg_python, lg_note)
    try:
        meta = {
            "command": "python -m bench engine" + (" --quick" if args.quick else ""),
            "date": started.isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "samples": samples,
            "quick": bool(args.quick),
            "stepscope": describe_engine(workers[SS]),
            "langgraph": describe_engine(workers[LG]),
        }
        groups = plan_groups()
        for name, group in groups:
            run_group(workers, name, group, samples)
    finally:
        for worker in workers.values():
            if isinstance(worker, WorkerProcess):
                worker.close()
    memory = measure_memory(lg_python, args.quick)
    meta["duration_s"] = round((dt.datetime.now() - started).total_seconds(), 1)
    report = build_report(groups, memory, meta)
    print(rep.format_text(report))
    print(f"(total {meta['duration_s']} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        _log(f"wrote {args.json}")
    return 0
