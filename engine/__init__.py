"""stepscope's graph engine: LangGraph's API (`langgraph.X` → `engine.X`), observable.

Every transition of a run is an event on the run's bus (`engine.events`); stream modes
are projections of those events. The engine does no file or terminal I/O.
"""

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig, get_config, get_stream_writer
from engine.constants import END, START
from engine.controller import Controller
from engine.errors import GraphRecursionError, InvalidUpdateError
from engine.events import Event, attach, capture_events
from engine.graph import CompiledStateGraph, MessagesState, StateGraph, add_messages
from engine.types import Command, Interrupt, Send, StreamWriter, interrupt
from engine.version import VERSION as __version__

__all__ = [
    "END",
    "START",
    "Command",
    "CompiledStateGraph",
    "Controller",
    "Event",
    "GraphRecursionError",
    "InMemorySaver",
    "Interrupt",
    "InvalidUpdateError",
    "MessagesState",
    "RunnableConfig",
    "Send",
    "StateGraph",
    "StreamWriter",
    "__version__",
    "add_messages",
    "attach",
    "capture_events",
    "get_config",
    "get_stream_writer",
    "interrupt",
]
