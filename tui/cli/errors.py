"""`CommandError`: a failure the user can fix, printed by `tui.cli.main` as one line."""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report as `stepscope: <message>` with exit status `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
