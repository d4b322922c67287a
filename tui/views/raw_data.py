"""The raw events view's model: one text line per event, a filter, and search.

Filter syntax (space-separated terms, all must hold; commas mean "or"):
`kind:token,llm_end`, `node:agent`, `ns:inner` (a namespace containing "inner";
`ns:root` for the root graph), `step:3`, a leading `-` negates a term, and any other
word must appear in the event's line. The kind terms are checked on the frame's kind
byte without decoding the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.events import Event
from tracer.records import KIND_CODES
from tui.units import duration
from tui.views.values import inline

KEYS = ("kind", "node", "ns", "step")


@dataclass(frozen=True)
class Term:
    key: str
    """One of KEYS, or "" for a word of the line."""
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class EventFilter:
    """A parsed filter; `problems` lists the terms it could not read."""

    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def needs_event(self) -> bool:
        """Whether some term needs the decoded event (not just the kind byte)."""
        return any(t.key != "kind" for t in self.terms)

    def kind_ok(self, code: int) -> bool:
        """The kind terms, checked on a frame's kind code alone."""
        for term in self.terms:
            if term.key == "kind":
                hit = any(KIND_CODES.get(v, -2) == code for v in term.values)
                if hit == term.negated:
                    return False
        return True

    def matches(self, event: Event, line: str, node: str | None) -> bool:
        """Every term holds for `event` (its rendered `line`, its `node` if any)."""
        for term in self.terms:
            if term.key == "kind":
                hit = event.kind in term.values
            elif term.key == "node":
                hit = node is not None and node in term.values
            elif term.key == "ns":
                joined = "/".join(event.ns)
                hit = any((v == "root" and not event.ns) or (v != "root" and v in joined)
                          for v in term.values)
            elif term.key == "step":
                hit = str(event.step) in term.values
            else:
                hit = any(v in line.lower() for v in term.values)
            if hit == term.negated:
                return False
        return True


def parse_filter(text: str) -> EventFilter:
    """`kind:token node:agent -ns:inner word` → EventFilter (see the module docstring)."""
    terms: list[Term] = []
    problems: list[str] = []
    for raw in text.split():
        negated = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negated else raw
        key, sep, rest = body.partition(":")
        if sep and key in KEYS:
            values = tuple(v for v in rest.split(",") if v)
            if not values:
                problems.append(raw)
                continue
            if key == "kind":
                bad = [v for v in values if v not in KIND_CODES]
                if bad:
                    problems.append(raw)
            terms.append(Term(key, values, negated))
        else:
            terms.append(Term("", (body.lower(),), negated))
    return EventFilter(tuple(terms), tuple(problems))


def node_of(event: Event, calls: dict[Any, str]) -> str | None:
    """The node an event belongs to; token/llm_end events are named through their
    call number, which `calls` learns from llm_start events seen before them."""
    name = event.data.get("name")
    if event.kind == "llm_start":
        calls[event.data.get("n")] = name or "?"
    if name is None and event.kind in ("token", "llm_end"):
        return calls.get(event.data.get("n"))
    return name if isinstance(name, str) else None


def _details(event: Event) -> str:
    d = event.data
    kind = event.kind
    if kind == "run_start":
        graph = d.get("graph") or {}
        return f"run {d.get('run_id')} graph {graph.get('name')}"
    if kind == "step_start":
        return ", ".join(d.get("names") or [])
    if kind == "task_start":
        return f"{d.get('name')} ← {', '.join(d.get('triggers') or ())}"
    if kind == "task_end":
        keys = ", ".join(k for k, _ in d.get("writes") or ())
        err = d.get("error")
        tail = f" ✗ {getattr(err, 'name', '')}: {err}" if err is not None else ""
        return f"{d.get('name')} {duration(d.get('duration'))} wrote [{keys}]{tail}"
    if kind == "custom":
        return f"{d.get('name')} {inline(d.get('payload'), 120)}"
    if kind == "token":
        return f"#{d.get('n')} {d.get('x', '')!r}"
    if kind == "llm_start":
        return f"#{d.get('n')} {d.get('name')} {d.get('model')}"
    if kind == "llm_end":
        tokens = d.get("tokens")
        return f"#{d.get('n')} {tokens} token{'' if tokens == 1 else 's'} {duration(d.get('d'))}"
    if kind == "step_end":
        return "changed " + ", ".join(str(x[1]) for x in d.get("d") or () if len(x) > 1)
    if kind == "run_end":
        return f"{d.get('status')} {duration(d.get('duration'))}"
    return inline(d, 120)


def event_line(event: Event) -> str:
    """The event as one line: seq, time, step, kind, namespace, details."""
    ns = "/".join(part.split(":", 1)[0] for part in event.ns) or "·"
    return (f"{event.seq:>7}  {event.t / 1e9:>9.3f}s  s{event.step:<4} "
            f"{event.kind:<10} {ns:<8} {_details(event)}")
