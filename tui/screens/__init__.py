"""The TUI's screens: the main view, the help screen, and a one-line prompt."""
