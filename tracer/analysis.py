"""LLM calls from token events: time to first token, tokens per second, gaps, stalls.

Pure: it takes decoded events (llm_start, token, llm_end) and returns `LLMCall`s.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.events import Event

STALL_MIN_NS = 500_000_000
"""A gap between tokens is a stall if it is over 0.5 s and over 5× the call's median gap."""


@dataclass
class LLMCall:
    """One chat-model call and its tokens (times in ns since the run started)."""

    number: int
    call_id: str
    task_id: str
    node: str | None
    ns: tuple[str, ...]
    step: int
    model: str | None
    provider: str | None
    tags: list[str]
    start: int
    end: int | None = None
    tokens: list[tuple[int, str]] = field(default_factory=list)
    error: Any = None
    usage: Any = None
    text: str | None = None

    @property
    def ttft(self) -> int | None:
        """Time to first token, ns."""
        return self.tokens[0][0] - self.start if self.tokens else None

    @property
    def duration(self) -> int | None:
        return None if self.end is None else self.end - self.start

    @property
    def gaps(self) -> list[int]:
        times = [t for t, _ in self.tokens]
        return [b - a for a, b in itertools.pairwise(times)]

    @property
    def tokens_per_second(self) -> float | None:
        """Tokens after the first, over the time they took (None if under two tokens)."""
        if len(self.tokens) < 2:
            return None
        span = self.tokens[-1][0] - self.tokens[0][0]
        return (len(self.tokens) - 1) / (span / 1e9) if span > 0 else None

    @property
    def stalls(self) -> list[tuple[int, int]]:
        """(index of the token after the gap, gap ns) for unusually long gaps."""
        gaps = self.gaps
        if not gaps:
            return []
        limit = max(STALL_MIN_NS, 5 * statistics.median(gaps))
        return [(i + 1, g) for i, g in enumerate(gaps) if g > limit]

    @property
    def streamed_text(self) -> str:
        return "".join(text for _, text in self.tokens)


def text_of(value: Any) -> str:
    """`value` as text, whatever it is (a malformed trace may hold anything where text
    belongs, even lists nested too deep for `str`)."""
    if type(value) is str:
        return value
    try:
        return str(value)
    except Exception:  # RecursionError, or a broken __str__ of a rebuilt object
        return f"<{type(value).__name__}>"


def text_or_none(value: Any) -> str | None:
    return None if value is None else text_of(value)


def llm_calls(events: Iterable[Event]) -> list[LLMCall]:
    """Group llm_start / token / llm_end events into calls, in start order. Events whose
    call number is not an int (a malformed trace) belong to no call and are left out."""
    calls: dict[tuple[tuple[str, ...], int], LLMCall] = {}
    by_number: dict[int, LLMCall] = {}
    for event in events:
        data = event.data
        number = data.get("n", -1)
        if type(number) is not int:
            continue
        if event.kind == "llm_start":
            tags = data.get("tags")
            call = LLMCall(number, text_of(data.get("call", "")),
                           text_of(data.get("task_id", "")), text_or_none(data.get("name")),
                           event.ns, event.step, text_or_none(data.get("model")),
                           text_or_none(data.get("provider")),
                           [text_of(t) for t in tags] if type(tags) is list else [], event.t)
            calls[(event.ns, number)] = call
            by_number[number] = call
            continue
        found = by_number.get(number)
        if found is None:
            continue
        if event.kind == "token" and not data.get("h"):
            found.tokens.append((event.t, text_of(data.get("x", ""))))
        elif event.kind == "llm_end":
            found.end = event.t
            found.error = data.get("e")
            found.usage = data.get("usage")
            found.text = text_or_none(data.get("text"))
    return list(calls.values())
