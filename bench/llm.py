"""`python -m bench llm`: what capturing a model's tokens costs, per token.

A ScriptedChatModel with no delays streams N tokens; we time `invoke` inside a graph
node (where every chunk becomes a token event) against the same model's raw chunk
generator, outside any graph. Variants: no sink, a no-op sink, `messages` stream mode,
and recording to a trace. Target (issue 3): capture costs at most 5 µs per token.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

DESCRIPTION = "llm: per-token overhead of capturing chat-model tokens, against the 5 µs target"
TARGET_US = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", type=int, default=2000, help="tokens per call (2000)")


def _graph(model: Any) -> Any:
    from engine.graph import START, MessagesState, StateGraph

    def call(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    return StateGraph(MessagesState).add_node(call).add_edge(START, "call").compile()


def _best(fn: Any, samples: int) -> tuple[float, float]:
    times = []
    for _ in range(samples):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def run(args: argparse.Namespace) -> int:
    import tracer
    from engine.chat_models import ScriptedChatModel
    from engine.messages import BaseMessage, HumanMessage

    n = args.tokens
    reply = " ".join(f"w{i}" for i in range((n + 1) // 2))  # words and spaces: n tokens
    model = ScriptedChatModel([reply], cycle=True)
    prompt: list[BaseMessage] = [HumanMessage("go", id="h")]
    tokens = len(list(model._stream(prompt)))
    graph = _graph(model)
    inp = {"messages": prompt}
    samples = 3 if args.quick else 9

    def raw() -> None:
        for _ in model._stream(prompt):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "llm.stepscope"

        def record() -> None:
            with tracer.record(path):
                graph.invoke(inp)

        variants = {
            "raw chunks (no capture)": raw,
            "invoke in a node, no sink": lambda: graph.invoke(inp),
            "invoke in a node, no-op sink": lambda: graph.invoke(inp, sinks=[lambda e: None]),
            "stream_mode='messages'": lambda: list(graph.stream(inp, stream_mode="messages")),
            "recorded to a trace": record,
        }
        results = {}
        for name, fn in variants.items():
            fn()
            results[name] = _best(fn, samples)
    base = results["raw chunks (no capture)"][0]
    print(f"\nstepscope LLM capture benchmark ({tokens} tokens per call, python -m bench llm"
          f"{' --quick' if args.quick else ''})")
    print(f"  {'variant':34} {'ms/call (min/med)':>20} {'µs/token over raw':>19}  target  result")
    rows: list[dict[str, Any]] = []
    for name, (best, median) in results.items():
        per_token = (best - base) / tokens * 1e6
        is_capture = name != "raw chunks (no capture)"
        ok = per_token <= TARGET_US if is_capture else True
        rows.append({"variant": name, "min_s": best, "median_s": median,
                     "us_per_token": per_token, "ok": ok})
        target = f"<= {TARGET_US:g}" if is_capture else ""
        verdict = ("PASS" if ok else "FAIL") if is_capture else ""
        print(f"  {name:34} {best * 1e3:9.2f} / {median * 1e3:7.2f} {per_token:19.2f}  "
              f"{target:>6}  {verdict}")
    failed = [r["variant"] for r in rows if not r["ok"]]
    print(f"\nSUMMARY: {len(rows) - 1 - len(failed)}/{len(rows) - 1} targets met"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0
