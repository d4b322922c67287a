"""Breakpoints: one text syntax for `--break`, the breakpoints panel and the graph view.

    NODE | before:NODE   before a task of NODE starts
    after:NODE          when a task of NODE has finished (its writes not yet applied)
    error               when any task fails
    interrupt           when a task calls interrupt()
    if:EXPR             after a root step whose state makes EXPR true (`state` is the state)
    change:KEY          after a root step that changed channel KEY
    token:REGEX         when a model's streamed text so far (per call) matches REGEX

NODE is a namespace path: `inner` is any node named inner, at any depth;
`sub/inner` is node inner of the subgraph that node sub runs (from the root).
Parsing checks what it can (node names against the topology, the expression's
syntax, the regex) and raises BreakpointError with a message for the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SYNTAX = ("NODE or before:NODE · after:NODE · error · interrupt · if:EXPR over state · "
          "change:KEY · token:REGEX   (NODE: name, or sub/inner inside a subgraph)")
"""One line for help texts (the panel, --break's help)."""
KINDS = ("before", "after", "error", "interrupt", "if", "change", "token")
_NO_TARGET = ("error", "interrupt")


class BreakpointError(ValueError):
    """A breakpoint that cannot be set; the message says why, for the user."""


@dataclass(frozen=True)
class Breakpoint:
    """One breakpoint; `text` is how it is written (and parsed back)."""

    kind: str
    target: str = ""
    code: Any = field(default=None, compare=False, repr=False)
    """The compiled expression (if:) or pattern (token:)."""

    @property
    def text(self) -> str:
        if self.kind in _NO_TARGET:
            return self.kind
        return f"{self.kind}:{self.target}"

    def describe(self) -> str:
        return {
            "before": f"before node {self.target}",
            "after": f"after node {self.target}",
            "error": "on any task error",
            "interrupt": "on interrupt()",
            "if": f"when {self.target}",
            "change": f"when channel {self.target} changes",
            "token": f"when model text matches /{self.target}/",
        }[self.kind]

    # -- matching ------------------------------------------------------------------------
    def matches_node(self, path: tuple[str, ...]) -> bool:
        """Whether a task at namespace path `path` (node names, root first) is meant."""
        wanted = tuple(self.target.split("/"))
        if len(wanted) == 1:
            return path[-1] == wanted[0]
        return path == wanted

    def holds(self, state: Any) -> bool:
        """Evaluate an if: breakpoint; its exceptions propagate (the caller reports them)."""
        return bool(eval(self.code, {"__builtins__": __builtins__}, {"state": state}))


def node_path(ns: Iterable[str], name: str) -> tuple[str, ...]:
    """`("sub:1f…", …)` + `inner` → `("sub", …, "inner")`."""
    return (*(part.split(":", 1)[0] for part in ns), name)


def topology_paths(topology: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], bool]]:
    """Every node's path in a topology map, and whether its insides are unknown (a
    node could invoke a graph from its code: the topology cannot see that)."""
    for node in topology.get("nodes", ()):
        if node.get("kind") not in ("node", "subgraph"):
            continue
        path = (*prefix, str(node["name"]))
        sub = node.get("subgraph")
        yield path, sub is None
        if isinstance(sub, Mapping):
            yield from topology_paths(sub, path)


def parse(text: str, topology: Mapping[str, Any] | None = None,
          state_keys: Iterable[str] | None = None) -> Breakpoint:
    """A breakpoint from its text (see the module doc); BreakpointError if it is wrong."""
    text = text.strip()
    if not text:
        raise BreakpointError("empty breakpoint")
    kind, sep, target = text.partition(":")
    if not sep or kind not in KINDS:
        if text in _NO_TARGET:
            return Breakpoint(text)
        kind, target = "before", text
    target = target.strip()
    if kind in _NO_TARGET:
        if target:
            raise BreakpointError(f"{kind!r} takes nothing after it (got {text!r})")
        return Breakpoint(kind)
    if not target:
        raise BreakpointError(f"{kind}: needs {_WHAT[kind]} after the colon")
    if kind in ("before", "after"):
        if topology is not None:
            _check_node(target, topology)
        return Breakpoint(kind, target)
    if kind == "if":
        try:
            code = compile(target, "<breakpoint>", "eval")
        except SyntaxError as exc:
            raise BreakpointError(f"if: not a Python expression: {exc.msg} "
                                  f"(column {exc.offset}) in {target!r}") from None
        return Breakpoint(kind, target, code)
    if kind == "change":
        keys = list(state_keys) if state_keys is not None else None
        if keys is not None and target not in keys:
            raise BreakpointError(f"change: no channel {target!r} in the state "
                                  f"(channels: {', '.join(keys) or 'none'})")
        return Breakpoint(kind, target)
    try:
        pattern = re.compile(target)
    except re.error as exc:
        raise BreakpointError(f"token: not a regular expression: {exc} in {target!r}") from None
    return Breakpoint(kind, target, pattern)


_WHAT = {"before": "a node", "after": "a node", "if": "an expression over state",
         "change": "a channel name", "token": "a regular expression"}


def _check_node(target: str, topology: Mapping[str, Any]) -> None:
    wanted = tuple(part.strip() for part in target.split("/"))
    if any(not part for part in wanted):
        raise BreakpointError(f"not a node path: {target!r}")
    known = dict(topology_paths(topology))
    if len(wanted) == 1:
        if any(path[-1] == wanted[0] for path in known):
            return
    elif wanted in known or any(wanted[:i] in known and known[wanted[:i]]
                                for i in range(1, len(wanted))):
        return  # known, or inside a node whose code may run a graph the topology can't see
    names = sorted({"/".join(p) for p in known})
    raise BreakpointError(f"no node {target!r} in graph {topology.get('name', '')!r} "
                          f"(nodes: {', '.join(names) or 'none'})")


class BreakpointSet:
    """The breakpoints of a session, safe to read from the run's threads while the UI
    changes them (changes replace the tuple; readers take one snapshot)."""

    def __init__(self, points: Iterable[Breakpoint] = ()) -> None:
        self.points: tuple[Breakpoint, ...] = tuple(dict.fromkeys(points))

    def add(self, bp: Breakpoint) -> bool:
        if bp in self.points:
            return False
        self.points = (*self.points, bp)
        return True

    def remove(self, bp: Breakpoint) -> bool:
        if bp not in self.points:
            return False
        self.points = tuple(p for p in self.points if p != bp)
        return True

    def toggle(self, bp: Breakpoint) -> bool:
        """Add or remove `bp`; True when it is set afterwards."""
        if self.remove(bp):
            return False
        self.add(bp)
        return True

    def of_kind(self, *kinds: str) -> list[Breakpoint]:
        return [p for p in self.points if p.kind in kinds]

    def nodes_marked(self) -> set[str]:
        """Node targets with a before/after breakpoint (the graph view marks them)."""
        return {p.target for p in self.points if p.kind in ("before", "after")}

    def __iter__(self) -> Iterator[Breakpoint]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)
