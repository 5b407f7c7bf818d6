"""Schema migrations on both stores: a version-2 store gains the workflow tables."""

from __future__ import annotations

import pytest

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.errors import StoreUnavailable
from geoplatform.store.migrations import SCHEMA_VERSION

WORKFLOW = (
    "gp_principal", "gp_case", "gp_case_event", "gp_idempotency", "gp_counter",
    "gp_feature_history", "gp_audit",
)  # fmt: skip


def test_version_2_store_is_refused_then_migrated(store) -> None:
    assert SCHEMA_VERSION == "3"
    with store._transaction() as connection:
        for name in WORKFLOW:
            connection.execute(f"DROP TABLE {store.own_table(name)}")
    store.set_schema_version("2")
    with pytest.raises(StoreUnavailable, match="migrate"):
        store.check_schema_version()
    steps = store.migrate(lambda label: lambda done, total: None)
    assert steps == ["2 -> 3: workflow tables (principals, cases, history, idempotency, audit)"]
    assert store.schema_version == "3"
    assert store._count_tables(list(WORKFLOW)) == len(WORKFLOW)
    principal, key = PrincipalRegistry(store).add("after migration", [Role.acceptor])
    assert PrincipalRegistry(store).authenticate(key) == principal
    assert store.migrate(lambda label: lambda done, total: None) == []
