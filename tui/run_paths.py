"""The tree of runs in a trace (root runs, their subgraph runs, forks), without Textual.

A subgraph run's namespace extends its parent's by one `"node:task_id"` part, so the
parent of a run is the latest earlier run whose namespace is its namespace minus the
last part. Forks and resumed runs are root runs (empty namespace): they sit under the
run they branch from or resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracer import Trace, TraceError
from tracer.threads import Link


@dataclass(frozen=True)
class RunNode:
    """One run as the run tree shows it."""

    run: int
    parent: int | None
    label: str
    ns: tuple[str, ...]


def _start(trace: Trace, run: int) -> dict[str, Any]:
    try:
        data = trace.read(trace.index.runs[run].offset).data
    except (TraceError, IndexError):
        return {}
    return data if isinstance(data, dict) else {}


def run_nodes(trace: Trace, links: Mapping[int, Link] | None = None) -> list[RunNode]:
    """Every run, in file order, with its parent run and a label. A fork sits under the
    run it branched from; a resumed run (after an interrupt) under the run it resumes.
    `links` (`tracer.threads`: how each root run of a thread follows) says which run
    that is; without them, a fork the debugger made and the latest root run are used."""
    out: list[RunNode] = []
    latest: dict[tuple[str, ...], int] = {}
    by_id: dict[str, int] = {}
    for number, entry in enumerate(trace.index.runs):
        ns, run_id = entry.ns, entry.run_id
        start = _start(trace, number)
        graph = start.get("graph")
        name = graph.get("name") if isinstance(graph, dict) else None
        parent = latest.get(ns[:-1]) if ns else None
        link = (links or {}).get(number)
        if ns:
            node = ns[-1].split(":", 1)[0]
            label = f"{node}" + (f" ({name})" if name and name != node else "")
        elif link is not None and link.previous is not None:
            parent = link.previous
            label = _linked_label(link, number)
        elif isinstance(fork := start.get("fork"), dict) and str(fork.get("run_id")) in by_id:
            parent = by_id[str(fork["run_id"])]
            label = f"⑂ fork @ step {fork.get('step')} · run {number}"
        elif start.get("resumed") and () in latest:
            parent = latest[()]
            label = f"↻ resumed · run {number}"
        else:
            label = name or "graph"
            if any(not n.ns for n in out):
                label += f" · run {number}"
        out.append(RunNode(number, parent, label, ns))
        latest[ns] = number
        by_id[str(run_id)] = number
    return out


def _linked_label(link: Link, number: int) -> str:
    if link.relation == "fork":
        step = (link.fork or {}).get("step")
        return f"⑂ fork @ step {step} · run {number}" if step is not None \
            else f"⑂ fork · run {number}"
    if link.relation == "resume":
        return f"↻ resumed · run {number}"
    return f"▶ new input · run {number}"


def fork_counts(trace: Trace, run: int) -> dict[int, int]:
    """Step of run `run` → how many forks branched from it (the step list marks them)."""
    run_id = trace.index.runs[run].run_id if 0 <= run < len(trace.index.runs) else None
    out: dict[int, int] = {}
    for number, entry in enumerate(trace.index.runs):
        if entry.ns or number == run:
            continue
        fork = _start(trace, number).get("fork")
        if isinstance(fork, dict) and str(fork.get("run_id")) == run_id:
            step = int(fork.get("step", -1))
            out[step] = out.get(step, 0) + 1
    return out


def breadcrumb(nodes: list[RunNode], run: int) -> list[RunNode]:
    """The runs from the root down to `run`."""
    by_run = {n.run: n for n in nodes}
    path: list[RunNode] = []
    current: int | None = run
    while current is not None and current in by_run:
        path.append(by_run[current])
        current = by_run[current].parent
    return path[::-1]


def parent_step(trace: Trace | None, run: int, parent: int) -> int | None:
    """The step of run `parent` during which subgraph run `run` started."""
    if trace is None:
        return None
    started = trace.index.runs[run].offset
    for entry in trace.index.steps:
        if entry.run != parent or entry.start is None:
            continue
        if entry.start <= started and (entry.end is None or started <= entry.end):
            return entry.step
    return None
