"""geoplatform.store.migrations: ordered, idempotent upgrades of a store's own tables.

A store records its schema version in ``gp_meta``; a server refuses to open an
older one (it would answer from tables that are not there), and
``geoplatform db migrate`` runs the steps below in order. Each step can be run
again after an interruption: the version moves only once the step has finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geoplatform.store.base import FeatureStore, Progress

SCHEMA_VERSION = "3"


@dataclass(frozen=True)
class Step:
    """One upgrade from ``source`` to ``target``."""

    source: str
    target: str
    summary: str
    run: Callable[[FeatureStore, Callable[[str], Progress]], None]


def _h3_index(store: FeatureStore, progress: Callable[[str], Progress]) -> None:
    """Version 2: write counters per layer; every H3-indexed layer gets its cover and aggregates."""
    store.upgrade_metadata()
    store.ensure_layers(list(store.catalog))
    for layer in store.catalog:
        if layer.h3_index_resolution is not None:
            store.reindex(layer.id, progress(f"H3 index of {layer.id}"))


def _workflow_tables(store: FeatureStore, progress: Callable[[str], Progress]) -> None:
    """Version 3: principals, cases, case history, idempotency records, counters, audit."""
    store.create_own_tables()


STEPS = (
    Step("1", "2", "H3 cover and hexbin tables for every indexed layer", _h3_index),
    Step(
        "2",
        "3",
        "workflow tables (principals, cases, history, idempotency, audit)",
        _workflow_tables,
    ),
)


def pending(version: str) -> list[Step]:
    """Steps that bring ``version`` to the current one, in order."""
    steps: list[Step] = []
    for step in STEPS:
        if step.source == version:
            steps.append(step)
            version = step.target
    return steps


def migrate(
    store: FeatureStore,
    version: str,
    set_version: Callable[[str], None],
    progress: Callable[[str], Progress],
) -> list[Step]:
    """Run the pending steps, recording each new version as it completes."""
    done = []
    for step in pending(version):
        step.run(store, progress)
        set_version(step.target)
        done.append(step)
    return done
