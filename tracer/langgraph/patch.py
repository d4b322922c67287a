"""Where stepscope attaches to LangGraph: the start of every Pregel loop.

One method of LangGraph's loop class is wrapped, process-wide: `PregelLoop._first`,
which both the sync and the async loop call once, after loading the checkpoint and
before applying the input. The wrapper decides whether the run is recorded (a root run
while sinks are attached, or a subgraph run inside a recorded task); an unrecorded run
costs that one check. A recorded run gets a `LoopObserver` on that loop object, and a
stream writer that also reports the custom data its nodes write.

Why not LangGraph's public hooks alone (README, "Recording LangGraph programs"):
callbacks see node calls but neither supersteps nor the state LangGraph computes;
stream modes would have to be added to the program's own `stream()` call, which
changes what it receives; a checkpointer sees states only as often as it saves them.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from functools import cache
from types import FrameType
from typing import Any

from engine.events import global_sinks
from tracer.langgraph import models
from tracer.langgraph.observer import CONF, TASK_ID_KEY, LoopObserver, tasks_running

RUNTIME_KEY = "__pregel_runtime"
_install_lock = threading.Lock()
_installed = False


def installed() -> bool:
    return _installed


def install() -> None:
    """Wrap `PregelLoop._first` (once per process). Imports LangGraph: call it only when
    the program uses LangGraph (`tracer.langgraph.install_when_imported`)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from langgraph.pregel._loop import PregelLoop

        first = PregelLoop._first

        def _first(self: Any, *args: Any, **kwargs: Any) -> Any:
            observer = _observe(self)
            result = first(self, *args, **kwargs)
            if observer is not None:
                try:
                    observer.input_applied()
                except Exception:
                    pass
            return result

        _first.__wrapped__ = first  # type: ignore[attr-defined]
        PregelLoop._first = _first  # type: ignore[method-assign]
        _installed = True


def _observe(loop: Any) -> LoopObserver | None:
    """A recorded loop's observer, attached and its run_start emitted; else None."""
    try:
        parent_task = loop.config.get(CONF, {}).get(TASK_ID_KEY)
        parent = tasks_running.get(parent_task) if parent_task is not None else None
        if parent is None and (parent_task is not None or not global_sinks()):
            return None  # not recording, or a subgraph of an unrecorded run
        observer = LoopObserver(loop, _graph_of(loop), parent, parent_task)
        _wrap_stream_writer(loop)
        observer.attach()
        if parent is None:
            models.attach(loop)
        observer.run_start()
        return observer
    except Exception:  # recording never breaks the run
        return None


def _graph_of(loop: Any) -> Any:
    """The compiled graph running `loop`. The loop does not keep it, but it was built
    from its `nodes` mapping by the graph's own `stream`/`astream`, one or two frames
    up from `_first` (once per run)."""
    frame: FrameType | None = sys._getframe(2)
    for _ in range(6):
        if frame is None:
            break
        owner = frame.f_locals.get("self")
        if (owner is not None and owner is not loop
                and getattr(owner, "nodes", None) is loop.nodes):
            return owner
        frame = frame.f_back
    return None


def _wrap_stream_writer(loop: Any) -> None:
    """Give the loop's tasks a stream writer that reports each chunk as a custom event,
    then hands it to the writer the program had (so its stream is unchanged); and a
    runtime that reports retries (`_recording_runtime`)."""
    configurable = loop.config.get(CONF, {})
    runtime = configurable.get(RUNTIME_KEY)
    if runtime is None:
        return
    inner = runtime.stream_writer
    inner = getattr(inner, "stepscope_inner", inner)  # one recording layer, not one per level
    writer = _recording_writer(inner)
    cls = _recording_runtime()
    fields = {name: getattr(runtime, name) for name in _init_fields(type(runtime))}
    fields["stream_writer"] = writer
    loop.config = {**loop.config, CONF: {**configurable, RUNTIME_KEY: cls(**fields)}}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    """A dataclass's constructor fields (looked up once per class)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return found


@cache
def _recording_runtime() -> type:
    """LangGraph's Runtime, noting retries: before each attempt of a task, LangGraph's
    retry loop patches the task's runtime with the attempt's number (`node_attempt`,
    from 1); a number above 1 is a retry, noted on the task's run. The class is kept
    by LangGraph's own copies of the runtime (they are dataclass replacements)."""
    from langgraph.runtime import Runtime

    class RecordingRuntime(Runtime):
        def patch_execution_info(self, **overrides: Any) -> Any:
            patched = super().patch_execution_info(**overrides)
            attempt = overrides.get("node_attempt")
            if isinstance(attempt, int) and attempt > 1:
                info = patched.execution_info
                observer = tasks_running.get(info.task_id) if info is not None else None
                if info is not None and observer is not None:
                    observer.retrying(info.task_id, attempt)
            return patched

    return RecordingRuntime


def _recording_writer(inner: Callable[[Any], None]) -> Callable[[Any], None]:
    from langgraph.config import get_config

    def stream_writer(chunk: Any) -> None:
        try:
            config: dict[str, Any] = dict(get_config())
            task_id = config.get(CONF, {}).get(TASK_ID_KEY)
            observer = tasks_running.get(task_id)
            if observer is not None:
                name = config.get("metadata", {}).get("langgraph_node")
                observer.custom(task_id, name, chunk)
        except Exception:
            pass
        inner(chunk)

    stream_writer.stepscope_inner = inner  # type: ignore[attr-defined]
    return stream_writer
