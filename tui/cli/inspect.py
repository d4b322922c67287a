"""`stepscope inspect PATH [--json] [--prices FILE]`: what a trace holds, as rich tables
or as JSON.

`--json` prints the report `build_report` makes (the text view renders the same
data). Times are integers in nanoseconds: `*_start_ns` are relative to the start of
their run, `wall_start_ns` is on the wall clock. Keys (schema 1):

- `schema` (1), `path`, `size_bytes`, `events` (count, index/keyframe frames left
  out), `format`, `writer`, `created` (from the file header), `closed_cleanly` (the
  writer wrote its index and footer);
- `status`: the worst root run's: `done` | `interrupted` | `stopped` | `error` |
  `incomplete` (the run never reached its end: the program crashed or still runs);
- `graph` (the root graph's name), `duration_ns`;
- `totals`: `runs`, `root_runs`, `subgraph_runs`, `steps` (root supersteps, the input
  step 0 left out), `tasks` (every run's), `llm_calls`, `tokens`, `custom_events`,
  `interrupts`, `errors` (tasks that raised);
- `kinds`: event count per kind;
- `runs[]`: `number`, `ns` (namespace list; `[]` for a root run), `run_id`,
  `parent_task`, `graph`, `status`, `complete`, `duration_ns`, `wall_start_ns`,
  `error`, `interrupts`, `fork`, `resumed`, `thread_id`, `usage` (a total, below: its
  calls and its subgraph runs'; null without calls), `steps[]`:
  - `step`, `start_ns`, `duration_ns`, `complete` (reached its barrier), `planned`
    (task names), `straggler` (`{name, task_id, lead_ns}`: the task the barrier
    waited for and by how much it finished after the next one; null under 2 tasks),
    `usage` (its tasks' calls, subgraphs' included; null without calls),
    `tasks[]`: `name`, `task_id`, `start_ns`, `duration_ns`, `status` (`ok` | `error` |
    `interrupted` | `running`), `writes` (channel names), `error`, `interrupts` (count),
    `usage` (a total, or null);
- `errors[]`: each exception once, where first raised: `source` (`task` | `run`),
  `run`, `ns`, `step`, `task`, `task_id`, `class`, `message`, `traceback`;
- `llm_calls[]` (from `tracer.analysis`): `n`, `run`, `ns`, `step`, `task`, `task_id`,
  `model`, `provider`, `tags`, `start_ns`, `ttft_ns` (time to first token),
  `duration_ns`, `tokens` (token events, i.e. streamed chunks), `tokens_per_s` (tokens
  after the first over the time from first to last), `max_gap_ns` (longest wait
  between tokens), `stalls[]` (`token`, `gap_ns`), `usage` (as the provider reported
  it), `usage_tokens` (`tracer.usage`'s reading: `input`, `output`, `total`,
  `cache_read`, `cache_write`, `reasoning`, the known ones; null: not reported), `cost`
  (null: not known), `price` (the price table's key that priced it), `complete`, `error`;
- `usage`: `currency` and `prices` (the table's file; both null without `--prices`),
  `total`, `by_run[]` (`run`, `usage`), `by_step[]` (`run`, `step`, `usage`),
  `by_node[]` (`graph`, `node`, `usage`), `by_model[]` (`model`, `price`, `usage`). A
  total is `calls`, `reported`, `unreported` (calls whose usage the provider did not
  report: not in `tokens`), `tokens` (the known sums), `priced`, `cost` (of the priced
  calls; null when none is priced);
- `threads[]`: `thread_id` (null: runs without one are each their own), `status` (its
  last run's), `duration_ns` (its runs' added), `usage`, `runs[]`: `run`, `relation`
  (`start` | `resume` | `fork`), `previous` (the run it resumes or forks), `fork`
  (`{run, run_id, step}`), `status`, `duration_ns`, `steps`, `interrupts`, `usage`;
- `corruption`: `torn` (the file ends inside a frame), `regions[]` (`offset`, `message`:
  frames that fail their checks or hold no valid record; an unreadable index) — frames
  after a corrupt region are still read; `malformed_events[]` (text: events left out of
  the summary because their data had values of the wrong kind).

An `error` anywhere is `{class, message, traceback}`.
"""

from __future__ import annotations

import argparse
import json

from rich import box
from rich.console import Console, Group, JustifyMethod
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tracer import TraceError, open_trace
from tracer.export.report import (
    ErrorReport,
    LLMReport,
    Report,
    RunReport,
    build_report,
)
from tracer.export.usage_report import total_from_report
from tracer.prices import Prices, PricesError, load_prices
from tui import usage_text
from tui.cli.errors import CommandError
from tui.cli.inspect_usage import relation_text, shown_threads, threads_table, usage_tables
from tui.units import duration, fmt_size, plural
from tui.views.traceback_text import trim
from tui.visible import plain

STATUS_STYLES = {"done": "bold green", "interrupted": "bold yellow", "stopped": "yellow",
                 "error": "bold red", "incomplete": "bold magenta", "ok": "green",
                 "running": "magenta"}


