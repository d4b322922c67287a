"""Every action of the main screen, once: its keys, footer label, palette title, help.

The main screen's BINDINGS, the help screen and the command palette are all built from
`ACTIONS`, so a key added here shows up in all three.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import ActiveBinding, Binding, BindingType

VIEWS: tuple[tuple[str, str], ...] = (
    ("graph", "Graph"),
    ("state", "State"),
    ("diff", "Diff"),
    ("tasks", "Tasks"),
    ("tokens", "Tokens"),
    ("lanes", "Lanes"),
    ("custom", "Custom"),
    ("events", "Events"),
)
"""(tab id, tab title) of each view, in tab order; keys 1-8 switch to them."""


@dataclass(frozen=True)
class ActionSpec:
    """One action: `keys` (Textual key names, comma-separated), the action string."""

    id: str
    keys: str
    action: str
    label: str
    title: str
    """Command palette title, e.g. "step: go to…"."""
    help: str
    footer: bool = True
    key_display: str | None = None


ACTIONS: tuple[ActionSpec, ...] = (
    # First: the footer shows keys in this order, and a narrow one drops the last.
    ActionSpec("app.help", "question_mark", "help", "help", "app: help (every key)",
               "Show every key", key_display="?"),
    ActionSpec("app.quit", "q", "app.quit", "quit", "app: quit", "Quit stepscope"),
    ActionSpec("step.prev", "left,h", "prev_step", "prev", "step: previous",
               "Select the previous step", key_display="←/h"),
    ActionSpec("step.next", "right,l", "next_step", "next", "step: next",
               "Select the next step", key_display="→/l"),
    ActionSpec("step.first", "home", "first_step", "first", "step: first",
               "Select the first step", footer=False),
    ActionSpec("step.last", "end", "last_step", "last", "step: last",
               "Select the last step", footer=False),
    ActionSpec("step.goto", "g", "goto_step", "go to", "step: go to…",
               "Go to step N (asks for N)"),
    ActionSpec("step.error", "e", "next_error", "error", "step: next error",
               "Select the next step with a failed task (or unreadable frames)"),
    ActionSpec("step.llm", "t", "next_llm", "LLM", "step: next LLM call",
               "Select the next step that called an LLM"),
    ActionSpec("search.find", "slash", "search", "search", "search: find…",
               "Search the events' text (asks for the text)", key_display="/"),
    ActionSpec("search.next", "n", "next_match", "next match", "search: next match",
               "Select the next step matching the search", footer=False),
    ActionSpec("search.prev", "N", "prev_match", "prev match", "search: previous match",
               "Select the previous step matching the search", footer=False),
    ActionSpec("replay.play", "space", "toggle_play", "play", "replay: play / pause",
               "Play the steps one after another, or pause"),
    ActionSpec("replay.faster", "plus,equals_sign", "faster", "faster", "replay: faster",
               "Play faster", footer=False, key_display="+"),
    ActionSpec("replay.slower", "minus", "slower", "slower", "replay: slower",
               "Play slower", footer=False, key_display="-"),
    ActionSpec("follow.toggle", "f", "toggle_follow", "follow", "follow: toggle",
               "Follow the file as another process writes it (stay at the end)"),
    ActionSpec("view.scope", "w", "view_scope", "step/run", "view: step or whole run",
               "Custom and Tokens views: the selected step's events and calls, or the "
               "whole run's", footer=False),
    ActionSpec("run.up", "u,backspace", "parent_run", "up", "run: up to the parent graph",
               "Leave a subgraph run: back to the run that called it", footer=False),
    *(ActionSpec(f"view.{vid}", str(i), f"view('{vid}')", title.lower(), f"view: {vid}",
                 f"Show the {title} view", footer=False)
      for i, (vid, title) in enumerate(VIEWS, 1)),
)


DEBUG_ACTIONS: tuple[ActionSpec, ...] = (
    # First: the footer shows keys in this order, and a narrow one drops the last.
    ActionSpec("app.help", "question_mark", "help", "help", "app: help (every key)",
               "Show every key", key_display="?"),
    ActionSpec("app.quit", "q", "app.quit", "quit", "app: quit", "Quit stepscope"),
    # F5/F10/F11 (shift+: stop, out) as in VS Code and most IDE debuggers: aliases that
    # clash with nothing here (n and f, pdb's and pudb's, are next match and follow).
    ActionSpec("debug.step", "s,f10", "debug_step", "step", "debug: step",
               "Run to the next superstep (at this depth), or a breakpoint"),
    ActionSpec("debug.into", "i,f11", "debug_into", "into", "debug: step into",
               "Run to the next task or step, into subgraphs"),
    ActionSpec("debug.continue", "c,f5", "debug_continue", "continue", "debug: continue",
               "Run until a breakpoint, an interrupt or the end"),
    ActionSpec("debug.out", "o,shift+f11", "debug_out", "out", "debug: step out",
               "Run until the subgraph paused in has finished (gdb's finish)",
               footer=False),
    ActionSpec("debug.run_to", "T", "debug_run_to", "run to", "debug: run to node",
               "Run until the Graph view's cursor node is about to run (a breakpoint "
               "used once)", footer=False),
    ActionSpec("debug.pause", "p", "debug_pause", "pause", "debug: pause",
               "Pause at the next phase boundary", footer=False),
    ActionSpec("debug.stop", "x,shift+f5", "debug_stop", "stop", "debug: stop",
               "Stop the run (running tasks finish first)"),
    ActionSpec("debug.resume", "r", "debug_resume", "resume", "debug: answer the interrupt…",
               "Resume an interrupted run with a value (JSON) for interrupt()"),
    ActionSpec("debug.fork", "F", "debug_fork", "fork", "debug: fork here…",
               "Edit the selected step's state and re-run from it (a new branch)"),
    ActionSpec("debug.postmortem", "L", "debug_postmortem", "locals",
               "debug: post-mortem (locals)…",
               "After a task failed (an error pause, or a failed run): its frames and their "
               "local variables; d there suspends into pdb", footer=False),
    ActionSpec("debug.toggle", "b", "debug_toggle_breakpoint", "break", "debug: toggle "
               "breakpoint", "Toggle a breakpoint before the graph view's node under the "
               "cursor (click a node, or [ and ] to move); else open the panel"),
    ActionSpec("debug.breakpoints", "B", "debug_breakpoints", "breakpoints",
               "debug: breakpoints…", "List, add and remove breakpoints", footer=False),
)
"""The debug screen's actions, on top of ACTIONS."""


