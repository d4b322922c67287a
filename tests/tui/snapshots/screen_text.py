"""Record the sample traces, drive the real app to a step and tab, read the screen as text.

The sample graphs run on ScriptedChatModel, whose token timing comes from real sleeps,
and their parallel tasks finish in either order, so traces differ run to run even with a
`FixedClock`. `normalise` masks what varies (durations, rates, times, ids) and keeps the
rest: node names, state values, diff lines, tab titles, step numbers in labels.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

import tracer
from engine.clock import FixedClock
from engine.config import RunnableConfig
from sample_graphs import agent, joke_poem
from tui.app import StepscopeApp
from tui.bindings import VIEWS

SIZE = (120, 36)
EXPECTED = Path(__file__).parent / "expected"
UPDATE = os.environ.get("STEPSCOPE_UPDATE_SNAPSHOTS") == "1"
CONFIG: RunnableConfig = {"run_id": "snap"}


def record_agent(path: Path) -> Path:
    """The weather agent: model → tools (two calls in parallel) → model → … → answer."""
    with tracer.record(path):
        agent.build().invoke(agent.inputs, config=CONFIG, clock=FixedClock())
    return path


def record_joke_poem(path: Path) -> Path:
    """Two LLM nodes in parallel (joke, poem), then a join."""
    with tracer.record(path):
        joke_poem.graph.invoke(joke_poem.inputs, config=CONFIG, clock=FixedClock())
    return path


_MASKS: list[tuple[re.Pattern[str], str]] = [
    # uuids, and hex ids of 8+ digits holding a digit and a letter (task ids, call ids)
    # or of exactly 8 (a task id's first 8: random, so all digits 2% of the time; the
    # screens have no other 8-digit number)
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), "<id>"),
    (re.compile(r"\b[0-9a-f]{8}\b"), "<id>"),
    # a frame's byte offset (the run_start before it holds paths of the checkout)
    (re.compile(r"\bbyte \d+"), "byte <n>"),
    # clock times and dates
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?"), "<time>"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(\.\d+)?"), "<time>"),
    # durations and rates: "12.3 ms", "4µs", "1.2s", "35 tok/s", "+0.4 s"
    (re.compile(r"\d+(\.\d+)?\s?(ns|µs|us|ms|s|tok/s|/s)(?![A-Za-z])"), "<dur>"),
    # a masked figure's width varied, so did the padding that aligns it
    (re.compile(r" {2,}<dur>"), "  <dur>"),
    (re.compile(r"<dur> {2,}"), "<dur>  "),
]
TRACKS: dict[str, re.Pattern[str]] = {
    # token ticks and the time ruler are placed by real timing
    "tokens": re.compile(r"[░│─┈┬┼┃ ]*[░│┈┬┼][░│─┈┬┼┃ ]*(<dur>[─ ]*)?[░│─┈┬┼┃]"),
    # a lane's bar length is its task's real duration
    "lanes": re.compile(r"┃[ █░▏▎▍▌▋▊▉]*(?=┃)"),
}


def normalise(text: str, tab: str = "") -> str:
    """Mask varying figures (and `tab`'s timing-drawn tracks), then drop trailing spaces
    and trailing blank lines."""
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    if tab in TRACKS:
        text = TRACKS[tab].sub("<track>", text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


_CLIP = re.compile(r'<clipPath id="[^"]*-line-0">\s*<rect x="0" y="[\d.]+" width="([\d.]+)"')
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>', re.S)


def screen_text(app: StepscopeApp) -> str:
    """The whole screen as plain text, one line per terminal row (what the user sees).

    Read from Textual's public `export_screenshot` (the SVG a person would save): Rich
    writes each run of text as a `<text>` placed at column × cell width on its row's
    clip path."""
    svg = app.export_screenshot()
    width, height = app.size
    clip = _CLIP.search(svg)
    assert clip is not None, "not a Rich terminal SVG"
    cell = float(clip.group(1)) / width
    rows: list[list[str]] = [[" "] * width for _ in range(height)]
    for x, line, escaped in _TEXT.findall(svg):
        row, col = rows[int(line)], round(float(x) / cell)
        for char in html.unescape(escaped).replace("\xa0", " "):
            if col >= width:
                break
            row[col] = char
            if cell_len(char) == 2 and col + 1 < width:
                row[col + 1] = ""  # the right half of a wide character
            col += cell_len(char)
    return "\n".join("".join(row) for row in rows)


async def settle(pilot: Pilot[None]) -> None:
    """Let every worker finish and every message be handled, then one idle pause."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def show(pilot: Pilot[None], step: int, tab: str) -> str:
    """Open the trace, select `step` and the `tab` tab (by its number key); the text."""
    app = pilot.app
    assert isinstance(app, StepscopeApp)
    for _ in range(250):
        if app.main.selection is not None:
            break
        await pilot.pause(0.02)
    main = app.main
    assert main.selection is not None, "the trace did not open"
    for widget in main.query(Input):
        widget.cursor_blink = False
    main.go_to(step)
    await pilot.press(str([vid for vid, _ in VIEWS].index(tab) + 1))
    await settle(pilot)
    assert main.query_one(TabbedContent).active == tab
    assert main.selection.step == step
    return screen_text(app)


def check(name: str, text: str, tab: str = "") -> str:
    """Compare normalised `text` with expected/NAME.txt (rewrite it when updating)."""
    got = normalise(text, tab)
    path = EXPECTED / f"{name}.txt"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
        if not UPDATE:
            raise AssertionError(f"{path} did not exist; written: check it and commit it")
    want = path.read_text()
    assert got == want, f"{name}: the screen differs from {path}:\n{got}"
    return got
