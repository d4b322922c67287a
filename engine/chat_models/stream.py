"""`ChatModelStream`: one chat-model reply as content-block protocol events.

The events (`message-start`, `content-block-start` / `-delta` / `-finish`,
`message-finish`, `error`) are fed in with `dispatch`; the stream keeps them for replay
and builds typed projections: `.text` and `.reasoning` (string deltas), `.tool_calls`
(tool-call chunks; finalized calls as the value) and `.output`, the assembled
`AIMessage`, whose content is the finished blocks in index order.
`AsyncChatModelStream` is the same with awaitable projections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from typing import Any

from engine.chat_models.projection import Projection, TextProjection
from engine.messages import AIMessage

_LEGACY_DELTA_KEYS = {"text": ("text-delta", "text"), "reasoning": ("reasoning-delta", "reasoning")}


def _block(event: Mapping[str, Any]) -> dict[str, Any] | None:
    block = event.get("content") or event.get("content_block")
    return block if isinstance(block, dict) else None


def _delta(event: Mapping[str, Any]) -> dict[str, Any] | None:
    delta = event.get("delta")
    if isinstance(delta, dict):
        return delta
    block = event.get("content_block")  # the older shape: a partial block as the delta
    if not isinstance(block, dict):
        return None
    kind = _LEGACY_DELTA_KEYS.get(block.get("type", ""))
    if kind is None:
        return {"type": "block-delta", "fields": block}
    return {"type": kind[0], kind[1]: block.get(kind[1], "")}


class _StreamBase:
    def __init__(self, *, namespace: list[str] | None = None, node: str | None = None,
                 message_id: str | None = None) -> None:
        self._namespace = namespace or []
        self._node = node
        self._message_id = message_id
        self._text_acc = ""
        self._text_per_block: dict[int, str] = {}
        self._reasoning_per_block: dict[int, str] = {}
        self._tool_chunks: dict[int, dict[str, Any]] = {}
        self._tool_calls_acc: list[dict[str, Any]] = []
        self._blocks: dict[int, dict[str, Any]] = {}
        self._usage: dict[str, Any] | None = None
        self._start_metadata: dict[str, Any] | None = None
        self._finish_metadata: dict[str, Any] | None = None
        self._done = False
        self._error: BaseException | None = None
        self._output_message: AIMessage | None = None
        self._events: list[dict[str, Any]] = []
        self._text_proj = TextProjection()
        self._reasoning_proj = TextProjection()
        self._tool_calls_proj = Projection()

    def _projections(self) -> tuple[Projection, ...]:
        return (self._text_proj, self._reasoning_proj, self._tool_calls_proj)

    @property
    def text(self) -> TextProjection:
        return self._text_proj

    @property
    def reasoning(self) -> TextProjection:
        return self._reasoning_proj

    @property
    def tool_calls(self) -> Projection:
        return self._tool_calls_proj

    @property
    def namespace(self) -> list[str]:
        return self._namespace

    @property
    def node(self) -> str | None:
        return self._node

    @property
    def message_id(self) -> str | None:
        return self._message_id

    def set_message_id(self, message_id: str) -> None:
        self._message_id = message_id

    @property
    def done(self) -> bool:
        return self._done

    @property
    def has_events(self) -> bool:
        return bool(self._events)

    @property
    def output_message(self) -> AIMessage | None:
        """The assembled message once finished, without driving anything."""
        return self._output_message

    @property
    def usage(self) -> dict[str, Any] | None:
        return self._usage

    # -- feeding -------------------------------------------------------------------------
    def dispatch(self, event: Mapping[str, Any]) -> None:
        """Feed one protocol event."""
        self._record(dict(event))
        kind = event.get("event")
        if kind == "message-start":
            self._start_metadata = event.get("metadata")
            if event.get("id"):
                self._message_id = event["id"]
        elif kind == "content-block-start":
            self._block_start(event)
        elif kind == "content-block-delta":
            self._block_delta(event)
        elif kind == "content-block-finish":
            self._block_finish(event)
        elif kind == "message-finish":
            self._finish(event)
        elif kind == "error":
            self.fail(RuntimeError(event.get("message", "Unknown error")))

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)

    def _block_start(self, event: Mapping[str, Any]) -> None:
        block, idx = _block(event), event.get("index")
        if block is None or idx is None or block.get("type") != "tool_call_chunk":
            return
        store = self._tool_chunks.setdefault(idx, {})
        store.update({k: v for k, v in block.items() if v is not None})
        if isinstance(block.get("args"), str) and block["args"]:
            self._tool_chunk(idx, block["args"])

    def _tool_chunk(self, idx: int, args: str) -> None:
        store = self._tool_chunks[idx]
        item = {"type": "tool_call_chunk", "id": store.get("id"), "name": store.get("name"),
                "args": args}
        if store.get("index") is not None:
            item["index"] = store["index"]
        self._tool_calls_proj.push(item)

    def _block_delta(self, event: Mapping[str, Any]) -> None:
        delta, idx = _delta(event), event.get("index")
        if delta is None:
            return
        kind = delta.get("type")
        if kind == "text-delta" and delta.get("text"):
            self._add_text(idx, delta["text"])
        elif kind == "reasoning-delta" and delta.get("reasoning"):
            self._add_reasoning(idx, delta["reasoning"])
        elif kind == "tool-call-delta" and idx is not None and delta.get("args"):
            store = self._tool_chunks.setdefault(idx, {})
            store["args"] = store.get("args", "") + delta["args"]
            self._tool_chunk(idx, delta["args"])
        elif kind == "block-delta" and isinstance(delta.get("fields"), dict):
            fields = delta["fields"]
            if fields.get("type") == "tool_call_chunk":
                pos = idx if idx is not None else len(self._tool_chunks)
                store = self._tool_chunks.setdefault(pos, {})
                for key in ("id", "name", "index"):
                    if fields.get(key) is not None and key not in store:
                        store[key] = fields[key]
                if fields.get("args"):
                    store["args"] = store.get("args", "") + fields["args"]
                    self._tool_chunk(pos, fields["args"])

    def _add_text(self, idx: int | None, text: str) -> None:
        self._text_acc += text
        if idx is not None:
            self._text_per_block[idx] = self._text_per_block.get(idx, "") + text
        self._text_proj.push(text)

    def _add_reasoning(self, idx: int | None, text: str) -> None:
        key = -1 if idx is None else idx
        self._reasoning_per_block[key] = self._reasoning_per_block.get(key, "") + text
        self._reasoning_proj.push(text)

    def _block_finish(self, event: Mapping[str, Any]) -> None:
        block, idx = _block(event), event.get("index")
        if block is None:
            return
        kind = block.get("type")
        if kind == "text":
            so_far = self._text_per_block.get(idx, "") if idx is not None else self._text_acc
            full = block.get("text", "") or so_far
            if full != so_far and full.startswith(so_far):
                # The finish carries text no delta did: show the rest as a delta.
                self._add_text(idx, full[len(so_far):])
            if idx is not None:
                self._text_per_block[idx] = full
            block = {**block, "text": full}
        elif kind == "reasoning":
            key = -1 if idx is None else idx
            so_far = self._reasoning_per_block.get(key, "")
            full = block.get("reasoning", "") or so_far
            if full != so_far and full.startswith(so_far):
                self._add_reasoning(idx, full[len(so_far):])
            self._reasoning_per_block[key] = full
            if full:
                block = {**block, "reasoning": full}
        elif kind == "tool_call":
            block = {k: v for k, v in block.items() if k != "index"}
            block.setdefault("args", {})
            self._tool_calls_acc.append(block)
            if idx is not None:
                self._tool_chunks.pop(idx, None)
        key = idx if idx is not None else len(self._blocks)
        self._blocks[key] = dict(block)

    def _finish(self, event: Mapping[str, Any]) -> None:
        self._done = True
        self._usage = event.get("usage")
        self._finish_metadata = event.get("metadata")
        for idx, chunk in sorted(self._tool_chunks.items()):
            # Tool-call chunks that never got a finish event: parse their args now.
            call = _parse_tool_call(chunk)
            self._tool_calls_acc.append(call)
            self._blocks.setdefault(idx, call)
        self._tool_chunks.clear()
        text = ("".join(self._text_per_block[i] for i in sorted(self._text_per_block))
                if self._text_per_block else self._text_acc)
        reasoning = "".join(self._reasoning_per_block[i]
                            for i in sorted(self._reasoning_per_block))
        self._text_proj.complete(text)
        self._reasoning_proj.complete(reasoning)
        self._tool_calls_proj.complete(self._tool_calls_acc)
        self._output_message = self._assemble()

    def fail(self, error: BaseException) -> None:
        """End the stream with an error, failing every projection."""
        self._done = True
        self._error = error
        for proj in self._projections():
            proj.fail(error)

    def _assemble(self) -> AIMessage:
        content: Any = ([dict(self._blocks[i]) for i in sorted(self._blocks)]
                        if self._blocks else self._text_acc)
        metadata: dict[str, Any] = {}
        start = self._start_metadata or {}
        if "provider" in start:
            metadata["model_provider"] = start["provider"]
        if "model" in start:
            metadata["model_name"] = start["model"]
        metadata.update(self._finish_metadata or {})
        metadata["output_version"] = "v1"
        tool_calls = [{"id": tc.get("id", ""), "name": tc.get("name", ""),
                       "args": tc.get("args", {}), "type": "tool_call"}
                      for tc in self._tool_calls_acc]
        return AIMessage(content=content, id=self._message_id, tool_calls=tool_calls,
                         usage_metadata=self._usage, response_metadata=metadata)


def _parse_tool_call(chunk: dict[str, Any]) -> dict[str, Any]:
    import json

    raw = chunk.get("args") or ""
    try:
        args = json.loads(raw) if raw else {}
    except ValueError:
        args = {}
    return {"type": "tool_call", "id": chunk.get("id", ""), "name": chunk.get("name", ""),
            "args": args if isinstance(args, dict) else {}}


class ChatModelStream(_StreamBase):
    """A reply read synchronously: iterate `.text`, or read `.output` (which drives the
    producer to the end)."""

    def __init__(self, *, namespace: list[str] | None = None, node: str | None = None,
                 message_id: str | None = None) -> None:
        super().__init__(namespace=namespace, node=node, message_id=message_id)
        self._request_more: Callable[[], bool] | None = None

    def set_request_more(self, cb: Callable[[], bool]) -> None:
        self._request_more = cb
        for proj in self._projections():
            proj.set_request_more(cb)

    bind_pump = set_request_more

    @property
    def output(self) -> AIMessage:
        """The assembled message (drives the producer until the reply is finished)."""
        while not self._done and self._request_more is not None:
            if not self._request_more():
                break
        if self._error is not None:
            raise self._error
        if self._output_message is None:
            raise RuntimeError("Stream finished without producing a message")
        return self._output_message

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The raw protocol events, replayed from the first."""
        cursor = 0
        while True:
            if cursor < len(self._events):
                yield self._events[cursor]
                cursor += 1
            elif self._error is not None:
                raise self._error
            elif self._done or self._request_more is None:
                return
            elif not self._request_more() and cursor >= len(self._events) and not self._done:
                return


class AsyncChatModelStream(_StreamBase):
    """A reply read asynchronously: `await stream` (or `await stream.output`) for the
    message, `async for` over `.text` or over the stream's raw events."""

    def __init__(self, *, namespace: list[str] | None = None, node: str | None = None,
                 message_id: str | None = None) -> None:
        super().__init__(namespace=namespace, node=node, message_id=message_id)
        self._output_proj = Projection()
        self._events_proj = Projection()

    def _projections(self) -> tuple[Projection, ...]:
        return (*super()._projections(), self._output_proj, self._events_proj)

    def set_arequest_more(self, cb: Callable[[], Awaitable[bool]] | None) -> None:
        for proj in self._projections():
            proj.set_arequest_more(cb)

    @property
    def output(self) -> Projection:
        return self._output_proj

    def __await__(self) -> Generator[Any, None, Any]:
        return self._output_proj.__await__()

    def __aiter__(self) -> Any:
        return self._events_proj.__aiter__()

    def _record(self, event: dict[str, Any]) -> None:
        super()._record(event)
        self._events_proj.push(event)

    def _finish(self, event: Mapping[str, Any]) -> None:
        super()._finish(event)
        self._output_proj.complete(self._output_message)
        self._events_proj.complete(self._events)
