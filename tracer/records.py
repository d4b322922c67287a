"""Events ↔ trace records. A record is `[kind, seq, t, ns, step, data]` (FORMAT.md).

Writing drops what a reader can derive (a PULL task's path and triggers, a task's
input, which is the state) and numbers LLM calls per file, so tokens stay small.
`expand` rebuilds the engine's event data from a record.
"""

from __future__ import annotations

from typing import Any

from engine.constants import PULL

KIND_CODES: dict[str, int] = {
    "run_start": 0, "step_start": 1, "task_start": 2, "task_end": 3, "step_end": 4,
    "custom": 5, "llm_start": 6, "token": 7, "llm_end": 8, "checkpoint": 9,
    "interrupt": 10, "run_end": 11, "batch": 12, "keyframe": 20, "index": 30,
}
BATCH = KIND_CODES["batch"]
"""A frame of several events (FORMAT.md §2, "Batches"): data `{"b": [[kind, seq, t,
step, data], ...]}`, all of the frame's namespace."""
KIND_NAMES: dict[int, str] = {v: k for k, v in KIND_CODES.items()}


def _config(config: dict[str, Any]) -> dict[str, Any]:
    keep = ("tags", "metadata", "recursion_limit", "run_name", "run_id")
    out = {k: config[k] for k in keep if k in config}
    out["configurable"] = {k: v for k, v in config.get("configurable", {}).items()
                           if not k.startswith("__")}
    return out


def id_bytes(task_id: str) -> bytes | str:
    """A UUID-shaped id as its 16 bytes (any other id is kept as text)."""
    try:
        raw = bytes.fromhex(task_id.replace("-", ""))
    except (ValueError, AttributeError):
        return task_id
    return raw if len(raw) == 16 else task_id


def id_text(raw: bytes | str) -> str:
    if isinstance(raw, bytes) and len(raw) == 16:
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(raw)


def _own_name(out: dict[str, Any], data: dict[str, Any]) -> None:
    """A task its step_start does not list (started mid-step, as the functional API's
    `call` tasks are) carries its own id and name."""
    task_id = data.get("task_id")
    if isinstance(task_id, str):
        out["id"] = id_bytes(task_id)
        if isinstance(data.get("name"), str):
            out["name"] = data["name"]


def task_end_record(data: dict[str, Any], slot: int) -> dict[str, Any]:
    """The stored form of a task_end (the hottest record; the writer calls it directly)."""
    out: dict[str, Any] = {"i": slot, "d": data["duration"]}
    if slot < 0:
        _own_name(out, data)
    return end_fields(out, data.get("path"), data["writes"], data["error"],
                      data["interrupts"], data.get("returned", True), data.get("hidden"),
                      data.get("attempts"))


def end_fields(out: dict[str, Any], path: Any, writes: Any, error: Any, interrupts: Any,
               returned: bool, hidden: Any, attempts: Any) -> dict[str, Any]:
    """A task_end record's fields past its slot and duration, added to `out` (from an
    event's data, or from a finished task handed over in bulk: `tracer.bulk`)."""
    if path is not None and path[0] != PULL:
        out["px"] = path[1]  # a Send's index orders its writes after PULL tasks
    if writes:
        out["w"] = [[k, v] for k, v in writes]
    if error is not None:
        out["e"] = error
    if interrupts:
        out["intr"] = list(interrupts)
    if not returned:
        out["ret"] = False
    if hidden:
        out["h"] = True
    if attempts and attempts != 1:
        out["att"] = attempts
    return out


def start_fields(out: dict[str, Any], name: str, path: Any, triggers: Any,
                 arg: Any) -> dict[str, Any]:
    """A task_start record's fields past its slot, added to `out`: what a reader cannot
    derive from the task's name (a pushed task's path and argument, other triggers)."""
    if path[0] != PULL or path[1] != name:
        out["path"] = list(path)
        out["arg"] = arg
    if triggers != (f"branch:to:{name}",):
        out["trig"] = list(triggers)
    return out


