"""geoplatform.store.gpkg: the embedded default store, one GeoPackage file.

Durability and concurrency follow SQLite's rules for a server: WAL journal,
``synchronous=FULL`` (a committed write survives power loss), ``BEGIN IMMEDIATE``
for every write (a deferred read-then-write upgrade fails at once under
contention), one writer at a time in this process, readers never blocked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geoplatform.catalog import AttributeType, LayerCatalog, LayerDefinition
from geoplatform.errors import QueryTimeout, StoreUnavailable
from geoplatform.store import gpkg_format
from geoplatform.store.base import (
    FeatureRecord,
    LayerExtent,
    Progress,
    TimeInterval,
    WouldBlock,
    WriteReport,
)
from geoplatform.store.gpkg_format import quote
from geoplatform.store.migrations import SCHEMA_VERSION
from geoplatform.store.sql_filter import Dialect
from geoplatform.store.sql_store import SqlStore, prepare_write
from geoplatform.store.values import storage_value
from geoplatform.store.workflow import own_tables

CHUNK_ROWS = 5000


_PREDICATES = {
    "intersects": shapely.intersects,
    "disjoint": shapely.disjoint,
    "contains": shapely.contains,
    "within": shapely.within,
    "touches": shapely.touches,
    "crosses": shapely.crosses,
    "overlaps": shapely.overlaps,
    "equals": shapely.equals,
}


@lru_cache(maxsize=256)
def _literal(wkb: bytes) -> Any:
    geometry = shapely.from_wkb(wkb)
    shapely.prepare(geometry)
    return geometry


def _spatial_predicate(name: str, blob: bytes | None, wkb: bytes) -> int | None:
    """SQL function gp_spatial(name, geom, literal_wkb): ``name(geom, literal)`` by GEOS."""
    if blob is None:
        return None
    geometry = gpkg_format.decode([blob])[0]
    return int(_PREDICATES[name](geometry, _literal(wkb)))


def _intersects_box(blob: bytes | None, minx: float, miny: float, maxx: float, maxy: float) -> int:
    if blob is None:
        return 0
    geometry = gpkg_format.decode([blob])[0]
    return int(shapely.intersects(geometry, shapely.box(minx, miny, maxx, maxy)))


RTREE_MARGIN = 1e-4
"""Degrees; far beyond float32 rounding of longitudes and latitudes."""


def _bbox_params(bbox: tuple[float, float, float, float]) -> list[float]:
    minx, miny, maxx, maxy = bbox
    m = RTREE_MARGIN
    return [maxx, minx, maxy, miny, minx + m, maxx - m, miny + m, maxy - m, minx, miny, maxx, maxy]


def _now_text() -> str:
    """Now in GeoPackage's timestamp form (``YYYY-MM-DDTHH:MM:SS.SSSZ``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _is_transient(error: sqlite3.OperationalError) -> bool:
    """Locked, busy, read-only or full: the client may retry; anything else is a bug."""
    message = str(error).lower()
    return any(word in message for word in ("locked", "busy", "readonly", "disk", "full"))


SQLITE_DIALECT = Dialect(
    placeholder="?",
    quote=quote,
    spatial=lambda name, column, marker: f"gp_spatial('{name}', {quote(column)}, {marker})",
    geometry_param=shapely.to_wkb,
    boolean_param=int,
    envelope_prefilter=lambda layer_id: (
        f"fid IN (SELECT id FROM {quote(f'rtree_{layer_id}_geom')} "
        "WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)"
    ),
)


