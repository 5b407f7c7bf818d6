"""Moves between backends and GeoPackage backup/restore, verified by fingerprints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.store.backup import (
    RestoreError,
    backup_gpkg,
    backup_postgis,
    manifest_path,
    restore_gpkg,
    restore_postgis,
)
from geoplatform.store.gpkg import GeoPackageStore
from geoplatform.store.gpkg_format import register_functions
from geoplatform.store.postgis import PostGISStore
from geoplatform.store.transfer import fingerprint, move_to_gpkg, move_to_postgis
from tests.common import case_frame, poi_frame, unit_frame
from tests.conftest import drop_schema


@pytest.fixture
def source(tmp_path: Path, catalog) -> GeoPackageStore:
    store = GeoPackageStore(tmp_path / "source.gpkg", catalog)
    store.ensure_layers(list(catalog))
    pois = poi_frame()
    pois["fid"] = [3, 5, 8, 13, 21]  # ids with gaps must survive every move
    store.replace_all("poi", pois)
    store.replace_all("city_case", case_frame())
    store.replace_all("unit_grid", unit_frame())
    return store


def test_move_gpkg_to_postgis_and_back_is_lossless(
    source, tmp_path: Path, postgis_dsn, catalog
) -> None:
    schema = "move_test_target"
    drop_schema(postgis_dsn, schema)
    before = fingerprint(source)
    principal, key = PrincipalRegistry(source).add("moved along", [Role.acceptor])
    messages: list[str] = []
    try:
        move_to_postgis(source, postgis_dsn, schema, messages.append)
        with PostGISStore(postgis_dsn, catalog, schema=schema) as moved:
            assert fingerprint(moved) == before
            assert moved.get("poi", 21).properties["name"] == "派出所戊"
            assert PrincipalRegistry(moved).authenticate(key) == principal  # workflow tables too
            back = tmp_path / "back.gpkg"
            move_to_gpkg(moved, back, messages.append)
        with GeoPackageStore(back, catalog) as returned:
            assert fingerprint(returned) == before
            assert PrincipalRegistry(returned).authenticate(key) == principal
        assert "gp_principal: 1/1" in messages
        assert "poi: 5/5" in messages
        # a second move replaces the target whole
        source.replace_all("poi", poi_frame().iloc[:1])
        move_to_postgis(source, postgis_dsn, schema, messages.append)
        with PostGISStore(postgis_dsn, catalog, schema=schema) as moved:
            assert moved.count("poi") == 1 and moved.count("city_case") == 4
    finally:
        drop_schema(postgis_dsn, schema)


def test_backup_and_verified_restore(source, tmp_path: Path, catalog) -> None:
    backup = tmp_path / "backup.gpkg"
    manifest = backup_gpkg(source.path, backup, catalog)
    assert manifest["poi"]["count"] == 5
    source.replace_all("poi", poi_frame().iloc[:2])  # changes after the backup
    source.close()
    restore_gpkg(backup, source.path, catalog)
    with GeoPackageStore(source.path, catalog) as restored:
        assert fingerprint(restored) == manifest
    assert (tmp_path / "source.gpkg.pre-restore").exists()


def test_restore_refuses_a_tampered_backup(source, tmp_path: Path, catalog) -> None:
    backup = tmp_path / "backup.gpkg"
    backup_gpkg(source.path, backup, catalog)
    with sqlite3.connect(backup) as connection:
        register_functions(connection)
        connection.execute("UPDATE poi SET name = 'changed' WHERE fid = 3")
    before = fingerprint(source)
    source.close()
    with pytest.raises(RestoreError, match="poi"):
        restore_gpkg(backup, source.path, catalog)
    with GeoPackageStore(source.path, catalog) as untouched:
        assert fingerprint(untouched) == before


def test_postgis_backup_and_verified_restore(source, tmp_path: Path, postgis_dsn, catalog) -> None:
    schema = "backup_test"
    drop_schema(postgis_dsn, schema)
    backup = tmp_path / "city.dump"
    try:
        move_to_postgis(source, postgis_dsn, schema, lambda _m: None)
        with PostGISStore(postgis_dsn, catalog, schema=schema) as live:
            manifest = backup_postgis(postgis_dsn, schema, backup, catalog)
            assert manifest == fingerprint(live)
            live.replace_all("poi", poi_frame().iloc[:1])  # a change after the backup
            changed = fingerprint(live)
        restore_postgis(postgis_dsn, schema, backup, catalog)
        with PostGISStore(postgis_dsn, catalog, schema=schema) as restored:
            assert fingerprint(restored) == manifest
        # a manifest that does not match: refused, and the live schema is put back
        with PostGISStore(postgis_dsn, catalog, schema=schema) as live:
            live.replace_all("poi", poi_frame().iloc[:1])
        wrong = orjson.loads(manifest_path(backup).read_bytes())
        wrong["poi"]["count"] = 99
        manifest_path(backup).write_bytes(orjson.dumps(wrong))
        with pytest.raises(RestoreError):
            restore_postgis(postgis_dsn, schema, backup, catalog)
        with PostGISStore(postgis_dsn, catalog, schema=schema) as kept:
            assert fingerprint(kept) == changed
    finally:
        drop_schema(postgis_dsn, schema)


def test_postgis_schema_copy_is_lossless_and_writable(source, postgis_dsn, catalog) -> None:
    """A copy made inside the database equals its source, and new rows get new ids."""
    from geoplatform.store.transfer import copy_postgis_schema
    from tests.conftest import app_role_dsn

    original, copy = "copy_test_source", "copy_test_target"
    for schema in (original, copy):
        drop_schema(postgis_dsn, schema)
    principal, key = PrincipalRegistry(source).add("copied along", [Role.acceptor])
    try:
        move_to_postgis(source, postgis_dsn, original, lambda _m: None)
        messages: list[str] = []
        counts = copy_postgis_schema(postgis_dsn, catalog, original, copy, messages.append)
        assert counts["poi"] == 5 and "poi: 5" in messages
        with PostGISStore(app_role_dsn(postgis_dsn), catalog, schema=copy) as copied:
            assert fingerprint(copied) == fingerprint(source)
            assert PrincipalRegistry(copied).authenticate(key) == principal
            with copied.edit() as edit:  # the application role writes; ids go on from 21
                fid = edit.insert("poi", poi_frame().iloc[0].drop("geometry").to_dict(),
                                  poi_frame().geometry.iloc[0])  # fmt: skip
            assert fid == 22
        with PostGISStore(postgis_dsn, catalog, schema=original) as untouched:
            assert untouched.count("poi") == 5
        with pytest.raises(Exception, match="schema"):
            copy_postgis_schema(postgis_dsn, catalog, original, "Bad-Name", lambda _m: None)
        # the same through the command line, with progress on stderr
        import os
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-m", "geoplatform.cli", "db", "copy", "--to-schema", copy],
            env={
                **os.environ,
                "GEOPLATFORM_STORE__BACKEND": "postgis",
                "GEOPLATFORM_STORE__POSTGIS_DSN": postgis_dsn,
                "GEOPLATFORM_STORE__POSTGIS_SCHEMA": original,
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"to {copy}" in done.stdout and "poi: 5" in done.stderr
        with PostGISStore(postgis_dsn, catalog, schema=copy) as again:
            assert fingerprint(again) == fingerprint(source)
    finally:
        for schema in (original, copy):
            drop_schema(postgis_dsn, schema)
