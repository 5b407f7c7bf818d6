"""geoplatform.store.transfer: read whole layers, fingerprint stores, move between backends.

A fingerprint (feature count and SHA-256 per layer over fid, geometry WKB and
properties in fid order) does not depend on the backend, so a move GeoPackage ->
PostGIS -> GeoPackage, or a backup and its restore, can be verified exactly.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import shapely

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import StoreUnavailable
from geoplatform.store.base import FeatureQuery, FeatureRecord, FeatureStore
from geoplatform.store.workflow import OWN_TABLE_NAMES

PAGE = 10_000
Report = Callable[[str], None]


def iter_records(store: FeatureStore, layer_id: str, page: int = PAGE) -> Iterator[FeatureRecord]:
    """Every feature of a layer in fid order, read by keyset pages."""
    after = 0
    while True:
        chunk = store.query(
            layer_id, FeatureQuery(limit=page, after_fid=after, with_count=False)
        ).features
        yield from chunk
        if len(chunk) < page:
            return
        after = chunk[-1].fid


def read_frame(store: FeatureStore, layer_id: str) -> gpd.GeoDataFrame:
    """A whole layer as a GeoDataFrame (lon/lat, EPSG:4490), fid order kept."""
    layer = store.catalog.get(layer_id)
    records = list(iter_records(store, layer_id))
    data = {name: [r.properties[name] for r in records] for name in layer.attribute_names}
    data["fid"] = [r.fid for r in records]
    return gpd.GeoDataFrame(data, geometry=[r.geometry for r in records], crs=4490)


def fingerprint(store: FeatureStore) -> dict[str, dict[str, object]]:
    """{layer id: {"count", "sha256"}} for every layer in the store's catalog."""
    result: dict[str, dict[str, object]] = {}
    for layer in store.catalog:
        digest = hashlib.sha256()
        count = 0
        for record in iter_records(store, layer.id):
            wkb = b"" if record.geometry is None else shapely.to_wkb(record.geometry, hex=False)
            digest.update(
                orjson.dumps([record.fid, record.properties], option=orjson.OPT_SORT_KEYS)
            )
            digest.update(wkb)
            count += 1
        result[layer.id] = {"count": count, "sha256": digest.hexdigest()}
    return result


def copy_layers(source: FeatureStore, target: FeatureStore, report: Report) -> dict[str, int]:
    """Copy every catalog layer from ``source`` into ``target`` (each layer replaced whole)."""
    counts: dict[str, int] = {}
    target.ensure_layers(list(target.catalog))
    for layer in source.catalog:
        frame = read_frame(source, layer.id)

        def progress(done: int, total: int, name: str = layer.id) -> None:
            if done == total or done % 50_000 < 5_000:
                report(f"{name}: {done}/{total}")

        counts[layer.id] = target.replace_all(layer.id, frame, progress).written
        if counts[layer.id] == 0:
            report(f"{layer.id}: 0/0")
    return counts


def copy_own_tables(source: FeatureStore, target: FeatureStore, report: Report) -> dict[str, int]:
    """Copy the workflow tables (keys, cases, history, audit ...) in one transaction.

    Both backends create these tables from the same DDL, so columns line up in
    order and every value is a text or an integer on either side.
    """
    counts: dict[str, int] = {}
    with target.edit() as edit:
        for name in OWN_TABLE_NAMES:
            rows = [
                tuple(row)
                for row in source.fetch_own(f"SELECT * FROM {source.own_table(name)}", ())
            ]
            edit.execute(f"DELETE FROM {edit.table(name)}", ())
            if rows:
                marks = ", ".join([edit.mark] * len(rows[0]))
                edit.execute_many(f"INSERT INTO {edit.table(name)} VALUES ({marks})", rows)
            counts[name] = len(rows)
            report(f"{name}: {len(rows)}/{len(rows)}")
    return counts


def move_to_gpkg(source: FeatureStore, target: Path, report: Report) -> dict[str, int]:
    """Copy a whole store into a new GeoPackage at ``target``, atomically (rename)."""
    from geoplatform.store.gpkg import GeoPackageStore

    partial = target.with_name(target.name + ".partial")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    with GeoPackageStore(partial, source.catalog) as staged:
        counts = copy_layers(source, staged, report)
        copy_own_tables(source, staged, report)
        _check_same(source, staged)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    os.replace(partial, target)
    return counts


