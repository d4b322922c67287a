"""stepscope's tracer: records engine events to crash-safe msgpack trace files and reads them.

Not written yet (issue 4). It depends on `engine` only.
"""
