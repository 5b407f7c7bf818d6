"""geoplatform.store.backup: online backup and verified restore of a GeoPackage store.

A live GeoPackage in WAL mode may hold committed data only in its ``-wal`` file,
so a plain file copy can lose it: the backup uses SQLite's online backup API,
which copies a consistent snapshot while the server keeps serving. A manifest
(count and SHA-256 per layer, see transfer.fingerprint) is written beside it and
checked again before a restore replaces anything.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import GeoPlatformError
from geoplatform.store.gpkg import GeoPackageStore
from geoplatform.store.transfer import fingerprint

if TYPE_CHECKING:
    import psycopg

Manifest = dict[str, dict[str, object]]


class RestoreError(GeoPlatformError):
    """A backup that fails its checks; nothing has been replaced."""

    status_code = 422
    code = "SchemaViolation"


def manifest_path(backup: Path) -> Path:
    """Where the manifest of ``backup`` lives."""
    return backup.with_name(backup.name + ".manifest.json")


def _online_copy(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
        live.backup(copy, pages=4096)
        copy.execute("PRAGMA journal_mode = DELETE")
    os.replace(partial, target)


def _verify(path: Path, catalog: LayerCatalog, expected: Manifest) -> None:
    with sqlite3.connect(path) as connection:
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RestoreError(f"{path.name}: SQLite integrity check failed")
    with GeoPackageStore(path, catalog) as store:
        actual = fingerprint(store)
    if actual != expected:
        differing = sorted(
            k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
        )
        raise RestoreError(f"{path.name}: counts or checksums differ for {', '.join(differing)}")


def backup_gpkg(source: Path, target: Path, catalog: LayerCatalog) -> Manifest:
    """Copy a live store consistently to ``target`` and write its manifest beside it."""
    _online_copy(source, target)
    with GeoPackageStore(target, catalog) as store:
        manifest = fingerprint(store)
    manifest_path(target).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def restore_gpkg(backup: Path, target: Path, catalog: LayerCatalog) -> Manifest:
    """Verify ``backup`` against its manifest, then put it in place of ``target``.

    The replaced store (with its -wal/-shm) is kept as ``<target>.pre-restore``.
    Stop the server first: open connections would keep reading the old file.
    """
    try:
        expected: Manifest = orjson.loads(manifest_path(backup).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise RestoreError(f"{backup.name}: no readable manifest beside it") from exc
    staged = target.with_name(target.name + ".restoring")
    _online_copy(backup, staged)
    _verify(staged, catalog, expected)
    for suffix in ("", "-wal", "-shm"):
        current = Path(str(target) + suffix)
        if current.exists():
            os.replace(current, Path(str(target) + ".pre-restore" + suffix))
    os.replace(staged, target)
    return expected


PG_BIN = Path("/usr/lib/postgresql/15/bin")
_SCHEMA = re.compile(r"[a-z][a-z0-9_]{0,50}")


def _pg_tool(name: str) -> str:
    candidate = PG_BIN / name
    return str(candidate) if candidate.exists() else name


def backup_postgis(dsn: str, schema: str, target: Path, catalog: LayerCatalog) -> Manifest:
    """``pg_dump`` one schema from a consistent snapshot; the manifest is read from it too."""
    from geoplatform.store.postgis import PostGISStore

    if not _SCHEMA.fullmatch(schema):
        raise RestoreError("schema: lowercase letters, digits and _ only")
    partial = target.with_name(target.name + ".partial")
    with PostGISStore(dsn, catalog, schema=schema, pool_size=2) as store:
        with store.snapshot() as (snapshot, view):
            subprocess.run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--schema={schema}",
                    "--no-owner",
                    f"--file={partial}",
                    dsn,
                ],
                check=True,
                capture_output=True,
            )
            manifest = fingerprint(view)
    os.replace(partial, target)
    manifest_path(target).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def restore_postgis(dsn: str, schema: str, backup: Path, catalog: LayerCatalog) -> Manifest:
    """Restore ``schema`` from ``backup`` and verify it; on any failure put the old one back.

    The current schema is renamed aside (``<schema>_pre_restore``) first and dropped
    only after the restored copy matches the manifest. Stop writers while it runs.
    """
    import psycopg

    from geoplatform.store.postgis import PostGISStore

    try:
        expected: Manifest = orjson.loads(manifest_path(backup).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise RestoreError(f"{backup.name}: no readable manifest beside it") from exc
    if not _SCHEMA.fullmatch(schema):
        raise RestoreError("schema: lowercase letters, digits and _ only")
    aside = f"{schema}_pre_restore"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{aside}" CASCADE')
        if _exists(connection, schema):
            connection.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{aside}"')
    try:
        restore = subprocess.run(
            [
                _pg_tool("pg_restore"),
                "--single-transaction",
                "--no-owner",
                f"--dbname={dsn}",
                str(backup),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if restore.returncode != 0:
            raise RestoreError(f"{backup.name}: pg_restore failed: {restore.stderr[-300:]}")
        with PostGISStore(dsn, catalog, schema=schema, pool_size=2) as restored:
            actual = fingerprint(restored)
        if actual != expected:
            raise RestoreError(f"{backup.name}: restored counts or checksums differ")
    except GeoPlatformError:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            if _exists(connection, aside):
                connection.execute(f'ALTER SCHEMA "{aside}" RENAME TO "{schema}"')
        raise
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{aside}" CASCADE')
    return expected


def _exists(connection: psycopg.Connection[Any], schema: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None
