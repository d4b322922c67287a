"""Snapshot tests: the text of each view of the real app, against stored expectations."""
