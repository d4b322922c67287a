"""The v3 streaming protocol: `graph.stream_events(version="v3")` and its async twin.

A run returns a `GraphRunStream` whose projections (`run.values`, `run.messages`,
`run.lifecycle`, `run.subgraphs`, plus any registered transformer's) are filled from the
run's events by `StreamTransformer`s; reading any of them drives the run.
"""

from __future__ import annotations

from engine.stream.mux import StreamMux
from engine.stream.protocol import ProtocolEvent, StreamTransformer
from engine.stream.run_stream import (
    AsyncGraphRunStream,
    AsyncSubgraphRunStream,
    GraphRunStream,
    SubgraphRunStream,
)
from engine.stream.stream_channel import StreamChannel
from engine.stream.transformers import (
    CheckpointsTransformer,
    CustomTransformer,
    DebugTransformer,
    LifecyclePayload,
    LifecycleTransformer,
    MessagesTransformer,
    SubgraphStatus,
    SubgraphTransformer,
    TasksTransformer,
    UpdatesTransformer,
    ValuesTransformer,
)

__all__ = [
    "AsyncGraphRunStream",
    "AsyncSubgraphRunStream",
    "CheckpointsTransformer",
    "CustomTransformer",
    "DebugTransformer",
    "GraphRunStream",
    "LifecyclePayload",
    "LifecycleTransformer",
    "MessagesTransformer",
    "ProtocolEvent",
    "StreamChannel",
    "StreamMux",
    "StreamTransformer",
    "SubgraphRunStream",
    "SubgraphStatus",
    "SubgraphTransformer",
    "TasksTransformer",
    "UpdatesTransformer",
    "ValuesTransformer",
]
