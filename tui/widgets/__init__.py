"""The views of stepscope's TUI, one widget per module, named after its class.

Contract every view widget follows:

- `tui.selection.Selection` (frozen: `trace`, `run`, `step`) says what to show.
- `show(self, selection: Selection) -> None` (re)renders the view for that run/step.
  The screen calls it on every step change, so it must be cheap; heavy reads run in a
  thread worker that posts its result back as a message (never touching widgets from
  the thread).
- State goes down, messages go up: a view posts messages (e.g. `StepRequested(step)`)
  and never queries its siblings or the screen.

`tui.view_table` maps each tab of the main screen to its widget class; the main screen
(`tui.screens.main`) calls `show` on the active view only, and again when a tab opens.
Messages it acts on: `StepList.StepChosen`, `RunTree.RunChosen`,
`CustomEvents.EventChosen`, `SuperstepLanes.StepSelected`, `RawEvents.MatchFound`.
"""