def compact(kind: str, data: dict[str, Any], calls: dict[str, int],
            slot: int = -1) -> dict[str, Any]:
    """The stored form of one event's data (see FORMAT.md "Records").

    `slot` is the task's position in its step's step_start list: task_start and
    task_end name their task by it instead of repeating the id.
    """
    if kind == "task_start":
        out: dict[str, Any] = {"i": slot}
        if slot < 0:
            _own_name(out, data)
        start_fields(out, data["name"], data["path"], data["triggers"], data.get("input"))
        if data.get("caller"):
            out["by"] = data["caller"]
        return out
    if kind == "task_end":
        return task_end_record(data, slot)
    if kind == "token":
        chunk = data["chunk"]
        out = {"n": calls.get(data["call_id"], -1), "x": data["text"]}
        extra = {}
        for field in ("tool_call_chunks", "usage_metadata", "response_metadata"):
            value = getattr(chunk, field, None)
            if value:
                extra[field] = value
        if extra:
            out["k"] = extra
        if data.get("hidden"):
            out["h"] = True
        return out
    if kind == "llm_start":
        number = calls.setdefault(data["call_id"], len(calls))
        return {"n": number, "call": data["call_id"], "id": id_bytes(data["task_id"]),
                "name": data.get("name"), "model": data.get("model"),
                "provider": data.get("provider"), "tags": data.get("tags"),
                "prompt": data.get("prompt"), "tools": data.get("tools")}
    if kind == "llm_end":
        out = {"n": calls.get(data["call_id"], -1), "tokens": data.get("tokens"),
               "d": data.get("duration"), "usage": data.get("usage")}
        message = data.get("message")
        if message is not None:
            out["text"] = getattr(message, "text", None)
            calls_ = getattr(message, "tool_calls", None)
            if calls_:
                out["tool_calls"] = calls_
        if data.get("error") is not None:
            out["e"] = data["error"]
        return out
    if kind == "custom":
        return {"id": id_bytes(data["task_id"]), "name": data.get("name"),
                "p": data["payload"]}
    if kind == "run_start":
        graph = data["graph"]
        return {
            "run_id": data["run_id"], "graph": graph.describe(), "input": data["input"],
            "config": _config(data["config"]), "state": data["state"],
            "state_keys": list(data["state_keys"]), "resumed": data["resumed"],
            "parent": data["parent"], "wall_start_ns": data["wall_start_ns"],
            "engine_version": data["engine_version"], "python": data["python"],
            "pid": data["pid"], "fork": data.get("fork"),
        }
    if kind == "step_start":
        return {"ids": [id_bytes(i) for i in data["task_ids"]], "names": data["names"]}
    if kind == "checkpoint":
        return {k: v for k, v in data.items() if k != "values"}
    if kind == "interrupt":
        return {"interrupts": list(data["interrupts"]), "static": data["static"]}
    if kind == "run_end":
        out = {"status": data["status"], "d": data["duration"],
               "interrupts": list(data.get("interrupts") or ())}
        if data.get("error") is not None:
            out["e"] = data["error"]
        return out
    return dict(data)


_NUMBER = (int, float)
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "task_start": {"i": (int,), "path": (list, tuple), "trig": (list,), "id": (bytes, str),
                   "name": (str,), "by": (str,)},
    "task_end": {"i": (int,), "d": _NUMBER, "px": (int,), "w": (list,), "intr": (list,),
                 "att": (int,), "id": (bytes, str), "name": (str,)},
    "step_start": {"ids": (list,), "names": (list,)},
    "step_end": {"d": (list,)},
    "token": {"n": (int,)},
    "llm_start": {"n": (int,), "tags": (list, type(None))},
    "llm_end": {"n": (int,), "tokens": (int, type(None)), "d": (*_NUMBER, type(None))},
    "custom": {"id": (bytes, str)},
    "interrupt": {"interrupts": (list,)},
    "run_start": {"run_id": (str,), "graph": (dict,), "state": (dict,),
                  "state_keys": (list,), "parent": (str, type(None)),
                  "wall_start_ns": (int, type(None))},
    "run_end": {"status": (str, type(None)), "d": (*_NUMBER, type(None)),
                "interrupts": (list,)},
    "keyframe": {"state": (dict,)},
}
"""The types of the stored fields (FORMAT.md §4) that readers compute with: a record
with another type there is malformed. Fields only shown (a model's name, a payload) are
not checked: any value may stand there."""


