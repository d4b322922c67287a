"""`python -m bench langgraph`: what recording a real LangGraph run costs.

Each sample runs a graph `invoke` in a loop on LangGraph as installed (the adapter's
hook taken out), then the same loop with the hook in place and not recording, then
inside `tracer.record()` to a new trace file; the three alternate, sample by sample,
because this VM has fast and slow phases. Printed: the median ratio against plain
LangGraph for each shape, beside its target (issue 13: ×1.10 on trivial nodes, ×1.02 on
1 ms nodes).
"""

from __future__ import annotations

import argparse
import gc
import operator
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypedDict

DESCRIPTION = "langgraph: the cost of recording real LangGraph runs, against targets"
TARGETS = {"trivial": 1.10, "1ms": 1.02}


class State(TypedDict):
    n: int
    log: Annotated[list[str], operator.add]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=15, help="samples per mode")


def chain(delay: float) -> Any:
    """Three nodes in a row, each adding to a counter and a list; `delay` s of sleep."""
    from langgraph.graph import START, StateGraph

    def node(name: str) -> Callable[[State], dict[str, Any]]:
        def run(s: State) -> dict[str, Any]:
            if delay:
                time.sleep(delay)
            return {"n": s["n"] + 1, "log": [name]}
        return run

    g: Any = StateGraph(State)
    for name in ("a", "b", "c"):
        g.add_node(name, node(name))
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    return g.compile()


def measure(graph: Any, runs: int, samples: int, tmp: Path) -> dict[str, float]:
    from langgraph.pregel._loop import PregelLoop

    import tracer
    from tracer.langgraph.patch import install

    install()
    hooked = PregelLoop._first
    plain = hooked.__wrapped__  # type: ignore[attr-defined]

    def loop() -> None:
        for _ in range(runs):
            graph.invoke({"n": 0, "log": []})

    def timed(fn: Callable[[], None]) -> float:
        gc.collect()
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"plain": [], "hooked": [], "recorded": []}
    loop()  # warm up: imports, compiled regexes, the first trace file
    for i in range(samples):
        PregelLoop._first = plain  # type: ignore[method-assign]
        times["plain"].append(timed(loop))
        PregelLoop._first = hooked  # type: ignore[method-assign]
        times["hooked"].append(timed(loop))
        path = tmp / f"sample{i}.stepscope"

        def recorded(path: Path = path) -> None:
            with tracer.record(path):
                loop()

        times["recorded"].append(timed(recorded))
    PregelLoop._first = hooked  # type: ignore[method-assign]
    per_run = {k: statistics.median(v) / runs for k, v in times.items()}
    return {"plain_us": per_run["plain"] * 1e6,
            "hooked": per_run["hooked"] / per_run["plain"],
            "recorded": per_run["recorded"] / per_run["plain"]}


def run(args: argparse.Namespace) -> int:
    try:
        import langgraph  # noqa: F401
    except ImportError:
        print("LangGraph is not installed: pip install 'stepscope[langgraph]'")
        return 0
    from tracer.langgraph import langgraph_version

    samples = max(3, args.samples // 3) if args.quick else args.samples
    print(f"LangGraph {langgraph_version()}: a chain of three nodes, `invoke` in a loop; "
          f"median of {samples} alternating samples")
    print(f"{'shape':<10}{'plain/run':>12}{'hooked':>10}{'recorded':>10}{'target':>9}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for shape, delay, runs in (("trivial", 0.0, 200), ("1ms", 0.001, 30)):
            r = measure(chain(delay), runs, samples, Path(tmp))
            results[shape] = r
            ok = "ok" if r["recorded"] <= TARGETS[shape] else "MISS"
            print(f"{shape:<10}{r['plain_us']:>10.0f}µs{r['hooked']:>9.3f}×"
                  f"{r['recorded']:>9.3f}×{TARGETS[shape]:>8.2f}× {ok}")
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0
