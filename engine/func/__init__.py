"""LangGraph's functional API (`langgraph.func`): `@entrypoint` and `@task`."""

from engine.func.entrypoint import EntrypointGraph, entrypoint
from engine.func.tasks import TaskFunction, task

__all__ = ["EntrypointGraph", "TaskFunction", "entrypoint", "task"]