def move_to_postgis(source: FeatureStore, dsn: str, schema: str, report: Report) -> dict[str, int]:
    """Copy a whole store into PostGIS ``schema``: staged, verified, then swapped in one step."""
    import psycopg

    from geoplatform.store.postgis import PostGISStore

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", schema):
        raise StoreUnavailable("schema: lowercase letters, digits and _ (at most 41)")
    staging = f"{schema}_staging_{secrets.token_hex(4)}"
    try:
        with PostGISStore(dsn, source.catalog, schema=staging) as staged:
            counts = copy_layers(source, staged, report)
            copy_own_tables(source, staged, report)
            _check_same(source, staged)
        with psycopg.connect(dsn) as connection, connection.transaction():
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            connection.execute(f'ALTER SCHEMA "{staging}" RENAME TO "{schema}"')
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{staging}" CASCADE')
    return counts


def _check_same(source: FeatureStore, target: FeatureStore) -> None:
    expected, actual = fingerprint(source), fingerprint(target)
    if expected != actual:
        differing = sorted(k for k in expected if expected[k] != actual.get(k))
        raise StoreUnavailable(f"copy differs from its source in {', '.join(differing)}")


def copy_postgis_schema(
    dsn: str, catalog: LayerCatalog, source: str, target: str, report: Report
) -> dict[str, int]:
    """Copy a PostGIS store to another schema of the same database, inside the server.

    A staging schema gets every table the store's code creates (with its
    indexes, grants and the application role's rights), then each table's rows
    ``INSERT ... SELECT`` from the source without leaving the database, identity
    counters moved past the copied ids; row counts are compared, then the staging
    schema is renamed into place in one transaction (a failed copy leaves
    ``target`` as it was). For a training or test copy of a live city: far faster
    than a move, which reads every feature through the store contract.
    """
    import psycopg
    from psycopg import sql

    from geoplatform.store.postgis import PostGISStore

    for name in (source, target):
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", name):
            raise StoreUnavailable("schema: lowercase letters, digits and _ (at most 41)")
    staging = f"{target}_staging_{secrets.token_hex(4)}"
    counts: dict[str, int] = {}
    try:
        with PostGISStore(dsn, catalog, schema=staging) as staged:
            staged.ensure_layers(list(catalog))
            staged.create_own_tables()
        with psycopg.connect(dsn) as connection, connection.transaction():
            tables = _schema_tables(connection, source)
            missing = sorted(set(tables) - set(_schema_tables(connection, staging)))
            if missing:
                raise StoreUnavailable(f"the store's code does not create {', '.join(missing)}")
            for table, columns in tables.items():
                _copy_table(connection, sql, source, staging, table, columns)
                counts[table] = _count(connection, sql, staging, table)
                if counts[table] != _count(connection, sql, source, table):
                    raise StoreUnavailable(f"copy of {table} differs from its source")
                report(f"{table}: {counts[table]}")
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(target))
            )
            connection.execute(
                sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(staging), sql.Identifier(target)
                )
            )
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(staging))
            )
    with psycopg.connect(dsn, autocommit=True) as connection:
        for table in counts:  # fresh statistics, or the planner guesses on the new tables
            connection.execute(
                sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target), sql.Identifier(table))
            )
    return counts


def _schema_tables(connection: Any, schema: str) -> dict[str, list[tuple[str, bool]]]:
    """Each base table of ``schema``: its stored columns in order, and which draw on a sequence."""
    rows = connection.execute(
        "SELECT c.table_name, c.column_name, "
        "c.is_identity = 'YES' OR coalesce(c.column_default, '') LIKE 'nextval(%%' "
        "FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER' "
        "ORDER BY c.table_name, c.ordinal_position",
        (schema,),
    ).fetchall()
    tables: dict[str, list[tuple[str, bool]]] = {}
    for table, column, identity in rows:
        tables.setdefault(table, []).append((column, bool(identity)))
    return tables


def _copy_table(
    connection: Any, sql: Any, source: str, target: str, table: str, columns: list[tuple[str, bool]]
) -> None:
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    connection.execute(
        sql.SQL("TRUNCATE {}.{}").format(sql.Identifier(target), sql.Identifier(table))
    )
    connection.execute(
        sql.SQL("INSERT INTO {}.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}.{}").format(
            sql.Identifier(target), sql.Identifier(table), names, names,
            sql.Identifier(source), sql.Identifier(table),
        )
    )  # fmt: skip
    for name, identity in columns:
        if identity:
            qualified = f"{target}.{table}"
            connection.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "
                    "COALESCE((SELECT max({}) FROM {}.{}), 0) + 1, false)"
                ).format(sql.Identifier(name), sql.Identifier(target), sql.Identifier(table)),
                (qualified, name),
            )


def _count(connection: Any, sql: Any, schema: str, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}.{}").format(
        sql.Identifier(schema), sql.Identifier(table)
    )
    return int(connection.execute(query).fetchone()[0])
