"""StateTree: the full state after the selected step, as an expandable tree."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from tracer.entries import Damage
from tui.selection import Selection
from tui.views.state_data import StateNode, child_nodes, expanded_paths_after, state_nodes

Path = tuple[str, ...]


class StateTree(Tree[StateNode]):
    """The state at the selected step; opened nodes stay open on other steps.

    Long strings are shortened; enter (or `a`) on one opens its whole text.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "whole_text", "Whole text", id="state.whole_text"),
        # C, not c: c continues a debugged run, whatever has focus.
        Binding("C", "collapse_all", "Collapse all", id="state.collapse_all"),
    ]

    DEFAULT_CSS = """
    StateTree { height: 1fr; }
    """

    class StateLoaded(Message):
        """Posted (by the reading worker, to the tree itself) when a state was read."""

        def __init__(self, selection: Selection, state: dict[str, Any] | None,
                     problem: str | None = None,
                     unknown: dict[str, Damage] | None = None) -> None:
            super().__init__()
            self.selection = selection
            self.state = state
            self.problem = problem
            self.unknown = unknown or {}
            """Keys whose value depends on a damaged frame, with that damage."""

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__("state", name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.opened: set[Path] = set()
        """Paths of the nodes the user opened (kept across steps)."""
        self._filled: set[int] = set()
        self._rebuilding = False
        self._shown: tuple[dict[str, Any], int, int | None, dict[str, Damage]] | None = None
        """The state on show, its step, and the label width it was laid out for."""

    # -- showing a step ---------------------------------------------------------------
    def show(self, selection: Selection) -> None:
        """Read the state after `selection.step` in a worker; the tree updates when done."""
        self.selection = selection
        self._load(selection)

    @work(thread=True, exclusive=True, group="state-tree")
    def _load(self, selection: Selection) -> None:
        try:
            if get_current_worker().is_cancelled:
                return  # a newer step was selected meanwhile
            known = selection.trace.replayer.known_state(selection.step, selection.run)
        except Exception as exc:  # a damaged trace: say so in the tree, not a traceback
            self.post_message(self.StateLoaded(selection, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.StateLoaded(selection, known.state, unknown=known.unknown))

    def _fill(self, node: TreeNode[StateNode]) -> None:
        """Add `node`'s children (once), opening those the user had opened."""
        if node.id in self._filled or node.data is None:
            return
        self._filled.add(node.id)
        for child in child_nodes(node.data, width=self._label_width(len(node.data.path) + 1)):
            self._add(node, child)

    def _add(self, parent: TreeNode[StateNode], item: StateNode) -> None:
        if not item.expandable:
            parent.add_leaf(Text(item.label), item)  # Text: state values are not markup
            return
        node = parent.add(Text(item.label), item)
        if item.path in self.opened:
            self._fill(node)
            node.expand()

    def _label_width(self, depth: int) -> int | None:
        """Columns a label at `depth` (1: the state's keys) has before the edge, or None
        before the first layout."""
        width = self.scrollable_content_region.width
        return width - self.guide_depth * depth - 3 if width > 0 else None

    def on_resize(self, event: events.Resize) -> None:
        """Lay the labels out again for the new width (the tree may first be filled while
        its tab is hidden, with no width yet)."""
        if self._shown is not None and self._shown[2] != self._label_width(1):
            self._rebuild(self._shown[0], self._shown[1], self._shown[3])

    def _rebuild(self, state: dict[str, Any], step: int,
                 unknown: dict[str, Damage] | None = None) -> None:
        cursor = self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        unknown = unknown or {}
        self._rebuilding = True
        self.clear()
        self._filled = set()
        title = f"state after step {step}" if step > 0 else "input (step 0)"
        if unknown:
            first = min(unknown.values(), key=lambda d: d.offset)
            title += (f" — ⚠ not whole: {len(unknown)} key{'s' * (len(unknown) != 1)} "
                      f"unknown (damaged at byte {first.offset})")
        self.root.set_label(Text(title))
        width = self._label_width(1)
        self._shown = (state, step, width, unknown)
        for item in state_nodes(state, width=width):
            if item.key in unknown:
                self._add_unknown(item.key, unknown[item.key])
            else:
                self._add(self.root, item)
        for key, damage in unknown.items():
            if key not in state:
                self._add_unknown(key, damage)
        self.root.expand()
        self._rebuilding = False
        if cursor is not None:
            found = self.find(cursor)
            if found is not None:
                self.call_after_refresh(self.move_cursor, found)

    def _add_unknown(self, key: str, damage: Damage) -> None:
        """A key whose value a damaged frame took: say so instead of showing a guess."""
        label = Text(f"{key}: ⚠ unknown — {damage.reason} (byte {damage.offset})")
        self.root.add_leaf(label, StateNode((key,), key, None, label.plain, False))

    def find(self, path: Path) -> TreeNode[StateNode] | None:
        """The node shown for `path`, if it is in the tree (opened that far)."""
        node: TreeNode[StateNode] = self.root
        for depth in range(1, len(path) + 1):
            for child in node.children:
                if child.data is not None and child.data.path == path[:depth]:
                    node = child
                    break
            else:
                return None
        return node

    # -- handlers ---------------------------------------------------------------------
    def on_state_tree_state_loaded(self, message: StateLoaded) -> None:
        message.stop()
        if message.selection != self.selection:
            return  # a newer step was asked for meanwhile
        if message.state is None:
            self.clear()
            self.root.set_label(Text(f"state unavailable: {message.problem}"))
            return
        self._rebuild(message.state, message.selection.step, message.unknown)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[StateNode]) -> None:
        node = event.node
        self._fill(node)
        if node.data is not None and not self._rebuilding:
            self.opened = expanded_paths_after(self.opened, node.data.path, True)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[StateNode]) -> None:
        node = event.node
        if node.data is not None and not self._rebuilding:
            self.opened = expanded_paths_after(self.opened, node.data.path, False)

    # -- actions ----------------------------------------------------------------------
    def action_whole_text(self) -> None:
        """Open (or close) the whole text of the long string under the cursor."""
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.is_text:
            self._fill(node)
            node.toggle()

    def action_collapse_all(self) -> None:
        """Close every node (and forget what was open)."""
        self.opened = set()
        for child in self.root.children:
            child.collapse_all()
