"""Turning engine-benchmark samples into figures, verdicts, a text table and JSON."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

TARGET_SPEEDUP = 10.0
TARGET_SINK_US = 2.0
TARGET_LINEAR_RATIO = 1.5
MEMORY_FACTOR = 2.0
MEMORY_SLACK_BYTES = 5 * 1024 * 1024
MB = 1024 * 1024

ENGINES = ("stepscope", "langgraph")


@dataclass
class SeriesResult:
    """Samples of one (engine, shape, N, variant), in seconds per invoke."""

    engine: str
    shape: str
    n: int
    variant: str = "plain"
    status: str = "pending"
    """pending -> ok, or unavailable / error (see `note`)."""
    note: str = ""
    compile_s: float | None = None
    repeats: int = 1
    hook: str = "none"
    samples_s: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.engine}:{self.shape}:{self.n}:{self.variant}"

    @property
    def usable(self) -> bool:
        return self.status == "ok" and bool(self.samples_s)

    def us_per_task(self) -> list[float]:
        return [s / self.n * 1e6 for s in self.samples_s]

    def best(self) -> float | None:
        return min(self.us_per_task()) if self.usable else None

    def median(self) -> float | None:
        return statistics.median(self.us_per_task()) if self.usable else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "engine": self.engine, "shape": self.shape, "n": self.n,
            "variant": self.variant, "status": self.status, "note": self.note,
            "compile_s": self.compile_s, "repeats_per_sample": self.repeats, "hook": self.hook,
            "samples_s_per_invoke": self.samples_s,
            "us_per_task_min": self.best(), "us_per_task_median": self.median(),
        }


@dataclass
class Verdict:
    short: str
    """Label used in the summary line."""
    name: str
    value: str
    target: str
    status: str
    """PASS, FAIL or N/A."""


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _pass(ok: bool | None) -> str:
    return "N/A" if ok is None else ("PASS" if ok else "FAIL")


def _why(*series: SeriesResult) -> str:
    reasons = [f"{s.engine} {s.shape} {s.n}: {s.status} {s.note}".strip()
               for s in series if not s.usable]
    return "; ".join(dict.fromkeys(reasons))


def speed_row(ss: SeriesResult, lg: SeriesResult) -> dict[str, Any]:
    ratio_min = _ratio(lg.best(), ss.best())
    return {
        "shape": ss.shape, "n": ss.n, "tasks": ss.n,
        "stepscope_us_min": ss.best(), "stepscope_us_median": ss.median(),
        "langgraph_us_min": lg.best(), "langgraph_us_median": lg.median(),
        "ratio_min": ratio_min, "ratio_median": _ratio(lg.median(), ss.median()),
        "status": _pass(None if ratio_min is None else ratio_min >= TARGET_SPEEDUP),
        "why_na": _why(ss, lg),
    }


def sink_figures(plain: SeriesResult, sink: SeriesResult) -> dict[str, Any]:
    both = plain.usable and sink.usable
    paired = [b - a for a, b in zip(plain.us_per_task(), sink.us_per_task(), strict=False)]
    best_plain, best_sink = plain.best(), sink.best()
    overhead = None if best_plain is None or best_sink is None else best_sink - best_plain
    return {
        "shape": plain.shape, "n": plain.n, "hook": sink.hook,
        "plain_us_min": plain.best(), "plain_us_median": plain.median(),
        "sink_us_min": sink.best(), "sink_us_median": sink.median(),
        "overhead_us_min": overhead,
        "overhead_us_paired_median": statistics.median(paired) if both and paired else None,
        "status": _pass(None if overhead is None else overhead <= TARGET_SINK_US),
        "why_na": _why(plain, sink),
    }


def linearity_figures(by_engine: dict[str, tuple[SeriesResult, SeriesResult]]) -> dict:
    out: dict[str, Any] = {}
    for engine, (small, large) in by_engine.items():
        out[engine] = {
            "n_small": small.n, "n_large": large.n,
            "us_small_min": small.best(), "us_large_min": large.best(),
            "ratio_min": _ratio(large.best(), small.best()),
            "ratio_median": _ratio(large.median(), small.median()),
            "why_na": _why(small, large),
        }
    ratio = out.get("stepscope", {}).get("ratio_min")
    out["status"] = _pass(None if ratio is None else ratio <= TARGET_LINEAR_RATIO)
    return out


def memory_figures(result: dict[str, Any] | None) -> dict[str, Any]:
    if not result or result.get("error") or "peak_bytes" not in result:
        error = (result or {}).get("error", "not run")
        return {"status": "N/A", "error": error}
    limit = MEMORY_FACTOR * result["state_bytes"] + MEMORY_SLACK_BYTES
    return {
        **result, "limit_bytes": limit,
        "peak_over_state": result["peak_bytes"] / result["state_bytes"],
        "status": _pass(result["peak_bytes"] <= limit),
    }


def _f(value: float | None, fmt: str = "{:.1f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def verdicts(report: dict[str, Any]) -> list[Verdict]:
    found = [
        Verdict(f"speed/{row['shape']}",
                f"speed {row['shape']} N={row['n']}: LangGraph/stepscope (min)",
                _f(row["ratio_min"], "{:.1f}x"), f">= {TARGET_SPEEDUP:g}x", row["status"])
        for row in report["speed"]
    ]
    sink = report["sink"]
    found.append(Verdict("sink", "no-op sink overhead per task (min vs min)",
                         _f(sink["overhead_us_min"], "{:+.2f} µs"),
                         f"<= {TARGET_SINK_US:g} µs", sink["status"]))
    lin = report["linearity"]
    found.append(Verdict("linearity", "chain µs/task N=2000 / N=250 (min)",
                         _f(lin.get("stepscope", {}).get("ratio_min"), "{:.2f}"),
                         f"<= {TARGET_LINEAR_RATIO:g}", lin["status"]))
    memory = report["memory"]["stepscope"]
    found.append(Verdict("memory", "loop 10k steps: peak traced / final state",
                         _f(memory.get("peak_over_state"), "{:.2f}x"),
                         f"<= {MEMORY_FACTOR:g}x state + {MEMORY_SLACK_BYTES // MB} MB",
                         memory["status"]))
    return found


def summary_line(found: list[Verdict]) -> str:
    passed = [v for v in found if v.status == "PASS"]
    failed = [v.short for v in found if v.status == "FAIL"]
    missing = [v.short for v in found if v.status == "N/A"]
    line = f"SUMMARY: {len(passed)}/{len(found)} targets met"
    if failed:
        line += f"; FAIL: {', '.join(failed)}"
    if missing:
        line += f"; not measured: {', '.join(missing)}"
    return line


def _other_rows(report: dict[str, Any]) -> list[str]:
    sink, lin, mem = report["sink"], report["linearity"], report["memory"]
    ss_lin, lg_lin, ss_mem = lin.get("stepscope", {}), lin.get("langgraph", {}), mem["stepscope"]
    rows = [
        _row(f"no-op event sink, chain N={sink['n']}: extra µs/task",
             f"{_f(sink['overhead_us_min'], '{:+.2f}')} min, "
             f"{_f(sink['overhead_us_paired_median'], '{:+.2f}')} paired med",
             f"<= {TARGET_SINK_US:g} µs", sink["status"]),
        f"      plain {_f(sink['plain_us_min'], '{:.2f}')} / "
        f"{_f(sink['plain_us_median'], '{:.2f}')} µs/task, with sink "
        f"{_f(sink['sink_us_min'], '{:.2f}')} / {_f(sink['sink_us_median'], '{:.2f}')} "
        f"(min / median); hook: {sink['hook']}",
        _row("chain growth: µs/task N=2000 / N=250",
             f"{_f(ss_lin.get('ratio_min'), '{:.2f}')} min, "
             f"{_f(ss_lin.get('ratio_median'), '{:.2f}')} med",
             f"<= {TARGET_LINEAR_RATIO:g}", lin["status"]),
    ]
    for engine, fig in (("stepscope", ss_lin), ("LangGraph", lg_lin)):
        rows.append(f"      {engine}: {_f(fig.get('us_small_min'))} -> "
                    f"{_f(fig.get('us_large_min'))} µs/task (min), ratio "
                    f"{_f(fig.get('ratio_min'), '{:.2f}')} min / "
                    f"{_f(fig.get('ratio_median'), '{:.2f}')} median")
    limit = ss_mem.get("limit_bytes")
    rows.append(_row(
        f"loop {ss_mem.get('steps', 10_000):,} steps: peak traced / final state",
        _f(ss_mem.get("peak_over_state"), "{:.2f}x"),
        "peak <= 2x state + 5 MB" if limit is None else f"peak <= {limit / MB:.1f} MB",
        ss_mem["status"]))
    for engine, fig in (("stepscope", ss_mem), ("LangGraph", mem.get("langgraph"))):
        if fig is None:
            continue
        if "peak_bytes" not in fig:
            rows.append(f"      {engine}: not available ({fig.get('error')})")
            continue
        rows.append(f"      {engine}: peak {fig['peak_bytes'] / MB:.2f} MB, final state "
                    f"{fig['state_bytes'] / MB:.2f} MB ({fig['steps']:,} x "
                    f"200-byte strings + list), traced run {fig['traced_run_s']:.2f} s")
    if sink.get("why_na"):
        rows.append(f"      (sink: {sink['why_na']})")
    if ss_lin.get("why_na"):
        rows.append(f"      (chain growth: {ss_lin['why_na']})")
    return rows


def _row(name: str, value: str, target: str, status: str) -> str:
    return f"  {name:<48}{value:>30}  {target:<25}{status}"


def format_text(report: dict[str, Any]) -> str:
    meta = report["meta"]
    lines = [
        f"stepscope engine benchmark ({meta['date']}, python {meta['python']}, "
        f"{meta['cpus']} CPUs, {meta['command']})",
        f"  stepscope engine: {meta['stepscope']}",
        f"  peer: {meta['langgraph']}",
        f"  {meta['samples']} timed samples per series after 1 warm-up + output check; "
        "engines alternated sample by sample;",
        "  compile excluded; gc.collect() before each sample",
        "",
        "Speed, µs per task (min / median over samples); target: LangGraph/stepscope >= "
        f"{TARGET_SPEEDUP:g}x on min",
        f"  {'shape':<13}{'tasks':>6}  {'stepscope':>17}  {'LangGraph':>17}  "
        f"{'LG/stepscope':>15}  {'target':>7}  result",
    ]
    for row in report["speed"]:
        ss = f"{_f(row['stepscope_us_min'])} / {_f(row['stepscope_us_median'])}"
        lg = f"{_f(row['langgraph_us_min'])} / {_f(row['langgraph_us_median'])}"
        ratio = f"{_f(row['ratio_min'], '{:.1f}x')} / {_f(row['ratio_median'], '{:.1f}x')}"
        name = f"{row['shape']} N={row['n']}"
        lines.append(f"  {name:<13}{row['tasks']:>6}  {ss:>17}  {lg:>17}  {ratio:>15}  "
                     f"{'>= ' + format(TARGET_SPEEDUP, 'g') + 'x':>7}  {row['status']}")
        if row["why_na"]:
            lines.append(f"      ({row['why_na']})")
    lines += ["", "Other targets (stepscope only; LangGraph shown for context)",
              _row("check", "value", "target", "result"), *_other_rows(report),
              "", report["summary"]]
    return "\n".join(lines)
