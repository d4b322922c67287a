"""`python -m bench fuzz`: the long sweep of malformed traces through every read path.

The same generator (`tests/tracer/fuzzing.py`, `fuzz_crafted.py`) and judge
(`tests/tracer/fuzz_oracle.py`) as `tests/tracer/test_fuzz.py`, with thousands of cases
and bigger files: cuts at every byte of a nine-run trace, random flips and overwritten
runs in a closed and a crashed copy, every crafted kind, random forged records, length
damage in a large closed trace, fake frame heads (resync time against region size), 4
and 16 MiB of empty arrays (peak memory of a child process), and the CLI on a sample of
the files. Exits 1 if any case breaks a promise (a wrong value, a crash, a hang).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tests.tracer.fuzz_crafted import crafted, empty_arrays, forged_records
from tests.tracer.fuzz_oracle import Baseline, check
from tests.tracer.fuzzing import (
    MEMORY_CHILD,
    TASK_END,
    Case,
    Sample,
    cuts,
    fake_heads,
    flips,
    insert,
    long_length_damage,
    not_files,
    record_big,
    record_sample,
    regions,
)

DESCRIPTION = "fuzz: thousands of malformed traces through every read path (exit 1 on a bug)"
CASE_TIMEOUT = 60
"""Seconds one case may take before it counts as a hang."""
ROOT = Path(__file__).resolve().parents[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--cases", type=int, default=2000,
                        help="random flips per trace copy, and forged-record files "
                             "(default 2000; a quarter as many overwritten runs)")
    parser.add_argument("--big-mb", type=int, default=24,
                        help="size of the large closed trace, MiB (default 24)")


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def sweep(name: str, cases: Iterable[Case], base: Baseline, folder: Path) -> dict[str, Any]:
    """Check every case; a row of outcome counts, failures (first few kept) and times."""
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    slowest = 0.0
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    for case in cases:
        began = time.perf_counter()
        signal.alarm(CASE_TIMEOUT)
        try:
            outcomes[check(case.write(folder), case.oracle, base, case.name).outcome] += 1
        except AssertionError as exc:
            failures.append(str(exc)[:300])
        except _Hang:
            failures.append(f"{case.name}: no answer in {CASE_TIMEOUT} s")
        finally:
            signal.alarm(0)
        slowest = max(slowest, time.perf_counter() - began)
    total = sum(outcomes.values()) + len(failures)
    print(f"[fuzz] {name}: {total} cases, {len(failures)} failed", flush=True)
    return {"sweep": name, "cases": total, **{k: outcomes[k] for k in
                                               ("whole", "damage reported", "refused")},
            "failed": len(failures), "failures": failures[:10],
            "seconds": round(time.perf_counter() - start, 1),
            "slowest_case_s": round(slowest, 3)}


def _resync_times(sample: Sample, folder: Path) -> dict[str, Any]:
    """Open + events() of a crashed trace holding a region of fake heads, by size."""
    import tracer

    times = {}
    for kib in (256, 1024, 4096):
        path = folder / f"heads{kib}.stepscope"
        path.write_bytes(insert(sample.body, sample.middle(TASK_END).offset,
                                fake_heads(kib << 10)))
        start = time.perf_counter()
        with tracer.open_trace(path) as trace:
            sum(1 for _ in trace.events())
        times[kib] = time.perf_counter() - start
    return {"check": "resync through fake heads (s for 256 KiB / 1 MiB / 4 MiB)",
            "value": [round(t, 3) for t in times.values()],
            "ratio_4MiB_to_256KiB": round(times[4096] / times[256], 1),
            "ok": times[4096] / times[256] < 32}  # 16× the bytes; quadratic is 256×


def _memory(sample: Sample, folder: Path) -> list[dict[str, Any]]:
    good = folder / "good.stepscope"
    good.write_bytes(sample.data)
    rows = []
    for mib in (4, 16):
        case = empty_arrays(sample, mib << 20)
        path = case.write(folder)
        out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(good), str(path)],
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        found: dict[str, Any] = (json.loads(out.stdout) if out.returncode == 0
                                 else {"grew": -1, "errors": []})
        ratio = found["grew"] / len(case.data)
        rows.append({"check": f"peak memory reading {mib} MiB of empty arrays",
                     "value": f"+{found['grew'] >> 20} MiB ({ratio:.1f}× the file)",
                     "ok": 0 <= ratio < 24 and len(found["errors"]) == 1})
    return rows


def _cli(files: list[tuple[str, Path]], folder: Path) -> dict[str, Any]:
    """inspect, inspect --json and both exports of each file, as subprocesses."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    bad: list[str] = []
    statuses: Counter[int] = Counter()
    for name, path in files:
        for args in (["inspect", path], ["inspect", "--json", path],
                     ["export", path, "-f", "jsonl", "-o", folder / "out.jsonl"],
                     ["export", path, "-f", "chrome", "-o", folder / "out.json"]):
            try:
                result = subprocess.run([sys.executable, "-m", "tui.cli", *map(str, args)],
                                        capture_output=True, text=True, env=env,
                                        timeout=CASE_TIMEOUT, cwd=folder)
            except subprocess.TimeoutExpired:
                bad.append(f"{name}: {args[0]} hung")
                continue
            statuses[result.returncode] += 1
            if "Traceback" in result.stderr or result.returncode not in (0, 1) or (
                    result.returncode == 1 and not result.stderr.startswith("stepscope: ")):
                bad.append(f"{name}: {args[0]} exit {result.returncode}: "
                           f"{result.stderr[-200:]}")
    return {"check": f"CLI on {len(files)} files (4 commands each)",
            "value": dict(sorted(statuses.items())), "failures": bad[:10], "ok": not bad}


