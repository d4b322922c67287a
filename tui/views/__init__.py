"""What the view widgets show, as plain data: pure functions over decoded trace values.

No Textual imports here; the widgets in `tui.widgets` render these models.
"""
