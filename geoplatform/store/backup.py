"""geoplatform.store.backup: online backup and verified restore of a GeoPackage store.

A live GeoPackage in WAL mode may hold committed data only in its ``-wal`` file,
so a plain file copy can lose it: the backup uses SQLite's online backup API,
which copies a consistent snapshot while the server keeps serving. A manifest
(count and SHA-256 per layer, see transfer.fingerprint) is written beside it and
checked again before a restore replaces anything.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import orjson

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import GeoPlatformError
from geoplatform.store.gpkg import GeoPackageStore
from geoplatform.store.transfer import fingerprint

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
