"""`SpanBuilder`: a trace's events → span records, as each span ends (pure; no
OpenTelemetry import). One builder serves both exports: `stepscope export --format
otlp` feeds it a file's events, and live export feeds it a run's events as they happen.

The span tree (GenAI conventions v1.41.0, see `otel_model`):

    invoke_workflow {graph}     a run; `invoke_agent {graph}` for an agent graph
      step {n}                  a superstep (step 0, the input, has no tasks: no span)
        {node}                  a task (node, triggers, status; error → exception event)
          invoke_workflow {sub} a subgraph run the task ran
          chat {model}          a model call the task made (CLIENT)
          execute_tool {name}   a tool call the task answered (a tool node)

Each root run is one trace. A resume after an interrupt is a new root run of the same
thread: its run span links to the run it goes on from; a fork's run span links to the
step it was forked from (`tracer.threads` says which is which). Runs of a thread carry
`gen_ai.conversation.id` and `session.id` (the thread id, when the run was given one).

An agent graph is one with a tool loop: a node named `tools` (the name of ToolNode, and
of the tool node `create_react_agent` and LangChain's `create_agent` make) with an edge
back to a node that routes to it; or, whatever the names, a run in which a model call
asked for tools and a task answered with tool messages.

Every span carries `stepscope.trace.path`, `stepscope.run.number` (the run's number in the
file), `stepscope.run.id` and `stepscope.step`, so a person can open that step locally
(`stepscope.view`: `stepscope view PATH --run N --step S`); a run span's step is its
last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.events import Event
from tracer.analysis import LLMCall, llm_calls, text_of
from tracer.export.otel_genai import (
    CallDetails,
    chat_attributes,
    error_attributes,
    provider_name,
    tool_attributes,
    tool_results,
)
from tracer.export.otel_model import (
    SpanEvent,
    SpanLink,
    SpanRecord,
    clean,
    json_text,
    span_id_of,
    trace_id_of,
    view_hint,
)
from tracer.export.otel_threads import ThreadBook
from tracer.summary import RunSpan, StepSpan, TaskSpan, TraceSummarizer, is_stop


@dataclass(slots=True)
class _Run:
    """What the builder keeps of one run beside the summary's RunSpan."""

    span: RunSpan
    key: str
    root_key: str
    trace_id: int
    span_id: int
    parent_id: int | None
    wall_ns: int
    thread: str | None
    topology: Any
    asked_tools: bool = False
    answered_tools: bool = False
    provider: str | None = None


@dataclass(slots=True)
class _Call:
    run: int
    events: list[Event]
    details: CallDetails