class GeoPackageStore(SqlStore):
    """FeatureStore over one GeoPackage file."""

    placeholder = "?"
    geometry_select = "geom"
    dialect = SQLITE_DIALECT
    time_cast = ""
    integer_type = "INTEGER"
    month_sql = "substr({}, 1, 7)"
    geometry_value_sql = "?"
    null_safe_equal = "IS"

    def geometry_value(self, geometry: Any) -> Any:
        """A GeoPackage geometry blob."""
        return gpkg_format.encode_one(geometry)

    def _after_edit(
        self, connection: sqlite3.Connection, layer_id: str, bounds: list[float | None]
    ) -> None:
        """Keep gpkg_contents' extent and change time, which QGIS and GDAL read."""
        connection.execute(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
            "last_change = ? WHERE table_name = ?",
            (*bounds, _now_text(), layer_id),
        )

    def _table(self, layer_id: str) -> str:
        return quote(self.catalog.get(layer_id).id)

    def __init__(
        self,
        path: Path,
        catalog: LayerCatalog,
        *,
        statement_timeout: float = 10.0,
        check_version: bool = True,
    ) -> None:
        self.path = Path(path)
        self.statement_timeout = statement_timeout
        self.catalog = catalog
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._writing() as connection:
            gpkg_format.create_core_tables(connection)
            connection.execute(
                "CREATE TABLE IF NOT EXISTS gp_meta (key TEXT PRIMARY KEY, value TEXT)"
            )
            connection.execute(
                "CREATE TABLE IF NOT EXISTS gp_layer_stats (layer_id TEXT PRIMARY KEY, "
                "feature_count INTEGER NOT NULL, min_x REAL, min_y REAL, max_x REAL, "
                "max_y REAL, t_min TEXT, t_max TEXT, version INTEGER NOT NULL DEFAULT 0)"
            )
            connection.execute(
                "INSERT OR IGNORE INTO gp_meta VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            for statement in own_tables("INTEGER"):
                connection.execute(statement.format(prefix=""))
        version = (
            self._read()
            .execute("SELECT value FROM gp_meta WHERE key = 'schema_version'")
            .fetchone()[0]
        )
        self.schema_version = str(version)
        if check_version:
            self.check_schema_version()

    def create_own_tables(self) -> None:
        """The workflow tables (created with every store; kept for the migration step)."""
        with self._writing() as connection:
            for statement in own_tables("INTEGER"):
                connection.execute(statement.format(prefix=""))

    def set_schema_version(self, version: str) -> None:
        """Record the schema version a migration step has reached."""
        with self._writing() as connection:
            connection.execute(
                "UPDATE gp_meta SET value = ? WHERE key = 'schema_version'", (version,)
            )
        self.schema_version = version

    # -- connections -----------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                self.path, autocommit=True, check_same_thread=False, timeout=5.0
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable("the store cannot be opened") from exc
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA busy_timeout = 5000")
        gpkg_format.register_functions(connection)
        connection.create_function("gp_spatial", 3, _spatial_predicate, deterministic=True)
        connection.create_function("gp_intersects_box", 5, _intersects_box, deterministic=True)
        with self._guard:
            self._connections.append(connection)
        return connection

    def _read(self) -> sqlite3.Connection:
        instant = getattr(self._local, "instant", None)
        if instant is not None:  # inside item_geojson_at_once
            return instant
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._open()
        return connection

    def item_geojson_at_once(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """The item read on a connection that never waits: WAL readers do not wait for
        writers, and in the rare case SQLite would (a checkpoint restarting the WAL),
        the read fails at once with ``WouldBlock`` and is asked again from a thread."""
        connection = getattr(self._local, "instant_connection", None)
        if connection is None:
            connection = self._local.instant_connection = self._open()
            connection.execute("PRAGMA busy_timeout = 0")
        self._local.instant = connection
        try:
            return self.item_geojson(layer_id, fid, target)
        except StoreUnavailable as exc:  # busy or locked: never wait on the caller's loop
            raise WouldBlock(layer_id) from exc
        finally:
            self._local.instant = None

    _writer: sqlite3.Connection | None = None
    _lock_file: int | None = None

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error.

        One write connection is kept and reused under the write lock (opening one
        costs more than a small transaction); after any SQLite error it is closed
        and the next transaction opens a fresh one, so an aborted state never
        leaks into the next write (disk full, I/O errors: reliability FS-10).
        """
        with self._write_lock, self._file_lock():
            if self._writer is None:
                self._writer = self._open()
            connection = self._writer
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                self._drop_writer()
                if isinstance(exc, sqlite3.OperationalError) and _is_transient(exc):
                    raise StoreUnavailable("the store is busy or read-only, try again") from exc
                raise

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """One writer at a time across processes (``serve --workers N``), queued by the kernel.

        SQLite's own busy handler polls with growing sleeps, so processes that
        contend for the write lock wait far longer than the lock is held; an
        advisory ``flock`` on a file beside the store hands the lock over at once.
        """
        if self._lock_file is None:
            self._lock_file = os.open(
                self.path.with_name(self.path.name + ".writelock"), os.O_RDWR | os.O_CREAT, 0o600
            )
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _drop_writer(self) -> None:
        """Close the kept write connection (it may hold an aborted transaction)."""
        connection, self._writer = self._writer, None
        if connection is None:
            return
        with self._guard:
            if connection in self._connections:
                self._connections.remove(connection)
        connection.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._writing()

    def close(self) -> None:
        """Close every connection this store opened."""
        self._writer = None
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    # -- schema ----------------------------------------------------------------

    def exists(self, layer_id: str) -> bool:
        """True when the layer is registered in gpkg_contents."""
        self.catalog.get(layer_id)
        row = (
            self._read()
            .execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (layer_id,))
            .fetchone()
        )
        return row is not None

    def ensure_layers(self, layers: Sequence[LayerDefinition]) -> None:
        """Create missing layer tables and H3 tables (one transaction)."""
        missing = [layer for layer in layers if not self.exists(layer.id)]
        unindexed = [layer for layer in layers if self._hex_tables_missing(layer)]
        grown = {
            layer.id: names
            for layer in layers
            if layer not in missing and (names := self._new_attributes(layer))
        }
        if not missing and not unindexed and not grown:
            return
        with self._writing() as connection:
            for layer_id, names in grown.items():  # an attribute added to the registry
                layer = self.catalog.get(layer_id)
                for name in names:
                    connection.execute(
                        f"ALTER TABLE {quote(layer.id)} ADD COLUMN {quote(name)} "
                        f"{gpkg_format.sql_type(layer.attribute(name).type)}"
                    )
            for layer in missing:
                gpkg_format.create_layer_table(connection, layer)
                connection.execute(
                    "INSERT OR REPLACE INTO gp_layer_stats (layer_id, feature_count) VALUES (?, 0)",
                    (layer.id,),
                )
            for layer in unindexed:
                for statement in self.hex_tables(layer).create():
                    connection.execute(statement)

    def _columns(self, layer_id: str) -> set[str]:
        rows = self._read().execute(f"PRAGMA table_info({quote(layer_id)})").fetchall()
        return {str(row[1]) for row in rows}

    def _count_tables(self, names: list[str]) -> int:
        marks = ", ".join("?" * len(names))
        query = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
        return int(self._read().execute(query, names).fetchone()[0])

    def _bulk_insert(
        self, connection: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})", rows
        )

    # -- reads -----------------------------------------------------------------

    def upgrade_metadata(self) -> None:
        """Schema 2: gp_layer_stats counts writes (``version``)."""
        columns = [row[1] for row in self._read().execute("PRAGMA table_info(gp_layer_stats)")]
        if "version" not in columns:
            with self._writing() as connection:
                connection.execute(
                    "ALTER TABLE gp_layer_stats ADD COLUMN version INTEGER NOT NULL DEFAULT 0"
                )

    def extent(self, layer_id: str) -> LayerExtent:
        """Spatial and temporal extent recorded at the last write."""
        self.catalog.get(layer_id)
        row = (
            self._read()
            .execute(
                "SELECT min_x, min_y, max_x, max_y, t_min, t_max FROM gp_layer_stats "
                "WHERE layer_id = ?",
                (layer_id,),
            )
            .fetchone()
        )
        if row is None or row[0] is None:
            return LayerExtent(None, None)
        interval = TimeInterval(row[4], row[5]) if row[4] else None
        return LayerExtent((row[0], row[1], row[2], row[3]), interval)

    def _bbox_condition(
        self, layer: LayerDefinition, bbox: tuple[float, float, float, float]
    ) -> tuple[str, list[Any]]:
        return self._bbox_clause(layer), _bbox_params(bbox)

    @staticmethod
    def _bbox_clause(layer: LayerDefinition) -> str:
        """R-tree candidates, exact-checked unless their envelope is well inside the box.

        SQLite's R-tree stores 32-bit floats rounded outwards, so an entry can reach a
        few micro-degrees past the true envelope: near the edges of the box every
        candidate (points too) is tested against its real geometry.
        """
        rtree, table = quote(f"rtree_{layer.id}_geom"), quote(layer.id)
        return (
            f"fid IN (SELECT r.id FROM {rtree} r WHERE r.minx <= ? AND r.maxx >= ? "
            "AND r.miny <= ? AND r.maxy >= ? AND ((r.minx >= ? AND r.maxx <= ? "
            "AND r.miny >= ? AND r.maxy <= ?) OR gp_intersects_box("
            f"(SELECT t.geom FROM {table} t WHERE t.fid = r.id), ?, ?, ?, ?)))"
        )

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run a read and fetch every row, cancelled past the statement time limit."""
        connection = self._read()
        deadline = time.monotonic() + self.statement_timeout
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
        try:
            return connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout("the query took too long; narrow it down") from exc
            if not _is_transient(exc):
                raise
            raise StoreUnavailable("the store cannot answer now, try again") from exc
        finally:
            connection.set_progress_handler(None, 0)

    def _records(
        self, layer: LayerDefinition, names: list[str], rows: list[tuple[Any, ...]]
    ) -> list[FeatureRecord]:
        if not rows:
            return []
        geometries = gpkg_format.decode([row[1] for row in rows])
        booleans = {n for n in names if layer.attribute(n).type is AttributeType.boolean}
        records = []
        for row, geometry in zip(rows, geometries, strict=True):
            properties = dict(zip(names, row[2:], strict=True))
            for name in booleans:
                if properties[name] is not None:
                    properties[name] = bool(properties[name])
            records.append(FeatureRecord(int(row[0]), geometry, properties))
        return records

    # -- writes ----------------------------------------------------------------

    def replace_all(
        self, layer_id: str, frame: gpd.GeoDataFrame, progress: Progress | None = None
    ) -> WriteReport:
        """Replace the layer's rows in one transaction: all land, or none."""
        layer = self.catalog.get(layer_id)
        batch = prepare_write(layer, frame)
        names, kinds, columns, geometries, fids = (
            batch.names,
            batch.kinds,
            batch.columns,
            batch.geometries,
            batch.fids,
        )
        blobs = gpkg_format.encode(geometries)
        total = len(batch)
        columns_sql = ", ".join(["fid", "geom", *(quote(n) for n in names)])
        insert = (
            f"INSERT INTO {quote(layer.id)} ({columns_sql}) "
            f"VALUES ({', '.join('?' * (len(names) + 2))})"
        )
        self.ensure_layers([layer])
        with self._announced({layer.id: None}), self._writing() as connection:
            connection.execute(f"DELETE FROM {quote(layer.id)}")
            connection.execute("DELETE FROM sqlite_sequence WHERE name = ?", (layer.id,))
            for start in range(0, total, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, total)
                rows = [
                    (
                        None if fids is None else fids[i],
                        blobs[i],
                        *(storage_value(col[i], k) for col, k in zip(columns, kinds, strict=True)),
                    )
                    for i in range(start, stop)
                ]
                connection.executemany(insert, rows)
                if progress is not None:
                    progress(stop, total)
            stored = np.arange(1, total + 1) if fids is None else np.asarray(fids)
            self._write_hex_index(connection, layer, stored, geometries)
            self._record_stats(connection, layer, geometries, total)
        return WriteReport(layer_id, total)

    def _record_stats(
        self,
        connection: sqlite3.Connection,
        layer: LayerDefinition,
        geometries: np.ndarray,
        total: int,
    ) -> None:
        bounds = shapely.total_bounds(geometries) if total else [None] * 4
        if total and any(math.isnan(b) for b in bounds):
            bounds = [None] * 4
        t_min = t_max = None
        if layer.temporal_property:
            t_min, t_max = connection.execute(
                f"SELECT min({quote(layer.temporal_property)}), "
                f"max({quote(layer.temporal_property)}) FROM {quote(layer.id)}"
            ).fetchone()
        connection.execute(
            "INSERT INTO gp_layer_stats (layer_id, feature_count, min_x, min_y, max_x, max_y, "
            "t_min, t_max, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) "
            "ON CONFLICT (layer_id) DO UPDATE SET feature_count = excluded.feature_count, "
            "min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, "
            "max_y = excluded.max_y, t_min = excluded.t_min, t_max = excluded.t_max, "
            "version = gp_layer_stats.version + 1",
            (layer.id, total, *bounds, t_min, t_max),
        )
        connection.execute(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
            "last_change = ? WHERE table_name = ?",
            (
                *bounds,
                _now_text(),
                layer.id,
            ),
        )
