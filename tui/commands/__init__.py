"""The `stepscope` subcommands: `run`, `inspect`, `export` (one module each).

A command returns its exit status, or raises `CommandError` for a failure the user
can fix; `tui.cli.main` prints its message as one line on stderr, without a traceback.
"""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report as `stepscope: <message>` with exit status `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