class SpanBuilder:
    """`add(event)` returns the spans that event ended; `finish()` the spans still open
    (a crashed or unfinished run: they end at the last event seen, status unset)."""

    def __init__(self, source: str, *, content: bool = False, fallback_wall_ns: int = 0,
                 first_run: int = 0, book: ThreadBook | None = None) -> None:
        self.source = source
        self.content = content
        self.fallback_wall_ns = fallback_wall_ns
        self.first_run = first_run
        """Run numbers start here (a live exporter starts a new builder per root run)."""
        self.book = ThreadBook() if book is None else book
        """The root runs met so far, by thread (shared by a live exporter's builders)."""
        self.malformed: list[str] = []
        self._summarizer = TraceSummarizer()
        self._runs: list[_Run | None] = []
        self._run_of: dict[tuple[str, ...], int] = {}
        self._open: set[int] = set()
        self._keys: dict[str, int] = {}
        self._triggers: dict[tuple[int, str | None], list[str]] = {}
        self._calls: dict[int, _Call] = {}
        self._asked: dict[tuple[str, str], dict[str, Any]] = {}
        self._emitted: set[int] = set()

    @property
    def runs_seen(self) -> int:
        return self.first_run + len(self._summarizer.summary.runs)

    @property
    def idle(self) -> bool:
        """No run or model call is open: a live exporter may start a fresh builder."""
        return not self._open and not self._calls

    def add(self, event: Event) -> list[SpanRecord]:
        runs = self._summarizer.summary.runs
        before = len(runs)
        self._summarizer.add(event)
        try:
            if event.kind == "run_start" and len(runs) > before:
                self._start_run(event, runs[-1])
            return self._add(event)
        except Exception as exc:  # a malformed event must not stop an export
            self.malformed.append(f"{event.kind} (seq {event.seq}) left out: "
                                  f"{type(exc).__name__}: {text_of(exc)}")
            return []

    def finish(self) -> list[SpanRecord]:
        self._summarizer.finish()  # closes what a crash left open: durations, step ends
        out: list[SpanRecord] = []
        for n in sorted(self._open):
            run = self._runs[n]
            if run is not None:
                out += self._end_run(run, run.span.last_t)
        for call in list(self._calls.values()):
            run = self._runs[call.run] if 0 <= call.run < len(self._runs) else None
            found = llm_calls(call.events)
            record = self._chat_span(run, found[0], call.details) if run and found else None
            out += [record] if record is not None else []
        self._calls.clear()
        return out

    # -- events ------------------------------------------------------------------------
    def _add(self, event: Event) -> list[SpanRecord]:
        kind, data = event.kind, event.data
        number = self._run_of.get(event.ns, -1)
        run = self._runs[number] if 0 <= number < len(self._runs) else None
        if run is None:
            return []
        if kind == "task_start":
            triggers = data.get("triggers")
            self._triggers[(number, data.get("task_id"))] = (
                [text_of(t) for t in triggers] if isinstance(triggers, (list, tuple)) else [])
        elif kind == "task_end":
            task = self._find_task(run.span, event.step, data.get("task_id"))
            if task is not None:
                return self._task_spans(run, task, data.get("writes"))
        elif kind == "step_end":
            step = self._find_step(run.span, event.step)
            if step is not None:
                return self._step_spans(run, step, step.end or event.t)
        elif kind in ("llm_start", "token", "llm_end"):
            return self._call_event(number, run, event)
        elif kind == "run_end":
            return self._end_run(run, event.t)
        return []

    def _start_run(self, event: Event, span: RunSpan) -> None:
        number = span.number
        self._run_of[event.ns] = number
        parent = self._parent_run(span)
        if parent is None:  # a root run (or a subgraph whose parent was lost)
            root_key = self._root_key(span.run_id, self.first_run + number)
            key, parent_id, thread = f"run|{root_key}", None, self.book.join(span)
            trace_id = trace_id_of(root_key)
            wall = span.wall_start_ns if span.wall_start_ns is not None else self.fallback_wall_ns
        else:
            root_key, trace_id, wall, thread = (parent.root_key, parent.trace_id,
                                                parent.wall_ns, parent.thread)
            base = f"run|{root_key}|{'/'.join(span.ns)}"
            seen = self._keys[base] = self._keys.get(base, -1) + 1
            key = f"{base}|{seen}" if seen else base
            parent_task = span.parent_task or span.ns[-1].partition(":")[2]
            parent_id = span_id_of(f"task|{parent.key}|{parent_task}")
        while len(self._runs) < number:
            self._runs.append(None)
        run = _Run(span, key, root_key, trace_id, span_id_of(key), parent_id, wall, thread,
                   event.data.get("graph"))
        self._runs.append(run)
        self._open.add(number)

    def _root_key(self, run_id: str | None, number: int) -> str:
        return run_id or f"{self.source}#{number}"

    def _parent_run(self, span: RunSpan) -> _Run | None:
        if not span.ns:
            return None
        number = self._run_of.get(span.ns[:-1], -1)
        return self._runs[number] if 0 <= number < len(self._runs) else None

    def _links(self, run: _Run) -> list[SpanLink]:
        """A root run's link to the run it resumes, or to the step it was forked from."""
        if run.parent_id is not None:
            return []
        number = self.first_run + run.span.number
        link = self.book.follow(run.span, number, run.thread)
        previous = link.previous
        if link.relation == "fork" and link.fork is not None:
            step = link.fork.get("step")
            source = link.fork.get("run_id") or (
                None if previous is None else self.book.run_id(run.thread, previous))
            if source is None and previous is None:
                return []
            root = self._root_key(source, -1 if previous is None else previous)
            target = f"step|run|{root}|{step}" if type(step) is int and step > 0 else f"run|{root}"
            return [SpanLink(trace_id_of(root), span_id_of(target),
                             clean({"stepscope.link": "fork", "stepscope.fork.step": step}))]
        if link.relation == "resume" and previous is not None:
            root = self._root_key(self.book.run_id(run.thread, previous), previous)
            return [SpanLink(trace_id_of(root), span_id_of(f"run|{root}"),
                             {"stepscope.link": "resume"})]
        return []

    def _call_event(self, number: int, run: _Run, event: Event) -> list[SpanRecord]:
        data = event.data
        n = data.get("n")
        if type(n) is not int:
            return []
        if event.kind == "llm_start":
            tools = data.get("tools")
            details = CallDetails({}, [], data.get("prompt") if self.content else None,
                                  [text_of(t) for t in tools] if isinstance(tools, list) else None)
            self._calls[n] = _Call(number, [event], details)
            return []
        call = self._calls.get(n)
        if call is None:
            return []
        call.events.append(event)
        if event.kind == "token":
            extra = data.get("k")
            metadata = extra.get("response_metadata") if isinstance(extra, dict) else None
            if isinstance(metadata, dict):
                call.details.response.update(metadata)
            return []
        del self._calls[n]
        asked = data.get("tool_calls")
        call.details.tool_calls = [c for c in asked if isinstance(c, dict)] if isinstance(
            asked, list) else []
        owner = self._runs[call.run] or run
        for request in call.details.tool_calls:
            if isinstance(request.get("id"), str):
                self._asked[(owner.root_key, request["id"])] = request
        owner.asked_tools = owner.asked_tools or bool(call.details.tool_calls)
        found = llm_calls(call.events)
        record = self._chat_span(owner, found[0], call.details) if found else None
        return [record] if record is not None else []

    # -- spans -------------------------------------------------------------------------
    def _where(self, run: _Run, step: int | None) -> dict[str, Any]:
        number = self.first_run + run.span.number
        return {"stepscope.trace.path": self.source, "stepscope.run.number": number,
                "stepscope.run.id": run.span.run_id, "stepscope.step": step,
                "stepscope.namespace": "/".join(run.span.ns) or None,
                "stepscope.view": view_hint(self.source, number, step)}

    def _record(self, run: _Run, name: str, key: str, parent_id: int | None, start: int,
                end: int, attrs: dict[str, Any], kind: str = "internal") -> SpanRecord | None:
        span_id = span_id_of(key)
        if span_id in self._emitted:
            return None
        self._emitted.add(span_id)
        start_ns = run.wall_ns + start
        return SpanRecord(name, run.trace_id, span_id, parent_id,
                          "client" if kind == "client" else "internal", start_ns,
                          max(start_ns, run.wall_ns + end), clean(attrs))

    def _end_run(self, run: _Run, end: int) -> list[SpanRecord]:
        """The run's span, and those of its steps and tasks that never ended."""
        self._open.discard(run.span.number)
        out: list[SpanRecord] = []
        for step in run.span.steps:
            out += self._step_spans(run, step, end)
        span, graph = run.span, run.span.graph
        agent = _agent_graph(run.topology) or (run.asked_tools and run.answered_tools)
        op = "invoke_agent" if agent else "invoke_workflow"
        last = span.steps[-1].step if span.steps else 0
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": op,
            "gen_ai.agent.name" if agent else "gen_ai.workflow.name": graph,
            "gen_ai.provider.name": provider_name(run.provider) if agent else None,
            "gen_ai.conversation.id": run.thread, "session.id": run.thread,
            **self._where(run, last),
            "stepscope.run.status": span.status, "stepscope.run.resumed": span.resumed or None,
            "stepscope.fork.run_id": (span.fork or {}).get("run_id"),
            "stepscope.fork.step": (span.fork or {}).get("step"),
        }
        stop = span.end if span.end is not None else end
        record = self._record(run, f"{op} {graph}" if graph else op, run.key, run.parent_id,
                              span.start, stop, attrs)
        if record is None:
            return out
        record.links = self._links(run)
        if span.error is not None and not is_stop(span.error):
            extra, event, record.error = error_attributes(span.error, run.wall_ns + stop)
            record.attributes.update(clean(extra))
            record.events.append(event)
        if span.interrupts:
            record.events.append(self._interrupt(span.interrupts, run.wall_ns + stop))
        return [*out, record]

    def _step_spans(self, run: _Run, step: StepSpan, end: int) -> list[SpanRecord]:
        """The step's span and those of its tasks that never ended (a run cut short)."""
        if not step.tasks and not step.planned:
            return []  # step 0: the input, no superstep ran
        out: list[SpanRecord] = []
        stop = step.end if step.end is not None else end
        for task in step.tasks:
            if task.end is None:
                out += self._task_spans(run, task, None, stop)
        lagging = step.straggler()
        record = self._record(
            run, f"step {step.step}", f"step|{run.key}|{step.step}", run.span_id,
            step.start if step.start is not None else run.span.start, stop,
            {**self._where(run, step.step), "stepscope.planned": step.planned or None,
             "stepscope.barrier_reached": step.complete,
             "stepscope.straggler": lagging[0].name if lagging else None})
        return [*out, record] if record is not None else out

    def _task_spans(self, run: _Run, task: TaskSpan, writes: Any,
                    end: int | None = None) -> list[SpanRecord]:
        """The task's span, and an `execute_tool` span per tool message it wrote."""
        key = f"task|{run.key}|{task.task_id}"
        step = self._find_step(run.span, task.step)
        start = task.start if task.start is not None else (
            step.start if step is not None and step.start is not None else run.span.start)
        stop = task.end if task.end is not None else (end if end is not None else start)
        attrs = {**self._where(run, task.step), "stepscope.task.id": task.task_id,
                 "stepscope.node": task.name, "stepscope.task.status": task.status,
                 "stepscope.task.triggers": self._triggers.get((run.span.number, task.task_id)),
                 "stepscope.task.writes": task.writes or None}
        record = self._record(run, task.name or "task", key,
                              span_id_of(f"step|{run.key}|{task.step}"), start, stop, attrs)
        if record is None:
            return []
        if task.error is not None and not is_stop(task.error):
            extra, event, record.error = error_attributes(task.error, run.wall_ns + stop)
            record.attributes.update(clean(extra))
            record.events.append(event)
        if task.interrupts:
            record.events.append(SpanEvent("stepscope.interrupt", run.wall_ns + stop,
                                           {"stepscope.interrupt.count": task.interrupts}))
        out = [record]
        for i, result in enumerate(tool_results(writes)):
            run.answered_tools = True
            call_id = result.get("tool_call_id")
            asked = self._asked.get((run.root_key, call_id)) if isinstance(call_id, str) else None
            tool = tool_attributes(result, asked, self.content)
            name = tool.get("gen_ai.tool.name")
            span = self._record(run, f"execute_tool {name}" if name else "execute_tool",
                                f"tool|{key}|{call_id if call_id else i}", record.span_id,
                                start, stop, {**self._where(run, task.step), **tool})
            if span is None:
                continue
            if result.get("status") == "error":
                span.attributes["error.type"] = "tool_error"
                span.error = (_first_line(result.get("content")) if self.content
                              else "the tool answered with an error")
            out.append(span)
        return out

    def _chat_span(self, run: _Run, call: LLMCall, details: CallDetails) -> SpanRecord | None:
        run.provider = run.provider or call.provider
        end = call.end if call.end is not None else max(
            [call.start, *(t for t, _ in call.tokens)])
        attrs = {**self._where(run, call.step), "stepscope.task.id": call.task_id or None,
                 "stepscope.node": call.node, "gen_ai.conversation.id": run.thread,
                 **chat_attributes(call, details, self.content)}
        parent = span_id_of(f"task|{run.key}|{call.task_id}") if call.task_id else run.span_id
        name = f"chat {call.model}" if call.model else "chat"
        key = f"chat|{run.root_key}|{call.call_id or call.number}"
        record = (self._record(run, name, key, parent, call.start, end, attrs, kind="client")
                  # the same call id twice (a malformed trace): the second by its number
                  or self._record(run, name, f"{key}#{call.number}", parent, call.start, end,
                                  attrs, kind="client"))
        if record is None:
            return None
        if call.error is not None:
            extra, event, record.error = error_attributes(call.error, run.wall_ns + end)
            record.attributes.update(clean(extra))
            record.events.append(event)
        return record

    def _interrupt(self, values: list[Any], at_ns: int) -> SpanEvent:
        attrs: dict[str, Any] = {"stepscope.interrupt.count": len(values)}
        if self.content:
            attrs["stepscope.interrupt.values"] = json_text(values)
        return SpanEvent("stepscope.interrupt", at_ns, clean(attrs))

    # -- lookups -----------------------------------------------------------------------
    @staticmethod
    def _find_step(run: RunSpan, number: int) -> StepSpan | None:
        return next((s for s in reversed(run.steps) if s.step == number), None)

    def _find_task(self, run: RunSpan, number: int, task_id: Any) -> TaskSpan | None:
        step = self._find_step(run, number)
        if step is None:
            return None
        return next((t for t in reversed(step.tasks) if t.task_id == task_id), None)


def _agent_graph(topology: Any) -> bool:
    """A node named `tools` with an edge back to a node that has an edge to it."""
    if not isinstance(topology, dict) or not isinstance(topology.get("edges"), list):
        return False
    edges = {(e.get("source"), e.get("target")) for e in topology["edges"] if isinstance(e, dict)}
    return any(source == "tools" and (target, "tools") in edges for source, target in edges)


def _first_line(value: Any) -> str:
    text = value if isinstance(value, str) else text_of(value)
    return (text.splitlines() or [""])[0][:300]
