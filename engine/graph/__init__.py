"""Graph building: `StateGraph`, the START/END endpoints, and message state helpers."""

from engine.constants import END, START
from engine.graph.message import MessagesState, add_messages
from engine.graph.message_graph import MessageGraph
from engine.graph.state import StateGraph
from engine.pregel.compiled import CompiledStateGraph

__all__ = ["END", "START", "CompiledStateGraph", "MessageGraph", "MessagesState", "StateGraph",
           "add_messages"]
