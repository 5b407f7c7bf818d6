"""Group commit on both stores: concurrent writers share transactions, each keeps its outcome.

The oracle is the same as for single edits: after many concurrent jobs (some of
which fail half-way), the rows are exactly those of the jobs that succeeded, and a
full ``reindex`` finds the H3 cover and hexbin aggregates the shared transactions kept.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from geoplatform.store.editing import FeatureEdit
from tests.store.test_editing import case_properties, layer_rows, random_point, seeded  # noqa: F401
from tests.store.test_hexindex import CASES, hex_snapshot

WRITERS = 12
JOBS = 96


class Refused(Exception):
    """A job's own failure, raised after it has written a row."""


def test_concurrent_jobs_share_commits_and_fail_alone(seeded) -> None:  # noqa: F811
    store = seeded
    before = store.count(CASES)
    version = store.store_version()
    commits: list[int] = []
    original_edit = store.edit

    def counting_edit():  # every transaction the group commit opens
        commits.append(1)
        return original_edit()

    store.edit = counting_edit  # type: ignore[method-assign]
    start = threading.Barrier(WRITERS)

    def job(i: int) -> tuple[int, int | None, str | None]:
        rng = np.random.default_rng(100 + i)

        def work(edit: FeatureEdit) -> int:
            fid = edit.insert(CASES, case_properties(rng, 1000 + i), random_point(rng))
            if i % 7 == 3:  # written, then refused: its savepoint is undone alone
                raise Refused(str(fid))
            return fid

        if i < WRITERS:
            start.wait()
        try:
            return i, store.edit_together(work), None
        except Refused as error:
            return i, None, str(error)

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            outcomes = list(pool.map(job, range(JOBS)))
    finally:
        del store.edit
    kept = [fid for _, fid, _ in outcomes if fid is not None]
    refused = [i for i, fid, _ in outcomes if fid is None]
    assert refused == [i for i in range(JOBS) if i % 7 == 3]
    assert len(set(kept)) == len(kept) == JOBS - len(refused)
    assert store.count(CASES) == before + len(kept)
    rows = layer_rows(store, CASES)
    assert set(kept) <= {row[0] for row in rows}
    case_ids = {dict(row[2])["case_id"] for row in rows}
    assert all(f"edit-{1000 + i:05d}" in case_ids for i, fid, _ in outcomes if fid is not None)
    assert not any(f"edit-{1000 + i:05d}" in case_ids for i in refused)  # undone alone
    assert len(commits) < JOBS  # jobs were committed together
    assert store.store_version() > version
    aggregates = hex_snapshot(store, CASES)
    store.reindex(CASES)
    assert hex_snapshot(store, CASES) == aggregates


def test_a_failed_commit_fails_every_job_of_its_batch(seeded, monkeypatch) -> None:  # noqa: F811
    store = seeded
    before = (store.count(CASES), layer_rows(store, CASES))
    rng = np.random.default_rng(5)

    class DiskFull(Exception):
        pass

    def refuse(_changes) -> None:
        raise DiskFull("no space left")

    class Listener:
        before_commit = staticmethod(refuse)

        @staticmethod
        def after_commit(_changes) -> None:
            pass

    store.on_commit(Listener())
    with pytest.raises(DiskFull):
        store.edit_together(
            lambda edit: edit.insert(CASES, case_properties(rng, 1), random_point(rng))
        )
    assert (store.count(CASES), layer_rows(store, CASES)) == before
