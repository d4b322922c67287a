"""Benchmark worker: runs one engine's graphs in its own process.

`python -m bench.engine_worker serve --engine E` answers JSON-line requests on stdin, one JSON
line each on stdout (the orchestrator drives a stepscope and a LangGraph worker in turns, so
machine noise hits both). `python -m bench.engine_worker memory --engine E --steps N` runs the
loop once under tracemalloc and prints one JSON line. Standard library only besides the
engine itself: the LangGraph worker runs with the peer venv's interpreter.

Requests (`cmd`): `info`; `prepare` {key, shape, n, variant} builds, compiles, warms up and
checks a series; `sample` {key} times one sample of it; `quit`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import inspect
import json
import math
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, TextIO

from bench.engine_shapes import PACKAGES, SHAPES, Shape, graph_api

TARGET_SAMPLE_S = 0.02
"""Fast runs are repeated inside one sample until it lasts about this long (timer noise)."""

MAX_REPEATS = 50

Runner = Callable[[dict[str, Any], dict[str, Any]], Any]


class Unavailable(Exception):
    """The engine has no hook for this variant."""


def _noop_sink(event: Any) -> None:
    return None


def engine_version(engine: str) -> str:
    if engine == "langgraph":
        from importlib.metadata import version

        return version("langgraph")
    package = importlib.import_module(PACKAGES[engine])
    return str(getattr(package, "__version__", "dev"))


def sink_hook(compiled: Any) -> tuple[str, Callable[[Runner], Runner]]:
    """How to attach a no-op event sink to stepscope runs: (description, runner wrapper).

    Prefers a `sinks=` keyword on invoke; otherwise the process-wide
    `engine.events.attach(sink)` context manager, entered around each invoke.
    """
    if "sinks" in inspect.signature(compiled.invoke).parameters:

        def with_kwarg(run: Runner) -> Runner:
            return lambda inp, config: compiled.invoke(inp, config, sinks=[_noop_sink])

        return "invoke(..., sinks=[noop])", with_kwarg
    try:
        attach = importlib.import_module("engine.events").attach
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"no sink hook in the engine ({exc})") from exc

    def with_attach(run: Runner) -> Runner:
        def attached(inp: dict[str, Any], config: dict[str, Any]) -> Any:
            with attach(_noop_sink):
                return run(inp, config)

        return attached

    return "with engine.events.attach(noop): invoke(...)", with_attach


class Series:
    """A compiled graph plus how to run it, warmed up and checked."""

    def __init__(self, engine: str, shape: Shape, n: int, variant: str) -> None:
        self.shape, self.n = shape, n
        self.config = shape.config(n)
        api = graph_api(engine)
        start = time.perf_counter()
        compiled = shape.build(api, n).compile()
        self.compile_s = time.perf_counter() - start
        self.run: Runner = compiled.invoke
        self.hook = "none"
        if variant == "noop_sink":
            if engine != "stepscope":
                raise Unavailable("only the stepscope engine has event sinks")
            self.hook, wrap = sink_hook(compiled)
            self.run = wrap(compiled.invoke)
        elif variant != "plain":
            raise ValueError(f"unknown variant {variant!r}")
        # One untimed warm-up, which also checks the output and sizes the samples.
        start = time.perf_counter()
        output = self.run(shape.initial(), self.config)
        self.warmup_s = time.perf_counter() - start
        self.error = shape.check(output, n)
        self.repeats = max(1, min(MAX_REPEATS, math.ceil(TARGET_SAMPLE_S / self.warmup_s)))

    def sample(self) -> float:
        """Seconds per invoke: gc.collect(), then perf_counter around `repeats` invokes."""
        inputs = [self.shape.initial() for _ in range(self.repeats)]
        outputs = []
        gc.collect()
        start = time.perf_counter()
        for inp in inputs:
            outputs.append(self.run(inp, self.config))
        elapsed = time.perf_counter() - start
        del outputs
        return elapsed / self.repeats


def handle(engine: str, series: dict[str, Series], request: dict[str, Any]) -> dict[str, Any]:
    cmd = request.get("cmd")
    if cmd == "info":
        return {
            "engine": engine,
            "version": engine_version(engine),
            "python": platform.python_version(),
            "pid": os.getpid(),
        }
    if cmd == "prepare":
        try:
            made = Series(engine, SHAPES[request["shape"]], request["n"], request["variant"])
        except Unavailable as exc:
            return {"unavailable": str(exc)}
        if made.error is not None:
            return {"error": f"wrong output: {made.error}"}
        series[request["key"]] = made
        return {
            "compile_s": made.compile_s,
            "warmup_s": made.warmup_s,
            "repeats": made.repeats,
            "hook": made.hook,
        }
    if cmd == "sample":
        return {"s": series[request["key"]].sample()}
    return {"error": f"unknown command {cmd!r}"}


def serve(engine: str, out: TextIO) -> None:
    series: dict[str, Series] = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("cmd") == "quit":
            break
        try:
            reply = handle(engine, series, request)
        except Exception as exc:  # a broken engine is a result, not a crash
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def measure_memory(engine: str, steps: int) -> dict[str, Any]:
    """Peak traced memory of one `steps`-step loop run versus the size of its final state."""
    api = graph_api(engine)
    shape = SHAPES["loop"]
    # Warm up on a small loop so lazy imports and caches are not charged to the run.
    shape.build(api, 10).compile().invoke(shape.initial(), shape.config(10))
    compiled = shape.build(api, steps).compile()
    inp = shape.initial()
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    output = compiled.invoke(inp, shape.config(steps))
    elapsed = time.perf_counter() - start
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    error = shape.check(output, steps)
    messages = output.get("messages", [])
    state_bytes = sys.getsizeof(messages) + sum(sys.getsizeof(m) for m in messages)
    return {
        "engine": engine,
        "steps": steps,
        "peak_bytes": peak,
        "current_bytes": current,
        "state_bytes": state_bytes,
        "traced_run_s": elapsed,
        "error": error,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_worker")
    parser.add_argument("mode", choices=["serve", "memory"])
    parser.add_argument("--engine", choices=sorted(PACKAGES), required=True)
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args(argv)
    # Replies go to the original stdout; anything a graph prints goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    with contextlib.redirect_stdout(sys.stderr):
        if args.mode == "serve":
            serve(args.engine, out)
        else:
            try:
                result = measure_memory(args.engine, args.steps)
            except Exception as exc:
                result = {"engine": args.engine, "error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(result) + "\n")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
