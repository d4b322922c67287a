"""`inspect`'s thread and usage tables: a thread's runs in order, usage (and cost) by
node and by model. They render the report's `threads` and `usage` keys."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from tracer.export.report import Report
from tracer.export.usage_report import (
    ThreadReport,
    ThreadRunReport,
    TotalReport,
    total_from_report,
)
from tracer.rollup import UsageTotal
from tui import usage_text
from tui.units import NONE, duration, plural
from tui.visible import plain

STATUS_STYLES = {"done": "bold green", "interrupted": "bold yellow", "stopped": "yellow",
                 "error": "bold red", "incomplete": "bold magenta"}


def relation_text(run: ThreadRunReport) -> str:
    """How a run of a thread follows: `start`, `resume of run 0`, `fork of run 0 after
    step 1`."""
    previous = run["previous"]
    if run["relation"] == "resume":
        return "resume" if previous is None else f"resume of run {previous}"
    if run["relation"] == "fork":
        fork = run["fork"] or {}
        source = f"run {fork['run']}" if fork.get("run") is not None else "another trace"
        step = fork.get("step")
        return f"fork of {source}" + (f" after step {step}" if step is not None else "")
    return "start" if previous is None else "start (new input)"


def shown_threads(report: Report) -> list[ThreadReport]:
    """The threads worth a table: those with a thread id or more than one run."""
    return [t for t in report["threads"] if t["thread_id"] is not None or len(t["runs"]) > 1]


def threads_table(thread: ThreadReport, currency: str | None) -> Table:
    """A thread's runs in order: how each follows, its status, time and usage."""
    name = thread["thread_id"] if thread["thread_id"] is not None else "(no thread id)"
    interrupts = sum(r["interrupts"] for r in thread["runs"])
    title = (f"thread {name} · {thread['status']} · {plural(len(thread['runs']), 'run')}"
             f" · {plural(interrupts, 'interrupt')} · {duration(thread['duration_ns'])}")
    table = Table(title=plain(title), title_justify="left", box=box.SIMPLE_HEAD)
    total = total_from_report(thread["usage"])
    used = total.calls > 0
    for column in ("run", "how", "status", "duration",
                   *(["calls", "in→out"] if used else []),
                   *(["cost"] if currency is not None and used else [])):
        table.add_column(column, justify="left" if column in ("how", "status") else "right",
                         min_width=15 if column == "how" else None)
    rows = [(str(r["run"]), plain(relation_text(r)),
             Text(r["status"], style=STATUS_STYLES.get(r["status"], "")),
             duration(r["duration_ns"], compact=True), total_from_report(r["usage"]))
            for r in thread["runs"]]
    if used and len(thread["runs"]) > 1:
        rows.append(("", Text("thread total", style="bold"), Text(""), "", total))
    for number, how, status, took, counted in rows:
        table.add_row(number, how, status, took,
                      *(usage_cells(counted, currency) if used else []))
    return table


def usage_cells(total: UsageTotal, currency: str | None) -> list[Text | str]:
    """calls, `220→20` (input→output tokens; what was unreported said so), the cost if
    priced."""
    if not total.calls:
        return ["", "", *([""] if currency is not None else [])]
    u = total.usage
    counts = Text(f"{usage_text.tokens(u.input, compact=True)}→"
                  f"{usage_text.tokens(u.output, compact=True)}" if total.reported else "")
    if total.unreported:
        note = "unreported" if not total.reported else f"{total.unreported} unreported"
        counts.append((" " if total.reported else "") + note, style="yellow")
    cells: list[Text | str] = [str(total.calls), counts]
    if currency is not None:
        cells.append(usage_text.cost(total, currency, compact=True))
    return cells


def usage_tables(report: Report) -> list[Table]:
    """Usage by node and by model (with the price key that priced each model). Cache and
    reasoning columns only when some call reported such tokens."""
    usage = report["usage"]
    currency = usage["currency"]
    roots = {r["graph"] for r in report["runs"] if not r["ns"]}
    nodes = [(str(n["node"]) if n["graph"] in roots else f"{n['graph']} › {n['node']}",
              n["usage"]) for n in usage["by_node"]]
    models = []
    for model in usage["by_model"]:
        label = str(model["model"])
        if currency is not None:
            label += f" [{model['price']}]" if model["price"] else " (no price)"
        models.append((label, model["usage"]))
    return [_usage_table("Usage by node", "node", nodes, currency),
            _usage_table("Usage by model", "model", models, currency)]


def _usage_table(title: str, first: str, rows: list[tuple[str, TotalReport]],
                 currency: str | None) -> Table:
    totals = [(label, total_from_report(report)) for label, report in rows]
    extra = [name for name in ("cache_read", "cache_write", "reasoning")
             if any(getattr(t.usage, name) for _, t in totals)]
    unreported = any(t.unreported for _, t in totals)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    columns = [first, "calls", *(["no usage"] if unreported else []), "input", "output",
               *(_HEADERS[name] for name in extra), *(["cost"] if currency else [])]
    for column in columns:
        table.add_column(column, justify="left" if column == first else "right")
    for label, total in totals:
        known = total.reported > 0
        row: list[Text | str] = [plain(label), str(total.calls)]
        if unreported:
            row.append(Text(str(total.unreported), style="yellow") if total.unreported else "")
        row += [usage_text.tokens(getattr(total.usage, name)) if known else NONE
                for name in ("input", "output", *extra)]
        if currency is not None:
            row.append(plain(usage_text.cost(total, currency)))
        table.add_row(*row)
    return table


_HEADERS = {"cache_read": "cached", "cache_write": "cache write", "reasoning": "reasoning"}