def main_bindings(actions: tuple[ActionSpec, ...] = ACTIONS) -> list[BindingType]:
    """A screen's bindings, each with an id (for keymaps) and a description.

    An action's first key carries its footer entry; its other keys are bound apart and
    hidden, so that when a focused view takes the first key (the Tokens view's ←), the
    footer shows the view's meaning of it and not a stale "←/h prev"."""
    out: list[BindingType] = []
    for a in actions:
        first, *aliases = a.keys.split(",")
        out.append(Binding(first, a.action, a.label, show=a.footer, id=a.id,
                           key_display=a.key_display, tooltip=a.help))
        if aliases:
            out.append(Binding(",".join(aliases), a.action, a.label, show=False,
                               id=f"{a.id}{ALIAS}", tooltip=a.help))
    return out


ALIAS = ".alias"
"""The id suffix of an action's hidden other keys (see `main_bindings`)."""


def show_aliases(bindings: dict[str, ActiveBinding], owner: object,
                 actions: tuple[ActionSpec, ...]) -> dict[str, ActiveBinding]:
    """`bindings` (a screen's active ones), with each footer action whose first key a
    focused widget has taken shown under its other keys instead: "h prev" when the
    Tokens view owns ←."""
    footer = {a.id for a in actions if a.footer}
    mine = {b.binding.id for b in bindings.values() if b.node is owner}
    for key, active in list(bindings.items()):
        alias_id = active.binding.id or ""
        primary = alias_id.removesuffix(ALIAS)
        if (active.node is owner and alias_id.endswith(ALIAS) and primary in footer
                and primary not in mine):
            bindings[key] = active._replace(binding=replace(active.binding, show=True))
    return bindings
