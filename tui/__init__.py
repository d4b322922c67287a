"""stepscope's terminal UI and command line. Depends on `tracer` and `engine`."""
