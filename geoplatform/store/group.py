"""geoplatform.store.group: group commit, one durable transaction for concurrent writers.

A case report costs a few milliseconds of statements, and then a commit that
waits for the disk (``fsync`` of the GeoPackage's WAL, of PostgreSQL's WAL).
When reports arrive together, each waiting for the write lock and then for its
own flush, the disk sets the pace. Here concurrent callers hand their work to
whoever is writing: the first caller becomes the *leader*, takes every job
queued so far, runs each in its own savepoint of one transaction, commits once
(one flush, one statistics update per layer, one tile-cache round) and then
wakes each caller with its own result. Callers that arrive meanwhile queue for
the next batch, whose leader is the first of them.

What a caller is promised does not change: its call returns only after the
commit that holds its changes has ended, so an acknowledged write is on disk; a
job that fails is undone alone (``ROLLBACK TO SAVEPOINT``) and its caller gets
its exception, the other jobs of the batch are unaffected; if the commit itself
fails, every job of the batch gets that error and none of them was written.
Jobs must not open transactions of their own (they get the batch's ``FeatureEdit``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geoplatform.store.editing import FeatureEdit
    from geoplatform.store.sql_store import SqlStore

MAX_BATCH = 64
"""Jobs per transaction at most: bounds how long the write lock is held at a time."""


@dataclass
class _Job[T]:
    """One caller's work and, once its batch has ended, its outcome."""

    work: Callable[[FeatureEdit], T]
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    finished: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """Runs the write jobs of concurrent threads of one process in shared transactions."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._guard = threading.Lock()
        self._queue: list[_Job[Any]] = []
        self._leading = False

    def run[T](self, work: Callable[[FeatureEdit], T]) -> T:
        """Run ``work`` in a write transaction; return its result once that has committed."""
        job: _Job[T] = _Job(work)
        with self._guard:
            self._queue.append(job)
            if not self._leading:
                self._leading = job.lead = True
        while not job.finished:
            if job.lead:
                self._lead()  # the leader is first in the queue: its batch holds its job
            else:
                job.wake.wait()
                job.wake.clear()
        if job.error is not None:
            raise job.error
        return job.result

    def _lead(self) -> None:
        """Run one batch, then hand leadership to the first job still queued."""
        with self._guard:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            self._run_batch(batch)
        finally:
            for job in batch:
                job.finished = True
            with self._guard:
                successor = self._queue[0] if self._queue else None
                if successor is None:
                    self._leading = False
                else:
                    successor.lead = True
            for job in batch:
                job.wake.set()
            if successor is not None:
                successor.wake.set()

    def _run_batch(self, batch: list[_Job[Any]]) -> None:
        """One transaction: each job in a savepoint, one commit for all."""
        try:
            with self.store.edit() as edit:
                for job in batch:
                    snapshot = edit.savepoint()
                    try:
                        job.result = job.work(edit)
                    except BaseException as error:  # undone alone; its caller gets the error
                        job.error = error
                        edit.undo(snapshot)
                    else:
                        edit.keep(snapshot)
        except BaseException as error:  # the commit failed: nothing of the batch was written
            for job in batch:
                if job.error is None:
                    job.result, job.error = None, error
