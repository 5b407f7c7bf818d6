"""PostGIS-only guarantees: least-privilege roles and a schema version check."""

from __future__ import annotations

import uuid

import psycopg
import pytest

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
