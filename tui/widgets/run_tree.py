"""The namespace tree: the trace's runs (root, subgraphs, forks); choosing one scopes views."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.run_paths import RunNode
from tui.selection import Selection


class RunTree(Tree[int]):
    """Every run of the trace as a tree; selecting a node posts `RunChosen`."""

    DEFAULT_CSS = """
    RunTree { height: auto; max-height: 8; }
    """

    class RunChosen(Message):
        """Posted when the user chooses a run (root, subgraph or fork) in the tree."""

        def __init__(self, run: int) -> None:
            super().__init__()
            self.run = run

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("runs", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._runs: list[RunNode] = []
        self._quiet = False

    def set_runs(self, nodes: list[RunNode]) -> None:
        """(Re)build the tree from `run_paths.run_nodes`; unchanged runs keep the tree."""
        if [(n.run, n.label) for n in nodes] == [(n.run, n.label) for n in self._runs]:
            return
        self._runs = list(nodes)
        self.clear()
        made: dict[int | None, TreeNode[int]] = {}
        for node in nodes:
            parent = made.get(node.parent, self.root)
            made[node.run] = parent.add(Text(node.label), data=node.run, expand=True)
        self.root.expand_all()

    def show(self, selection: Selection) -> None:
        """Highlight the selected run without posting `RunChosen`."""
        for line in range(self.last_line + 1):
            node = self.get_node_at_line(line)
            if node is not None and node.data == selection.run:
                self.cursor_line = line
                return

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.RunChosen(event.node.data))
