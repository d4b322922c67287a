"""TasksView: each task of the selected step — why it ran, its input, writes, errors."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from tracer import Trace
from tracer.prices import Prices
from tui import usage_text
from tui.selection import Selection
from tui.step_rows import planned
from tui.units import duration, plural
from tui.usage_model import task_usage
from tui.views.event_source import step_events
from tui.views.tasks_data import START, TaskInfo, status, step_tasks
from tui.views.traceback_text import trim
from tui.views.values import inline
from tui.widgets.hanging import Hanging


def _previous_step(selection: Selection) -> int:
    earlier = [s for s in selection.trace.steps(selection.run) if s < selection.step]
    return max(earlier) if earlier else -1


def _ran_in(trace: Trace, run: int, step: int) -> frozenset[str]:
    """The nodes whose tasks step `step` planned; START for the input step (none)."""
    names = planned(trace, run, step)[1] if step >= 0 else []
    return frozenset(names) or frozenset({START})


class TasksView(VerticalScroll):
    """Per task: name, id, triggers explained, input, writes, duration, interrupts, error."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "whole_tracebacks", "Whole tracebacks", id="tasks.whole_tracebacks",
                tooltip="Tracebacks show the program's own frames; a shows the library "
                        "and engine frames too (again: trimmed)"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tasks-view--title", "tasks-view--label", "tasks-view--error", "tasks-view--why",
    }

    DEFAULT_CSS = """
    TasksView { height: 1fr; }
    TasksView > .tasks-view--title { text-style: bold; }
    TasksView > .tasks-view--label { color: $text-muted; }
    TasksView > .tasks-view--error { color: $error; }
    TasksView > .tasks-view--why { color: $accent; }
    """

    class TasksLoaded(Message):
        """Posted (by the reading worker, to the view itself) when a step's tasks were read."""

        def __init__(self, selection: Selection, tasks: list[TaskInfo] | None,
                     problem: str | None = None) -> None:
            super().__init__()
            self.selection = selection
            self.tasks = tasks
            self.problem = problem

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selection: Selection | None = None
        self.tasks: list[TaskInfo] = []
        self.whole_tracebacks = False

    def compose(self) -> ComposeResult:
        yield Static("", id="tasks-body")

    def action_whole_tracebacks(self) -> None:
        self.whole_tracebacks = not self.whole_tracebacks
        if self.tasks:
            self.query_one("#tasks-body", Static).update(Hanging(self._render_tasks(self.tasks)))

    def show(self, selection: Selection) -> None:
        """Read the step's task events and prior state in a worker; render when done."""
        self.selection = selection
        self._load(selection, getattr(self.app, "prices", None))

    @work(thread=True, exclusive=True, group="tasks-view")
    def _load(self, selection: Selection, prices: Prices | None) -> None:
        trace, run = selection.trace, selection.run
        if get_current_worker().is_cancelled:
            return
        try:
            events = step_events(trace, run, selection.step,
                                 {"step_start", "task_start", "task_end", "custom"})
            topology = trace.read(trace.index.runs[run].offset).data.get("graph") or {}
            if get_current_worker().is_cancelled:
                return  # a newer step was selected meanwhile
            previous = _previous_step(selection)
            before = trace.state_at(previous, run)
            entry = trace.step_entry(selection.step, run)
            ended = entry.end is not None or run in trace.index.run_ends
            tasks = step_tasks(events, topology, before, step_ended=ended,
                               ran_before=_ran_in(trace, run, previous))
            usage = task_usage(trace, run, selection.step, prices) if selection.step else {}
            for task in tasks:
                task.usage = usage.get(task.task_id)
        except Exception as exc:  # a damaged or cut trace: say so in the view
            self.post_message(self.TasksLoaded(selection, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.TasksLoaded(selection, tasks))

    @property
    def text(self) -> Text:
        """The rendered tasks (for tests and copying)."""
        return self._render_tasks(self.tasks)

    def _render_tasks(self, tasks: list[TaskInfo]) -> Text:
        style = self.get_component_rich_style
        label, error = style("tasks-view--label"), style("tasks-view--error")
        out = Text()
        for task in tasks:
            state = status(task)
            title = style("tasks-view--error" if state == "failed" else "tasks-view--title")
            tries = f"  after {task.attempts} attempts" if task.attempts > 1 else ""
            out.append(f"▌ {task.name}  {state}  {duration(task.duration)}{tries}\n", title)
            out.append("  id       ", label).append(f"{task.task_id}\n")
            for reason in task.reasons or ["(not started)"]:
                out.append("  why      ", label).append(f"{reason}\n", style("tasks-view--why"))
            self._render_input(out, task, label)
            out.append("  writes   ", label)
            out.append(", ".join(f"{k} = {inline(v)}" for k, v in task.writes) or "(none)")
            out.append("\n")
            for intr in task.interrupts:
                fields = getattr(intr, "fields", None)
                value = fields.get("value") if isinstance(fields, dict) else intr
                out.append("  interrupt ", label).append(f"{inline(value)}\n")
            if task.custom:
                out.append("  custom   ", label).append(f"{task.custom} event(s)\n")
            if task.usage is not None:
                currency = getattr(getattr(self.app, "prices", None), "currency", None)
                calls = plural(task.usage.calls, "call")
                out.append("  LLM      ", label).append(
                    f"{calls}: {usage_text.summary(task.usage, currency)}\n")
            if state == "stopped":
                out.append("  stopped  from the debugger (x): the node did not finish\n",
                           label)
            elif task.error is not None:
                err: Any = task.error
                name = getattr(err, "name", type(err).__name__)
                out.append(f"  error    {name}: {err}\n", error)
                recorded = (getattr(err, "traceback", "") or "").rstrip()
                shown, hidden = (recorded, 0) if self.whole_tracebacks else trim(recorded)
                for line in shown.splitlines():
                    out.append(f"    {line}\n", error)
                if hidden:
                    out.append(f"    ({plural(hidden, 'library frame')} hidden · a: the "
                               "whole traceback)\n", label)
            out.append("\n")
        return out

    def _render_input(self, out: Text, task: TaskInfo, label: Any) -> None:
        if task.input_is_send:
            what = "call args" if task.caller else "Send arg"
            out.append("  input    ", label).append(f"{what}: {inline(task.input, 200)}\n")
            return
        before = f"state before step {self.selection.step}" if self.selection else "state"
        out.append("  input    ", label).append(f"({before})\n")
        for key, value in (task.input or {}).items():
            out.append(f"    {key}: {inline(value, 100)}\n")

    def on_tasks_view_tasks_loaded(self, message: TasksLoaded) -> None:
        message.stop()
        if message.selection != self.selection:
            return
        body = self.query_one("#tasks-body", Static)
        if message.tasks is None:
            self.tasks = []
            body.update(Text(f"tasks unavailable: {message.problem}", style="bold red"))
            return
        self.tasks = message.tasks
        if not self.tasks:
            body.update(Text("(no tasks: step 0 is the run's input)", style="dim"))
            return
        body.update(Hanging(self._render_tasks(self.tasks)))
