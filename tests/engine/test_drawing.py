"""`get_graph()` and `draw_mermaid()`: expected texts are what LangGraph 1.2.22 draws for
the same graphs (observed; LangGraph is not imported here)."""

from __future__ import annotations

from typing import Any, TypedDict

from engine.graph import END, START, StateGraph


class S(TypedDict, total=False):
    x: int


def noop(state: S) -> dict[str, Any]:
    return {}


class TestEdges:
    """Edge order and the edges to END."""

    def test_sorted_with_labels_and_termini_last(self) -> None:
        """Found edges sorted by source then target; END edges of termini last."""
        graph = (StateGraph(S).add_node("a", noop).add_node("b", noop).add_node("c", noop)
                 .add_edge(START, "a").add_edge("a", "c")
                 .add_conditional_edges("a", lambda s: "b", {"go": "b", "stop": END})
                 .add_edge("b", END).compile())
        assert graph.get_graph().draw_mermaid(with_styles=False) == (
            "graph TD;\n"
            "\t__start__ --> a;\n"
            "\ta -. &nbsp;stop&nbsp; .-> __end__;\n"
            "\ta -. &nbsp;go&nbsp; .-> b;\n"
            "\ta --> c;\n"
            "\tb --> __end__;\n"
            "\tc --> __end__;\n")

    def test_ids_are_escaped_and_self_loops_come_last(self) -> None:
        """A space becomes \\20 in ids; a self-loop is its own group, after the rest."""
        graph = (StateGraph(S).add_node("Do It", noop).add_edge(START, "Do It")
                 .add_conditional_edges("Do It", lambda s: END, {"again": "Do It", "end": END})
                 .compile())
        assert graph.get_graph().draw_mermaid(with_styles=False) == (
            "graph TD;\n"
            "\tDo\\20It -. &nbsp;end&nbsp; .-> __end__;\n"
            "\t__start__ --> Do\\20It;\n"
            "\tDo\\20It -. &nbsp;again&nbsp; .-> Do\\20It;\n")


class TestXray:
    """xray puts a subgraph's nodes in place of its node."""

    def graph(self) -> Any:
        sub = (StateGraph(S).add_node("p", noop).add_node("q", noop)
               .add_edge(START, "p").add_edge("p", "q").compile())
        return (StateGraph(S).add_node("a", noop).add_node("b", sub)
                .add_edge(START, "a").add_edge("a", "b").add_edge("b", END)
                .compile(interrupt_before=["a"]))

    def test_flattened_nodes_and_edges(self) -> None:
        """Prefixed ids, trimmed subgraph ends, rewired parent edges."""
        drawn = self.graph().get_graph(xray=True)
        assert list(drawn.nodes) == ["__start__", "a", "__end__", "b:p", "b:q"]
        assert [n.name for n in drawn.nodes.values()][3:] == ["b:p", "b:q"]
        assert [(e.source, e.target) for e in drawn.edges] == [
            ("__start__", "a"), ("a", "b:p"), ("b:q", "__end__"), ("b:p", "b:q")]

    def test_mermaid_with_styles(self) -> None:
        """Metadata in labels; the subgraph as a block with its own nodes."""
        assert self.graph().get_graph(xray=True).draw_mermaid() == (
            "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
            "\t__start__([<p>__start__</p>]):::first\n"
            "\ta(a<hr/><small><em>__interrupt = before</em></small>)\n"
            "\t__end__([<p>__end__</p>]):::last\n"
            "\t__start__ --> a;\n"
            "\ta --> b\\3ap;\n"
            "\tb\\3aq --> __end__;\n"
            "\tsubgraph b\n"
            "\tb\\3ap(p)\n"
            "\tb\\3aq(q)\n"
            "\tb\\3ap --> b\\3aq;\n"
            "\tend\n"
            "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
            "\tclassDef first fill-opacity:0\n"
            "\tclassDef last fill:#bfb6fc\n")

    def test_to_json_names_runnable_classes(self) -> None:
        """Nodes name LangGraph's runnable classes; END has its id only."""
        nodes = self.graph().get_graph().to_json()["nodes"]
        assert nodes[1] == {"id": "a", "type": "runnable", "data": {
            "id": ["langgraph", "_internal", "_runnable", "RunnableCallable"], "name": "a"},
            "metadata": {"__interrupt": "before"}}
        assert nodes[2]["data"]["id"][-1] == "CompiledStateGraph"
        assert nodes[3] == {"id": "__end__"}


class TestDestinations:
    """`add_node(..., destinations=...)`: a Command's targets drawn as conditional edges."""

    def test_a_dict_labels_its_edges_and_a_tuple_does_not(self) -> None:
        def builder(destinations: Any) -> Any:
            return (StateGraph(S).add_node("a", noop, destinations=destinations)
                    .add_node("b", noop).add_node("c", noop).add_edge(START, "a").compile())

        labelled = builder({"b": "go", "c": "alt"}).get_graph()
        assert [(e.source, e.target, e.data, e.conditional) for e in labelled.edges][1:3] == [
            ("a", "b", "go", True), ("a", "c", "alt", True)]
        assert "\ta -. &nbsp;go&nbsp; .-> b;\n" in labelled.draw_mermaid(with_styles=False)
        plain = builder(("b", "c")).get_graph()
        assert [(e.target, e.data) for e in plain.edges if e.source == "a"] == [
            ("b", None), ("c", None)]


class TestLoops:
    """A graph with no way to END (human ↔ agent) gets LangGraph's conditional exit."""

    def test_the_last_node_reached_gets_a_conditional_edge_to_end(self) -> None:
        graph = (StateGraph(S).add_node("human", noop).add_node("agent", noop)
                 .add_edge(START, "human").add_edge("human", "agent")
                 .add_edge("agent", "human").compile().get_graph())
        assert [(e.source, e.target, e.conditional) for e in graph.edges] == [
            ("__start__", "human", False), ("agent", "human", False),
            ("human", "agent", False), ("agent", "__end__", True)]
        assert "\tagent -.-> __end__;\n" in graph.draw_mermaid(with_styles=False)

    def test_a_deferred_node_says_so_in_its_metadata(self) -> None:
        graph = (StateGraph(S).add_node("a", noop).add_node("b", noop, defer=True)
                 .add_edge(START, "a").add_edge("a", "b").compile().get_graph())
        assert graph.nodes["b"].metadata == {"defer": True}
        assert graph.nodes["a"].metadata is None
