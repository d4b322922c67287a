"""The state tree's model: each value of the state as a node with a label and children.

A node's `path` (the labels from the state's top down) identifies it across steps, so
the tree can keep open what the user opened. A shortened string opens to its whole
text, wrapped into lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.views.values import LIMIT, children, is_long, summary, wrap

TEXT_WIDTH = 100
"""Width of the lines a long string's whole text is wrapped into."""


@dataclass(frozen=True)
class StateNode:
    """One value of the state: where it is, how it reads, whether it opens."""

    path: tuple[str, ...]
    key: str
    value: Any
    label: str
    expandable: bool

    @property
    def is_text(self) -> bool:
        """A shortened string: it opens to its whole text."""
        return isinstance(self.value, str) and self.expandable


def make_node(parent: tuple[str, ...], key: str, value: Any, limit: int = LIMIT,
              width: int | None = None) -> StateNode:
    """The node for `value` under `parent`, labelled `key: summary`; with `width` (the
    columns its label has) a string that would not fit is shortened too, so it opens to
    its whole text instead of being cut at the edge."""
    if width is not None:
        room = width - len(key) - 2  # after "key: "
        if isinstance(value, str) and "\n" not in value and len(value) + 2 <= room:
            limit = max(limit, len(value))  # it fits: shown whole, nothing to open
        else:  # cut to fit, with the quotes and "… (N chars)" shorten adds
            tail = 4 + len(f" ({len(value):,} chars)") if isinstance(value, str) else 1
            limit = max(12, min(limit, room - tail))
    if isinstance(value, str):
        expandable = is_long(value, limit)
    else:
        kids = children(value)
        expandable = bool(kids)
    label = f"{key}: {summary(value, limit)}" if key else summary(value, limit)
    return StateNode((*parent, key), key, value, label, expandable)


def state_nodes(state: dict[str, Any], limit: int = LIMIT,
                width: int | None = None) -> list[StateNode]:
    """The top-level nodes: one per state key, in the state's order."""
    return [make_node((), str(k), v, limit, width) for k, v in state.items()]


def child_nodes(node: StateNode, limit: int = LIMIT,
                width: int | None = None) -> list[StateNode]:
    """What `node` opens to: its fields/items, or a long string's wrapped lines."""
    if isinstance(node.value, str):
        columns = TEXT_WIDTH if width is None else max(20, min(TEXT_WIDTH, width))
        return [StateNode((*node.path, f"#{i}"), f"#{i}", line, line, False)
                for i, line in enumerate(wrap(node.value, columns))]
    return [make_node(node.path, k, v, limit, width) for k, v in children(node.value) or ()]


def expanded_paths_after(opened: set[tuple[str, ...]], path: tuple[str, ...],
                         expanded: bool) -> set[tuple[str, ...]]:
    """The set of open paths once `path` is opened or closed (closing forgets below it)."""
    if expanded:
        return opened | {path}
    return {p for p in opened if p[: len(path)] != path}