def _named(cases: Iterable[Case], folder: Path, keep: int) -> Iterator[tuple[str, Path]]:
    for i, case in enumerate(cases):
        if i >= keep:
            return
        path = folder / f"cli{i}.stepscope"
        if case.make is None:
            path.write_bytes(case.data)
        else:
            path = case.make(folder)
        yield case.name, path


def run(args: argparse.Namespace) -> int:
    n = max(args.cases // 10, 20) if args.quick else args.cases
    big_mb = 12 if args.quick else args.big_mb
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stepscope-fuzz-") as name:
        tmp = Path(name)
        work = tmp / "cases"
        work.mkdir()
        mixed = record_sample(tmp / "mixed.stepscope")
        base = Baseline.of(tmp / "mixed.stepscope")
        big = record_big(tmp / "big.stepscope", big_mb)
        big_base = Baseline.of(tmp / "big.stepscope")
        crashed = mixed.crashed()
        rows = [
            sweep("cut at every byte", cuts(mixed, 1 if not args.quick else 7), base, work),
            sweep("flips, closed trace", flips(mixed.data, mixed.start, rng, n), base, work),
            sweep("flips, crashed trace", flips(crashed, mixed.start, rng, n), base, work),
            sweep("overwritten runs, both", [*regions(mixed.data, mixed.start, rng, n // 4),
                                             *regions(crashed, mixed.start, rng, n // 4)],
                  base, work),
            sweep("crafted kinds", [*crafted(mixed), *not_files()], base, work),
            sweep("forged records", forged_records(mixed, rng, n), base, work),
            sweep(f"{len(big.data) >> 20} MiB trace: length +4 MiB, flips",
                  [*(long_length_damage(big, rng) for _ in range(10)),
                   *flips(big.data, big.start, rng, 20),
                   *flips(big.body, big.start, rng, 20)], big_base, work),
        ]
        checks = [_resync_times(mixed, work), *_memory(mixed, work),
                  _cli(list(_named([*crafted(mixed), *flips(crashed, mixed.start, rng, 10),
                                    *not_files()], work, 30 if args.quick else 200)), work)]
    elapsed = time.perf_counter() - started
    _print(rows, checks, args, elapsed)
    if args.json:
        Path(args.json).write_text(json.dumps({"sweeps": rows, "checks": checks}, indent=1))
    return 0 if all(r["failed"] == 0 for r in rows) and all(c["ok"] for c in checks) else 1


def _print(rows: list[dict[str, Any]], checks: list[dict[str, Any]],
           args: argparse.Namespace, elapsed: float) -> None:
    flags = " --quick" if args.quick else ""
    print(f"\nstepscope fuzz sweep ({time.strftime('%Y-%m-%dT%H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, python -m bench fuzz{flags} --seed {args.seed} "
          f"--cases {args.cases})")
    print(f"  {'sweep':40} {'cases':>6} {'whole':>6} {'damage':>7} {'refused':>7} "
          f"{'failed':>6} {'time s':>7} {'slowest':>8}")
    for r in rows:
        print(f"  {r['sweep']:40} {r['cases']:>6} {r['whole']:>6} {r['damage reported']:>7} "
              f"{r['refused']:>7} {r['failed']:>6} {r['seconds']:>7} "
              f"{r['slowest_case_s']:>8}")
        for failure in r["failures"]:
            print(f"      {failure}")
    for c in checks:
        print(f"  {c['check']:62} {c['value']!s:>30}  {'PASS' if c['ok'] else 'FAIL'}")
        for failure in c.get("failures", ()):
            print(f"      {failure}")
    cases = sum(r["cases"] for r in rows)
    failed = sum(r["failed"] for r in rows) + sum(not c["ok"] for c in checks)
    print(f"\nSUMMARY: {cases} cases in {elapsed:.0f} s; "
          + ("no failures" if not failed else f"{failed} FAILED"))
