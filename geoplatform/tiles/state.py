"""geoplatform.tiles.state: one small locked file per cached layer, shared by every process.

It holds three numbers:

- ``generation``: moved by every write of the layer, before its commit and again
  after it. A tile built from the store is kept only if the generation read
  before the store was asked is still current when the file is put in place, so
  a tile built from rows a write has since changed is never kept.
- ``pending``: writes announced (before their commit) whose invalidation has not
  finished yet. While it is above zero the layer's files are neither served nor
  written: a writer that fails, or dies, between its commit and its invalidation
  leaves the layer answered from the store, never from stale files.
- ``marked_at``: when the last write was announced, so that a mark left by a
  writer that died can be recognised and cleared (see ``TileCache``).

Writers take the file's lock exclusively, tile readers share it, only for the
few microseconds of reading the numbers or renaming a file into place. The lock
is ``flock`` on the file itself, which is never replaced, so it holds across
processes (server workers, commands) and between threads alike.
"""

from __future__ import annotations

import fcntl
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_FORMAT = struct.Struct("<QQd")


@dataclass(frozen=True)
class LayerState:
    """What the layer's state file says now."""

    generation: int = 0
    pending: int = 0
    marked_at: float = 0.0


class LockedState:
    """The state file while its lock is held: read it, and (exclusively) rewrite it."""

    def __init__(self, descriptor: int, exclusive: bool) -> None:
        self._descriptor = descriptor
        self._exclusive = exclusive
        data = os.pread(descriptor, _FORMAT.size, 0)
        self.state = (
            LayerState(*_FORMAT.unpack(data)) if len(data) == _FORMAT.size else LayerState()
        )

    def write(self, state: LayerState) -> None:
        """Replace the numbers (only under the exclusive lock)."""
        if not self._exclusive:
            raise RuntimeError("the layer state is written only under its exclusive lock")
        os.pwrite(
            self._descriptor, _FORMAT.pack(state.generation, state.pending, state.marked_at), 0
        )
        self.state = state


@contextmanager
def locked(path: Path, *, exclusive: bool, wait: bool = True) -> Iterator[LockedState]:
    """The layer's state under its lock (created, all zero, on first use).

    With ``wait=False`` a lock held by someone else raises ``BlockingIOError``
    at once (for callers on the event loop, which must never wait on a writer).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        fcntl.flock(descriptor, mode if wait else mode | fcntl.LOCK_NB)
        yield LockedState(descriptor, exclusive)
    finally:
        os.close(descriptor)  # releases the lock
