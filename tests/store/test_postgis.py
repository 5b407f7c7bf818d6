"""PostGIS-only guarantees: least-privilege roles and a schema version check."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from geoplatform.errors import StoreUnavailable
from geoplatform.store.postgis import PostGISStore
from tests.common import poi_frame
from tests.conftest import app_role_dsn, drop_schema


@pytest.fixture
def schema(postgis_dsn: str):
    name = f"roles_{uuid.uuid4().hex[:10]}"
    yield name
    drop_schema(postgis_dsn, name)


def test_application_role_reads_and_writes_rows_but_no_ddl(postgis_dsn, schema, catalog) -> None:
    with PostGISStore(postgis_dsn, catalog, schema=schema) as owner:
        owner.ensure_layers(list(catalog))
        owner.replace_all("poi", poi_frame())
    app_dsn = app_role_dsn(postgis_dsn)
    with PostGISStore(app_dsn, catalog, schema=schema) as app:
        assert app.count("poi") == 5
    with psycopg.connect(app_dsn, autocommit=True) as connection:
        connection.execute(
            f'INSERT INTO "{schema}".poi (name, category) VALUES (%s, %s)', ("x", "y")
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(f'DROP TABLE "{schema}".poi')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(f'CREATE TABLE "{schema}".intruder (x int)')


def test_application_role_cannot_initialise(postgis_dsn, schema, catalog) -> None:
    with pytest.raises(StoreUnavailable, match="db init"):
        PostGISStore(app_role_dsn(postgis_dsn), catalog, schema=schema)


def test_schema_version_mismatch_refuses_to_start(postgis_dsn, schema, catalog) -> None:
    PostGISStore(postgis_dsn, catalog, schema=schema).close()
    with psycopg.connect(postgis_dsn, autocommit=True) as connection:
        connection.execute(f"UPDATE \"{schema}\".gp_meta SET value = '999'")
    with pytest.raises(StoreUnavailable, match="migrate"):
        PostGISStore(postgis_dsn, catalog, schema=schema)


@pytest.mark.parametrize("workers", [0, 2])
def test_connections_plan_with_the_configured_parallel_workers(
    postgis_dsn, schema, catalog, workers: int
) -> None:
    from geoplatform.settings import StoreSettings
    from geoplatform.store import open_store

    with PostGISStore(postgis_dsn, catalog, schema=schema) as owner:
        owner.ensure_layers(list(catalog))
    settings = StoreSettings(
        backend="postgis",
        postgis_dsn=postgis_dsn,
        postgis_schema=schema,
        postgis_parallel_workers=workers,
    )
    with open_store(settings, catalog) as store:
        shown = store.fetch_own("SHOW max_parallel_workers_per_gather", ())
    assert shown[0][0] == str(workers)


def test_a_terminated_pooled_connection_is_replaced_without_an_error(
    postgis_dsn, schema, catalog
) -> None:
    """The pool checks connections without a round trip; a backend killed while its
    connection sat idle in the pool (a restart, an administrator) must still be
    noticed on checkout and replaced, not handed to a request that then fails."""
    dsn = make_conninfo(postgis_dsn, application_name=schema)
    with PostGISStore(dsn, catalog, schema=schema) as store:
        store.ensure_layers(list(catalog))
        store.replace_all("poi", poi_frame())
        assert store.count("poi") == 5
        with psycopg.connect(postgis_dsn, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (schema,),
            ).fetchall()
        assert killed and all(done for _, done in killed)
        for _ in range(3):
            assert store.count("poi") == 5
        after = {row[0] for row in store.fetch_own("SELECT pg_backend_pid()", ())}
        assert not after & {pid for pid, _ in killed}
