"""`stepscope debug`: run a graph under a controller, pause, break, resume, fork.

Textual-free: the session, the controller and breakpoints are driven by the debug
screen (tui/screens/debug.py) and tested on their own.
"""