def _status(status: str, label: str | None = None) -> Text:
    return Text(label or status, style=STATUS_STYLES.get(status, ""))


def _short_ns(ns: list[str]) -> str:
    """A namespace with its task ids cut to 8 characters: `sub:eff1c489`."""
    return " / ".join(part.split(":", 1)[0] + (":" + part.split(":", 1)[1][:8]
                                             if ":" in part else "") for part in ns)


def overview(report: Report) -> Panel:
    totals = report["totals"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    status = report["status"]
    label = "incomplete (crashed, or still running)" if status == "incomplete" else status
    grid.add_row("status", _status(status, label))
    grid.add_row("graph", plain(report["graph"]))
    grid.add_row("duration", duration(report["duration_ns"]))
    counts = [plural(totals["steps"], "step"), plural(totals["tasks"], "task"),
              plural(totals["llm_calls"], "LLM call"), plural(totals["tokens"], "streamed chunk"),
              plural(totals["custom_events"], "custom event")]
    if totals["subgraph_runs"]:
        counts.append(plural(totals["subgraph_runs"], "subgraph run"))
    grid.add_row("totals", " · ".join(counts))
    usage = report["usage"]
    total = total_from_report(usage["total"])
    if total.calls:
        counts_text = usage_text.token_counts(total) if total.reported else ""
        grid.add_row("usage", plain(" · ".join(
            p for p in (counts_text, usage_text.unreported(total)) if p)))
    if usage["currency"] is not None:
        grid.add_row("cost", plain((usage_text.cost(total, usage["currency"]) or "no LLM calls")
                                   + f" (prices: {usage['prices']})"))
    closed = "closed cleanly" if report["closed_cleanly"] else "not closed (no index)"
    grid.add_row("file", f"{fmt_size(report['size_bytes'])} · {plural(report['events'], 'event')}"
                         f" · format {report['format']} · {report['writer']} · {closed}")
    grid.add_row("created", str(report["created"]))
    return Panel(grid, title=plain(report["path"], style="bold"), title_align="left",
                 box=box.ROUNDED)


def steps_table(run: RunReport, report: Report | None = None) -> Table:
    where = "root" if not run["ns"] else f"subgraph {_short_ns(run['ns'])}"
    fork = run.get("fork")
    linked = next((r for t in report["threads"] for r in t["runs"]
                   if r["run"] == run["number"]), None) if report is not None else None
    if fork is None and linked is not None and linked["relation"] == "fork":
        where = relation_text(linked)  # a fork by update_state or a past checkpoint_id
    elif fork is not None:
        origin = f"run {fork['run']}" if fork.get("run") is not None else "another run"
        where = f"fork of {origin} after step {fork.get('step')}"
    elif run.get("resumed") and not run["ns"]:
        where = "resumed"
    currency = report["usage"]["currency"] if report is not None else None
    title = f"run {run['number']} · {where} · {run['graph']} · {run['status']}"
    if run.get("thread_id") is not None:
        title += f" · thread {run['thread_id']}"
    table = Table(title=plain(title), title_justify="left", box=box.SIMPLE_HEAD,
                  expand=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("step", "right"), ("task", "left"), ("start", "right"), ("duration", "right"),
        ("status", "left"), ("note", "left"))
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for step in run["steps"]:
        note = "" if step["complete"] else "no barrier (step did not finish)"
        label = "(input)" if step["step"] <= 0 and not step["tasks"] else ""
        table.add_row(str(step["step"]), label, duration(step["start_ns"]),
                      duration(step["duration_ns"]), "", plain(note, style="dim"),
                      style="bold")
        straggler = step["straggler"]
        lagging = straggler["task_id"] if straggler is not None else None
        for task in step["tasks"]:
            notes = []
            if straggler is not None and lagging is not None and task["task_id"] == lagging:
                notes.append(f"straggler (+{duration(straggler['lead_ns'])})")
            if task["error"]:
                notes.append(f"{task['error']['class']}: {task['error']['message']}")
            if task["writes"]:
                notes.append("wrote " + ", ".join(dict.fromkeys(task["writes"])))
            used = task.get("usage")
            if used is not None:
                total = total_from_report(used)
                notes.append(f"{plural(total.calls, 'LLM call')}: "
                             + usage_text.summary(total, currency))
            table.add_row("", plain(task["name"]), duration(task["start_ns"]),
                          duration(task["duration_ns"]), _status(task["status"]),
                          plain("; ".join(notes)))
    return table


def llm_table(calls: list[LLMReport]) -> Table:
    """One row per call; its cost is in `--json` and in the usage tables (a column more
    would not fit 80 columns)."""
    table = Table(title="LLM calls", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("#", "task", "step", "model", "TTFT", "duration", "chunks", "tok/s",
                 "max gap", "in→out"):
        table.add_column(name, justify="left" if name in ("task", "model") else "right")
    for call in calls:
        model = f"{call['model']} ({call['provider']})" if call["provider"] else call["model"]
        rate = call["tokens_per_s"]
        counts = call["usage_tokens"]
        row: list[Text | str] = [
            str(call["n"]), plain(call["task"]), str(call["step"]), plain(model),
            duration(call["ttft_ns"]), duration(call["duration_ns"]), str(call["tokens"]),
            "–" if rate is None else f"{rate:.1f}", duration(call["max_gap_ns"]),
            Text("unreported", style="yellow") if counts is None else
            f"{usage_text.tokens(counts.get('input'), compact=True)}→"
            f"{usage_text.tokens(counts.get('output'), compact=True)}"]
        table.add_row(*row)
        if call["error"]:
            table.add_row("", plain(f"{call['error']['class']}: {call['error']['message']}",
                                    style="red"))
        for stall in call["stalls"]:
            table.add_row("", Text(f"stall: {duration(stall['gap_ns'])} before token "
                                   f"{stall['token']}", style="yellow"))
    return table


def runs_table(runs: list[RunReport]) -> Table:
    table = Table(title="Subgraph runs", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("#", "namespace", "parent task", "graph", "status", "steps", "duration"):
        table.add_column(name)
    for run in runs:
        supersteps = sum(1 for s in run["steps"] if s["step"] > 0)
        table.add_row(str(run["number"]), _short_ns(run["ns"]),
                      plain(str(run["parent_task"])[:8]), plain(run["graph"]),
                      _status(run["status"]), str(supersteps), duration(run["duration_ns"]))
    return table


def error_panel(error: ErrorReport) -> Panel:
    where = f"task {error['task']} · step {error['step']}" if error["task"] else "run"
    if error["ns"]:
        where += f" · in {_short_ns(error['ns'])}"
    head = plain(f"{error['class']}: {error['message']}", style="bold red")
    shown, hidden = trim((error["traceback"] or "(no traceback recorded)").rstrip())
    if hidden:
        shown += (f"\n({plural(hidden, 'library frame')} hidden; "
                  "inspect --json has the whole traceback)")
    body = plain(shown, style="dim")
    return Panel(Group(head, body), title=plain(f"error · {where}"), title_align="left",
                 border_style="red", box=box.ROUNDED)


def render(report: Report, console: Console) -> None:
    console.print(overview(report))
    currency = report["usage"]["currency"]
    for thread in shown_threads(report):
        console.print(threads_table(thread, currency))
    for run in report["runs"]:
        console.print(steps_table(run, report))
    subgraphs = [r for r in report["runs"] if r["ns"]]
    if subgraphs:
        console.print(runs_table(subgraphs))
    if report["llm_calls"]:
        console.print(llm_table(report["llm_calls"]))
        for table in usage_tables(report):
            console.print(table)
    for error in report["errors"]:
        console.print(error_panel(error))
    corruption = report["corruption"]
    if corruption["regions"] or corruption["torn"] or corruption["malformed_events"]:
        lines = [f"corrupt frame at byte offset {r['offset']}: {r['message']}"
                 for r in corruption["regions"]]
        lines += [f"malformed event: {m}" for m in corruption["malformed_events"]]
        if corruption["torn"]:
            lines.append("the file ends inside a frame (torn tail: the writer stopped "
                         "mid-write)")
        console.print(Panel(plain("\n".join(lines)), title="corruption", title_align="left",
                            border_style="magenta", box=box.ROUNDED))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "inspect", help="summarise a trace: status, steps, tasks, errors, LLM calls",
        description="Summarise a trace file: status, duration, steps with their tasks "
                    "and durations (and each step's straggler), errors with tracebacks, "
                    "LLM calls (model, TTFT, tokens, tokens/s), subgraph runs, size, "
                    "and any corruption found (with byte offsets).")
    parser.add_argument("path", metavar="PATH", help="a .stepscope trace file")
    parser.add_argument("--json", action="store_true",
                        help="print the same facts as JSON (keys documented in "
                             "tui/cli/inspect.py)")
    add_prices_argument(parser)
    parser.set_defaults(func=run_inspect)


def add_prices_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prices", metavar="FILE",
                        help="a JSON price table you wrote (see README: Token usage and "
                             "cost): show each LLM call's cost. Never fetched.")


def prices_of(args: argparse.Namespace, command: str) -> Prices | None:
    """The price table `--prices` names, or None; CommandError (2) saying what is wrong
    with the file."""
    path = getattr(args, "prices", None)
    if path is None:
        return None
    try:
        return load_prices(path)
    except PricesError as exc:
        raise CommandError(f"{command}: --prices {exc}", 2) from None


def run_inspect(args: argparse.Namespace) -> int:
    prices = prices_of(args, "inspect")
    try:
        with open_trace(args.path) as trace:
            report = build_report(trace, prices)
    except TraceError as exc:
        raise CommandError(f"inspect: {exc}") from exc
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        render(report, Console(highlight=False))
    return 0
