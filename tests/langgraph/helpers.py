"""Record real LangGraph runs and read back what the trace says of them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracer import Trace

INTERRUPT = "__interrupt__"


def trace_values(trace: Trace, ns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The state after every step of namespace `ns` (every run of it, in file order)
    whose step_end changed a key: what LangGraph's `values` stream shows, one per step.
    A resumed run's stream starts with the state it resumes from: its run_start's."""
    out = []
    run = -1
    number = 0
    for event in trace.events({"run_start", "step_end"}):
        if event.kind == "run_start":
            if event.ns == ns:
                run = number
                if event.data["resumed"]:
                    out.append(event.data["state"])
            number += 1
        elif event.ns == ns and event.data["d"]:
            out.append(trace.state_at(event.step, run))
    return out


def trace_updates(trace: Trace, ns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """`{node: writes}` for each task of `ns` that finished without error or interrupt,
    in the order they finished: what LangGraph's `updates` stream shows."""
    return [{e.data["name"]: e.data["result"]} for e in trace.events({"task_end"}, ns=ns)
            if e.data["error"] is None and not e.data["interrupts"]]


def stream_values(chunks: Iterable[Any], ns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The `values` items of a multi-mode stream (`(mode, data)`, or `(ns, mode, data)`
    with subgraphs), leaving out the item LangGraph adds when a run pauses (it carries
    the interrupts and is not a step's state)."""
    return [data for n, mode, data in _triples(chunks)
            if n == ns and mode == "values" and INTERRUPT not in data]


def stream_updates(chunks: Iterable[Any], ns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [data for n, mode, data in _triples(chunks)
            if n == ns and mode == "updates" and INTERRUPT not in data]


def _triples(chunks: Iterable[Any]) -> list[tuple[tuple[str, ...], str, Any]]:
    return [chunk if len(chunk) == 3 else ((), *chunk) for chunk in chunks]


def trace_path(tmp_path: Path, name: str = "run") -> Path:
    return tmp_path / f"{name}.stepscope"
