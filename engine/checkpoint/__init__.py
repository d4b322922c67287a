"""Checkpointers: where a thread's state is kept between runs (interrupts, time travel)."""

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord, PendingTask

__all__ = ["BaseCheckpointSaver", "CheckpointRecord", "PendingTask"]
