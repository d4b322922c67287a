"""The graph layout and drawing, on topologies recorded in real traces."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import tracer
from tracer.steps import RunSteps
from tui.views.graph_canvas import DASHED, LINES, Marks, draw, step_marks, styled_rows
from tui.views.graph_layout import DISPLAY, layout

Opener = Callable[[str], tracer.Trace]
NAMES = ["agent", "joke_poem", "branching", "subgraph", "failing"]


def shown(name: str) -> str:
    return DISPLAY.get(name, name)


class TestLayout:
    """Boxes and edge paths from `layout`."""

    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("compact", [False, True])
    def test_every_node_appears_once(self, open_trace: Opener, name: str,
                                     compact: bool) -> None:
        """Each node's name is drawn exactly once, and boxes never overlap."""
        topology = open_trace(name).topology
        canvas = draw(layout(topology, compact=compact))
        text = canvas.text()
        for node in topology["nodes"]:
            assert len(re.findall(rf"(?<![\w]){shown(node['name'])}(?![\w])", text)) == 1
        boxes = list(canvas.layout.boxes.values())
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                cells_a = {(x, y) for x in range(a.x, a.x + a.w) for y in range(a.y, a.y + a.h)}
                assert not any(b.contains(x, y) for x, y in cells_a)

    @pytest.mark.parametrize("name", NAMES)
    def test_edges_connect_their_boxes(self, open_trace: Opener, name: str) -> None:
        """Each edge starts on its source box and ends with an arrow into its target box."""
        graph = layout(open_trace(name).topology)
        canvas = draw(graph)
        for edge in graph.edges:
            if edge.source == edge.target:
                continue
            first, last = edge.points[0], edge.points[-1]
            assert graph.boxes[edge.source].contains(*first)
            assert graph.boxes[edge.target].contains(*last)
            x, y = last
            arrow_y = y - 1 if not edge.back else y + 1
            assert canvas.char(x, arrow_y) == ("▲" if edge.back else "▼")

    def test_layers_follow_the_edges(self, open_trace: Opener) -> None:
        """Forward edges go down a layer or more; the loop back to plan is a back edge."""
        graph = layout(open_trace("branching").topology)
        for edge in graph.edges:
            upper, lower = graph.boxes[edge.source], graph.boxes[edge.target]
            if edge.back:
                upper, lower = lower, upper
            assert upper.layer < lower.layer
        back = [(e.source, e.target) for e in graph.edges if e.back]
        assert back == [("review", "plan")]
        assert graph.boxes["__end__"].layer == max(b.layer for b in graph.boxes.values())

    def test_joins_share_one_port(self, open_trace: Opener) -> None:
        """The waiting edge fast+slow → merge ends in one arrow, where both lines meet."""
        graph = layout(open_trace("branching").topology)
        ends = {e.points[-1] for e in graph.edges if e.join}
        assert len(ends) == 1
        assert len([e for e in graph.edges if e.join]) == 2

    def test_typical_graphs_fit_120_by_30(self, open_trace: Opener) -> None:
        """The recorded graphs fit 120×30 (compact when the full boxes are too tall)."""
        for name in NAMES:
            full = draw(layout(open_trace(name).topology))
            compact = draw(layout(open_trace(name).topology, compact=True))
            best = full if len(full.cells) <= 30 else compact
            assert len(best.cells) <= 30 and best.width <= 120


class TestCanvas:
    """Characters: dashed conditional edges, labels, subgraph borders."""

    def test_conditional_edges_are_dashed_and_labelled(self, open_trace: Opener) -> None:
        """Cells only conditional edges use are dashed; 'again' and 'finish' are drawn."""
        canvas = draw(layout(open_trace("branching").topology))
        edges = canvas.layout.edges
        for row in canvas.cells:
            for cell in row:
                if cell.dirs and cell.edges and cell.node is None:
                    all_conditional = all(edges[i].conditional for i in cell.edges)
                    assert cell.dashed == all_conditional
        text = canvas.text()
        dashed = set(DASHED.values()) - set(LINES.values())
        assert any(ch in text for ch in dashed)
        for label in ("again", "finish"):
            assert label in text
            index = next(e.index for e in edges if e.label == label)
            assert any(c.label == index for row in canvas.cells for c in row)

    def test_subgraph_nodes_have_double_borders(self, open_trace: Opener) -> None:
        """node_2 (a subgraph) is boxed in ╔═╗, plain nodes in ┌─┐."""
        canvas = draw(layout(open_trace("subgraph").topology))
        box = canvas.layout.boxes["node_2"]
        assert canvas.row_text(box.y)[box.x] == "╔"
        other = canvas.layout.boxes["node_1"]
        assert canvas.row_text(other.y)[other.x] == "┌"


class TestMarks:
    """The selected step's statuses and fired edges."""

    def test_done_and_fired(self, open_trace: Opener) -> None:
        """Step 3 of branching: merge done, fired from fast and slow (the join)."""
        trace = open_trace("branching")
        graph = layout(trace.topology)
        steps = RunSteps(trace, 0)
        pos = steps.position(3)
        assert pos is not None
        now, before = steps.timing(pos), steps.timing(pos - 1)
        marks = step_marks(graph, [(t.name or "?", t.status) for t in now.tasks],
                           [t.name or "?" for t in before.tasks])
        assert marks.status == {"merge": "done"}
        assert {(graph.edges[i].source, graph.edges[i].target) for i in marks.fired} == {
            ("fast", "merge"), ("slow", "merge")}

    def test_failed_node_is_marked(self, open_trace: Opener) -> None:
        """The failing step marks boom failed, with ✗ in its border and the failed role."""
        trace = open_trace("failing")
        steps = RunSteps(trace, 0)
        last = steps.timing(len(steps.entries) - 1)
        graph = layout(trace.topology)
        marks = step_marks(graph, [(t.name or "?", t.status) for t in last.tasks], ["plan"])
        assert marks.status == {"boom": "failed"}
        canvas = draw(graph)
        rows = styled_rows(canvas, marks)
        box = graph.boxes["boom"]
        top = "".join(t for t, _ in rows[box.y])
        assert "✗" in top
        assert ("failed" in {r for _, r in rows[box.y + 1]})
        assert "failed" not in {r for row in styled_rows(canvas, Marks()) for _, r in row}

    def test_first_step_fires_from_start(self, open_trace: Opener) -> None:
        """After the input step, the edges from START fired (both, for joke ∥ poem)."""
        graph = layout(open_trace("joke_poem").topology)
        marks = step_marks(graph, [("write_joke", "done"), ("write_poem", "running")], [])
        fired = {(graph.edges[i].source, graph.edges[i].target) for i in marks.fired}
        assert fired == {("__start__", "write_joke"), ("__start__", "write_poem")}
        assert marks.status["write_poem"] == "running"
