"""The tree of runs in a trace (root runs, their subgraph runs, forks), without Textual.

A subgraph run's namespace extends its parent's by one `"node:task_id"` part, so the
parent of a run is the latest earlier run whose namespace is its namespace minus the
last part. Forks are root runs (empty namespace) and stay at the top level.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracer import Trace, TraceError


@dataclass(frozen=True)
class RunNode:
    """One run as the run tree shows it."""

    run: int
    parent: int | None
    label: str
    ns: tuple[str, ...]


def graph_name(trace: Trace, run: int) -> str | None:
    try:
        graph = trace.read(trace.index.runs[run][0]).data.get("graph")
    except (TraceError, IndexError):
        return None
    return graph.get("name") if isinstance(graph, dict) else None


def run_nodes(trace: Trace) -> list[RunNode]:
    """Every run, in file order, with its parent run and a label."""
    out: list[RunNode] = []
    latest: dict[tuple[str, ...], int] = {}
    for number, (_, ns_list, _, _) in enumerate(trace.index.runs):
        ns = tuple(ns_list)
        parent = latest.get(ns[:-1]) if ns else None
        name = graph_name(trace, number)
        if ns:
            node = ns[-1].split(":", 1)[0]
            label = f"{node}" + (f" ({name})" if name and name != node else "")
        else:
            label = name or "graph"
            if any(not n.ns for n in out):
                label += f" · run {number}"
        out.append(RunNode(number, parent, label, ns))
        latest[ns] = number
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
    started = trace.index.runs[run][0]
    for entry in trace.index.steps:
        if entry[0] != parent or entry[3] is None:
            continue
        if entry[3] <= started and (entry[4] is None or started <= entry[4]):
            return int(entry[2])
    return None