def check_fields(kind: str, data: dict[str, Any]) -> None:
    """ValueError naming the first stored field of a `kind` record that has the wrong
    type (FORMAT.md §4)."""
    for name, types in _FIELDS.get(kind, {}).items():
        if name in data and not isinstance(data[name], types):
            raise ValueError(f"its {name!r} is a {type(data[name]).__name__}")
    texts = {"step_start": ("names",), "task_start": ("trig",),
             "run_start": ("state_keys",)}.get(kind, ())
    for name in texts:
        if any(type(v) is not str for v in data.get(name, ())):
            raise ValueError(f"its {name!r} holds an item that is not text")
    if kind == "task_end" and any(type(w) is not list or len(w) != 2 or type(w[0]) is not str
                                  for w in data.get("w", ())):
        raise ValueError("a write that is not a [key, value] pair")
    if kind == "step_end" and any(type(d) is not list or not d or type(d[0]) is not str
                                  or len(d) < 2 or type(d[1]) is not str
                                  for d in data.get("d", ())):
        raise ValueError("a delta that is not [op, key, ...]")


def expand(kind: str, data: dict[str, Any],
           step: tuple[list[Any], list[str]] | None = None) -> dict[str, Any]:
    """Event data as the engine emitted it. `step` is (ids, names) of the event's step,
    which task_start and task_end need to name their task. ValueError (or TypeError) if
    the record's fields do not have the types FORMAT.md §4 gives them."""
    check_fields(kind, data)
    if kind in ("task_start", "task_end"):
        slot = data.get("i", -1)
        ids, names = step if step is not None else ([], [])
        name: str | None
        task_id: str | None
        if 0 <= slot < len(ids):
            task_id = id_text(ids[slot])
            name = names[slot] if slot < len(names) else None
        else:  # not in its step's list: named by itself, if at all
            task_id = id_text(data["id"]) if "id" in data else None
            own = data.get("name")
            name = own if isinstance(own, str) else None
    if kind == "task_start":
        path = tuple(data.get("path") or (PULL, name))
        # (With its step_start lost, the task's name, and so its triggers, are unknown.)
        triggers = tuple(data.get("trig", (f"branch:to:{name}",) if name is not None else ()))
        out = {"task_id": task_id, "name": name, "path": path, "triggers": triggers,
               "input": data.get("arg")}
        if "by" in data:
            out["caller"] = data["by"]
        return out
    if kind == "task_end":
        writes = [(k, v) for k, v in data.get("w", ())]
        path = ("__pregel_push", data["px"]) if "px" in data else (PULL, name)
        return {"task_id": task_id, "name": name, "writes": writes, "path": path,
                "result": dict(writes) if writes else None, "error": data.get("e"),
                "interrupts": tuple(data.get("intr", ())), "duration": data.get("d", 0),
                "returned": data.get("ret", True), "hidden": data.get("h", False),
                **({"attempts": data["att"]} if "att" in data else {})}
    if kind == "custom":
        return {"task_id": id_text(data["id"]), "name": data.get("name"),
                "payload": data.get("p")}
    if kind == "step_start":
        return {"task_ids": [id_text(i) for i in data.get("ids", [])],
                "names": data.get("names", [])}
    if kind == "llm_start":
        return {**data, "task_id": id_text(data.get("id", ""))}
    if kind == "run_end":
        return {"status": data.get("status"), "duration": data.get("d"),
                "error": data.get("e"), "interrupts": tuple(data.get("interrupts", ()))}
    return data
