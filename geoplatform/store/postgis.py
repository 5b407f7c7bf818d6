"""geoplatform.store.postgis: the production store, PostgreSQL 15 + PostGIS 3.

Same contract as the GeoPackage store: canonical geometry in CGCS2000 lon/lat
(SRID 4490), exact counts kept per layer in the same transaction as every write,
every value a bound parameter and every identifier checked against the layer
registry. Reads run in autocommit under a statement time limit; bulk writes use
COPY inside one transaction, so readers see the old rows until it commits.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import select
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from geoplatform import crs
from geoplatform.catalog import AttributeType, LayerCatalog, LayerDefinition
from geoplatform.errors import QueryTimeout, StoreUnavailable
from geoplatform.store.base import (
    FeatureQuery,
    FeatureRecord,
    GeoJSONPage,
    LayerExtent,
    Progress,
    TileRequest,
    TimeInterval,
    WriteReport,
)
from geoplatform.store.gpkg_format import quote
from geoplatform.store.migrations import SCHEMA_VERSION
from geoplatform.store.sql_filter import Dialect
from geoplatform.store.sql_store import SqlStore, order_by, prepare_write
from geoplatform.store.values import output_value, storage_value, utc_text
from geoplatform.store.workflow import own_tables

SRID = 4490
CHUNK_ROWS = 5000
_SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PG_TYPES = {
    AttributeType.string: "text",
    AttributeType.integer: "bigint",
    AttributeType.number: "double precision",
    AttributeType.boolean: "boolean",
    AttributeType.date: "date",
    AttributeType.datetime: "timestamptz",
}

POSTGIS_DIALECT = Dialect(
    placeholder="%s",
    quote=quote,
    spatial=lambda name, column, marker: (
        f"ST_{name.capitalize()}({quote(column)}, ST_GeomFromWKB({marker}, {SRID}))"
    ),
    geometry_param=shapely.to_wkb,
    boolean_param=bool,
)


def check_pooled_connection(connection: psycopg.Connection[Any]) -> None:
    """The pool's check of a connection it hands out, without a round trip when idle.

    psycopg_pool's own check sends an empty query on every checkout: one more round
    trip and backend wake-up per request (a quarter of a tile request's time in the
    pool under load). A healthy idle connection has nothing to read; one whose
    backend was terminated or restarted has its FATAL message or EOF waiting, and
    only then is the full check run, which raises so the pool replaces it.
    """
    if connection.closed or connection.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(connection)


async def check_pooled_connection_async(connection: psycopg.AsyncConnection[Any]) -> None:
    """``check_pooled_connection`` for the asynchronous pool."""
    from psycopg_pool import AsyncConnectionPool

    if connection.closed or connection.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    if readable:
        await AsyncConnectionPool.check_connection(connection)


class PostGISStore(SqlStore):
    """FeatureStore over one PostgreSQL schema; owns a small connection pool."""

    placeholder = "%s"
    geometry_select = "ST_AsBinary(geom)"
    time_cast = "::timestamptz"
    dialect = POSTGIS_DIALECT
    integer_type = "bigint"
    month_sql = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM')"
    geometry_value_sql = f"ST_GeomFromWKB(%s, {SRID})"
    null_safe_equal = "IS NOT DISTINCT FROM"
    lock_suffix = " FOR UPDATE"

    def geometry_value(self, geometry: Any) -> Any:
        """ISO WKB (the SRID is given by ``geometry_value_sql``)."""
        return shapely.to_wkb(geometry)

    def _execute_many(
        self, connection: psycopg.Connection[Any], sql: str, rows: list[tuple[Any, ...]]
    ) -> None:
        """psycopg pipelines ``executemany``: one round trip per batch, not per row."""
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def __init__(
        self,
        dsn: str,
        catalog: LayerCatalog,
        *,
        schema: str = "geoplatform",
        statement_timeout: float = 10.0,
        parallel_workers: int = 0,
        pool_size: int = 8,
        app_role: str = "geoplatform_app",
        check_version: bool = True,
    ) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        if not _SCHEMA_NAME.match(app_role):
            raise ValueError(f"invalid role name {app_role!r}")
        self.catalog = catalog
        self.schema = schema
        self.app_role = app_role
        options = (
            f"-c statement_timeout={int(statement_timeout * 1000)} "
            f"-c max_parallel_workers_per_gather={int(parallel_workers)} "
            f"-c idle_in_transaction_session_timeout=60000 -c search_path={schema},public"
        )
        self._dsn, self._options, self._pool_size = dsn, options, pool_size
        self._async_pools: dict[int, Any] = {}
        self.pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            timeout=2.0,
            kwargs={"autocommit": True, "options": options, "connect_timeout": 3},
            check=check_pooled_connection,
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=10.0)
        except PoolTimeout as exc:
            raise StoreUnavailable("the PostGIS store cannot be reached") from exc
        self._create_metadata()
        if check_version:
            self.check_schema_version()

    # -- connections -------------------------------------------------------------

    _pinned: psycopg.Connection[Any] | None = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._pinned is not None:
            yield self._pinned
            return
        try:
            with self.pool.connection() as connection:
                yield connection
        except PoolTimeout as exc:
            raise StoreUnavailable("the store is overloaded, try again") from exc
        except pg_errors.QueryCanceled as exc:
            raise QueryTimeout("the query took too long; narrow it down") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable("the store cannot answer now, try again") from exc

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as connection, connection.transaction():
            yield connection

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._connection() as connection:
            return connection.execute(sql, params, prepare=True).fetchall()

    def close(self) -> None:
        """Close the pool and every connection in it (a snapshot view closes nothing)."""
        if self._pinned is None:
            self.pool.close()

    @contextmanager
    def snapshot(self) -> Iterator[tuple[str, PostGISStore]]:
        """A read-only view of one consistent snapshot, and its id for ``pg_dump --snapshot``."""
        with self.pool.connection() as connection:
            connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                row = connection.execute("SELECT pg_export_snapshot()").fetchone()
                assert row is not None
                view = copy.copy(self)
                view._pinned = connection
                yield str(row[0]), view
            finally:
                connection.execute("ROLLBACK")

    # -- schema ----------------------------------------------------------------

    def _table(self, layer_id: str) -> str:
        return f"{quote(self.schema)}.{quote(self.catalog.get(layer_id).id)}"

    def _schema_prefix(self) -> str:
        return f"{quote(self.schema)}."

    def _bulk_insert(
        self,
        connection: psycopg.Connection[Any],
        table: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
    ) -> None:
        target = ", ".join(quote(c) for c in columns)
        with connection.cursor().copy(f"COPY {table} ({target}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _columns(self, layer_id: str) -> set[str]:
        rows = self._fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (self.schema, layer_id),
        )
        return {str(row[0]) for row in rows}

    def _count_tables(self, names: list[str]) -> int:
        rows = self._fetch(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = ANY(%s)",
            (self.schema, names),
        )
        return int(rows[0][0])

    def _create_metadata(self) -> None:
        """Create the schema's metadata once; afterwards only read its version.

        Only the owner role creates anything: the application role, which has no
        CREATE privilege, opens an initialised schema without any DDL.
        """
        s = quote(self.schema)
        with self._connection() as connection:
            present = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (f"{self.schema}.gp_meta",)
            ).fetchone()
            if not (present and present[0]):
                self._initialise(connection)
            version = connection.execute(
                f"SELECT value FROM {s}.gp_meta WHERE key = 'schema_version'"
            ).fetchone()
        self.schema_version = "0" if version is None else str(version[0])

    def create_own_tables(self) -> None:
        """The workflow tables, readable and writable by the application role (owner only)."""
        try:
            with self._transaction() as connection:
                self._create_own(connection)
        except pg_errors.InsufficientPrivilege as exc:
            raise StoreUnavailable(
                "the workflow tables are missing: run 'geoplatform db migrate' as the owner role"
            ) from exc

    def _create_own(self, connection: psycopg.Connection[Any]) -> None:
        """Workflow tables and the application role's grants, in the caller's transaction."""
        for statement in own_tables("bigint"):
            connection.execute(statement.format(prefix=f"{quote(self.schema)}."))
        self._grant(connection)

    def set_schema_version(self, version: str) -> None:
        """Record the schema version a migration step has reached."""
        with self._transaction() as connection:
            connection.execute(
                f"UPDATE {quote(self.schema)}.gp_meta SET value = %s WHERE key = 'schema_version'",
                (version,),
            )
        self.schema_version = version

    def _initialise(self, connection: psycopg.Connection[Any]) -> None:
        s = quote(self.schema)
        try:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {s}.gp_meta (key text PRIMARY KEY, value text)"
                )
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {s}.gp_layer_stats (layer_id text PRIMARY KEY, "
                    "feature_count bigint NOT NULL, min_x double precision, "
                    "min_y double precision, max_x double precision, max_y double precision, "
                    "t_min text, t_max text, version bigint NOT NULL DEFAULT 0)"
                )
                connection.execute(
                    f"INSERT INTO {s}.gp_meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
                    (SCHEMA_VERSION,),
                )
                self._create_own(connection)
        except pg_errors.InsufficientPrivilege as exc:
            raise StoreUnavailable(
                "the store is not initialised: run 'geoplatform db init' as the owner role"
            ) from exc

    def _grant(self, connection: psycopg.Connection[Any]) -> None:
        """Let the application role read and write rows, and nothing more."""
        role = connection.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = %s", (self.app_role,)
        ).fetchone()
        if role is None or role[0] == connection.info.user:
            return
        s, r = quote(self.schema), quote(self.app_role)
        connection.execute(f"GRANT USAGE ON SCHEMA {s} TO {r}")
        connection.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}"
        )
        connection.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}")
        connection.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}"
        )
        connection.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}"
        )

    def exists(self, layer_id: str) -> bool:
        """True when the layer's table exists in the schema."""
        layer = self.catalog.get(layer_id)
        rows = self._fetch(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (self.schema, layer.id),
        )
        return bool(rows)

    def ensure_layers(self, layers: Sequence[LayerDefinition]) -> None:
        """Create missing layer tables and their indexes (one transaction)."""
        missing = [layer for layer in layers if not self.exists(layer.id)]
        unindexed = [layer for layer in layers if self._hex_tables_missing(layer)]
        grown = {
            layer.id: names
            for layer in layers
            if layer not in missing and (names := self._new_attributes(layer))
        }
        if not missing and not unindexed and not grown:
            return
        try:
            with self._connection() as connection, connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                for layer_id, names in grown.items():  # an attribute added to the registry
                    layer = self.catalog.get(layer_id)
                    for name in names:
                        connection.execute(
                            f"ALTER TABLE {self._table(layer.id)} ADD COLUMN IF NOT EXISTS "
                            f"{quote(name)} {_PG_TYPES[layer.attribute(name).type]}"
                        )
                for layer in missing:
                    self._create_table(connection, layer)
                for layer in unindexed:
                    for statement in self.hex_tables(layer).create():
                        connection.execute(statement)
                self._grant(connection)
        except pg_errors.InsufficientPrivilege as exc:
            raise StoreUnavailable(
                "layer tables are missing: run 'geoplatform db init' as the owner role"
            ) from exc

    def _create_table(self, connection: psycopg.Connection[Any], layer: LayerDefinition) -> None:
        table = self._table(layer.id)
        columns = ", ".join(f"{quote(a.name)} {_PG_TYPES[a.type]}" for a in layer.attributes)
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (fid bigint GENERATED BY DEFAULT AS IDENTITY "
            f"PRIMARY KEY, geom geometry({layer.geometry_type}, {SRID}), {columns})"
        )
        connection.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(f'{layer.id}_geom_idx')} "
            f"ON {table} USING gist (geom)"
        )
        if layer.temporal_property:
            connection.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(f'{layer.id}_{layer.temporal_property}_idx')} "
                f"ON {table} ({quote(layer.temporal_property)})"
            )
        connection.execute(
            f"INSERT INTO {quote(self.schema)}.gp_layer_stats (layer_id, feature_count) "
            "VALUES (%s, 0) ON CONFLICT DO NOTHING",
            (layer.id,),
        )

    # -- reads -------------------------------------------------------------------

    def upgrade_metadata(self) -> None:
        """Schema 2: gp_layer_stats counts writes (``version``)."""
        with self._transaction() as connection:
            connection.execute(
                f"ALTER TABLE {quote(self.schema)}.gp_layer_stats "
                "ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0"
            )

    def extent(self, layer_id: str) -> LayerExtent:
        """Spatial and temporal extent recorded at the last write."""
        layer = self.catalog.get(layer_id)
        rows = self._fetch(
            "SELECT min_x, min_y, max_x, max_y, t_min, t_max "
            f"FROM {quote(self.schema)}.gp_layer_stats WHERE layer_id = %s",
            (layer.id,),
        )
        if not rows or rows[0][0] is None:
            return LayerExtent(None, None)
        row = rows[0]
        interval = TimeInterval(row[4], row[5]) if row[4] else None
        return LayerExtent((row[0], row[1], row[2], row[3]), interval)

    def _bbox_condition(
        self, layer: LayerDefinition, bbox: tuple[float, float, float, float]
    ) -> tuple[str, list[Any]]:
        envelope = f"ST_MakeEnvelope(%s, %s, %s, %s, {SRID})"
        return f"geom && {envelope} AND ST_Intersects(geom, {envelope})", [*bbox, *bbox]

    def query_geojson(self, layer_id: str, query: FeatureQuery, target: int | None) -> GeoJSONPage:
        """The page's GeoJSON built by PostgreSQL, one text per feature, joined here."""
        layer = self.catalog.get(layer_id)
        names = list(layer.attribute_names if query.properties is None else query.properties)
        feature = _feature_json(layer, names, target, query.with_geometry)
        # The page is cut first, then projected: JSON is built for its rows only,
        # never for rows an OFFSET skips.
        # The count kept on write rides along with the page: one statement, one
        # connection checkout per page of an unfiltered layer.
        inline_count = query.with_count and query.is_unfiltered
        page_query = replace(query, with_count=False) if inline_count else query
        page_sql, params, number_matched = self._page(layer, page_query, ["*"])
        kept = "NULL::bigint"
        if inline_count:
            kept = f"(SELECT feature_count FROM {self._stats_table()} WHERE layer_id = %s)"
            params = [layer.id, *params]
        rows = self._fetch(
            f"SELECT {feature}, fid, {kept} FROM ({page_sql}) AS page ORDER BY {order_by(query)}",
            params,
        )
        if inline_count:
            number_matched = int(rows[0][2]) if rows else self.count(layer.id)
        body = b"[" + b",".join(row[0].encode() for row in rows) + b"]"
        last = int(rows[-1][1]) if rows else None
        return GeoJSONPage(body, len(rows), last, number_matched)

    def item_geojson(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """One Feature's GeoJSON built by PostgreSQL (as a page's features are)."""
        layer = self.catalog.get(layer_id)
        feature = _feature_json(layer, list(layer.attribute_names), target, True)
        rows = self._fetch(f"SELECT {feature} FROM {self._table(layer.id)} WHERE fid = %s", [fid])
        return rows[0][0].encode() if rows else None

    async def item_geojson_async(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """``item_geojson`` on psycopg's asynchronous driver: the event loop waits for the
        database without a worker thread (the hand-off cost more than the keyed read)."""
        layer = self.catalog.get(layer_id)
        feature = _feature_json(layer, list(layer.attribute_names), target, True)
        sql = f"SELECT {feature} FROM {self._table(layer.id)} WHERE fid = %s"
        row = await self._fetch_one_async(sql, [fid])
        return row[0].encode() if row else None

    async def mvt_tile_async(self, layer_id: str, request: TileRequest) -> bytes:
        """``mvt_tile`` on the asynchronous driver: the event loop waits for PostGIS
        without handing the request to a worker thread and back."""
        sql, params = self.mvt_statement(layer_id, request)
        row = await self._fetch_one_async(sql, params, binary=True)
        return bytes(row[0]) if row and row[0] is not None else b""

    async def _fetch_one_async(
        self, sql: str, params: Sequence[Any], *, binary: bool = False
    ) -> tuple[Any, ...] | None:
        """One row from the event loop's pool, with the errors ``_connection`` gives."""
        try:
            async with (await self._async_pool()).connection() as connection:
                cursor = await connection.execute(sql, params, prepare=True, binary=binary)
                return await cursor.fetchone()
        except PoolTimeout as exc:
            raise StoreUnavailable("the store is overloaded, try again") from exc
        except pg_errors.QueryCanceled as exc:
            raise QueryTimeout("the query took too long; narrow it down") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable("the store cannot answer now, try again") from exc

    async def _async_pool(self) -> Any:
        """This event loop's pool of asynchronous connections (opened once, on first use;
        requests arriving while it opens wait for the same opening)."""
        import asyncio

        from psycopg_pool import AsyncConnectionPool

        loop = asyncio.get_running_loop()
        opening = self._async_pools.get(id(loop))
        if opening is None:

            async def open_pool() -> Any:
                pool = AsyncConnectionPool(
                    self._dsn,
                    min_size=1,
                    max_size=self._pool_size,
                    timeout=2.0,
                    kwargs={"autocommit": True, "options": self._options, "connect_timeout": 3},
                    check=check_pooled_connection_async,
                    open=False,
                )
                await pool.open(wait=True, timeout=10.0)
                return pool

            opening = self._async_pools[id(loop)] = loop.create_task(open_pool())
        try:
            return await asyncio.shield(opening)
        except Exception:
            self._async_pools.pop(id(loop), None)  # the next request tries again
            raise

    def mvt_tile(self, layer_id: str, request: TileRequest) -> bytes:
        """The tile built by PostGIS: ST_AsMVTGeom per candidate, ST_AsMVT over them.

        Candidates are selected with the same bbox clause as a features page and
        cut to the first ``request.limit`` by fid before any geometry is drawn.
        """
        sql, params = self.mvt_statement(layer_id, request)
        with self._connection() as connection:
            # binary: the tile comes as its bytes, not hex text that the backend
            # encodes and psycopg decodes (a dense tile is ~400 KB)
            row = connection.execute(sql, params, prepare=True, binary=True).fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""

    def mvt_statement(self, layer_id: str, request: TileRequest) -> tuple[str, list[Any]]:
        """The one statement (and its bound values) that builds a tile (bench/tiles.py
        runs it with pgbench to measure the database's own rate).

        The ``OFFSET 0`` keeps PostgreSQL from folding the drawing subquery into the
        outer ``WHERE gp_geom IS NOT NULL``, which made it clip every geometry twice
        (a polygon tile: 190 -> 362 tiles/s in pgbench).
        """
        layer = self.catalog.get(layer_id)
        columns = ", ".join(
            f"{_json_value(a.name, a.type)} AS {quote(a.name)}"
            if a.type in (AttributeType.date, AttributeType.datetime)
            else quote(a.name)
            for a in layer.attributes
        )
        condition, bbox_params = self._bbox_condition(layer, request.select_bbox)
        sql = (
            "SELECT ST_AsMVT(t, %s, %s, 'gp_geom', 'fid') FROM ("
            "SELECT fid, ST_AsMVTGeom(ST_Transform(geom, %s), "
            "ST_MakeEnvelope(%s, %s, %s, %s, %s)::box2d, %s, %s, true) AS gp_geom, "
            f"{columns} FROM (SELECT * FROM {self._table(layer.id)} WHERE {condition} "
            "ORDER BY fid LIMIT %s) AS candidates OFFSET 0) AS t WHERE gp_geom IS NOT NULL"
        )
        params = [
            request.layer_name,
            request.extent,
            request.srid,
            *request.bounds,
            request.srid,
            request.extent,
            request.buffer,
            *bbox_params,
            request.limit,
        ]
        return sql, params

    # -- writes ------------------------------------------------------------------

    def replace_all(
        self, layer_id: str, frame: gpd.GeoDataFrame, progress: Progress | None = None
    ) -> WriteReport:
        """Replace the layer's rows in one transaction (COPY): all land, or none."""
        layer = self.catalog.get(layer_id)
        batch = prepare_write(layer, frame)
        names, kinds, columns, fids = batch.names, batch.kinds, batch.columns, batch.fids
        geometries = shapely.set_srid(batch.geometries, SRID)
        ewkb = shapely.to_wkb(geometries, hex=True, include_srid=True)
        total = len(batch)
        self.ensure_layers([layer])
        table = self._table(layer.id)
        target = ", ".join(["fid", "geom", *(quote(n) for n in names)])
        with (
            self._announced({layer.id: None}),
            self._connection() as connection,
            connection.transaction(),
        ):
            connection.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            connection.execute(f"DELETE FROM {table}")
            with connection.cursor().copy(f"COPY {table} ({target}) FROM STDIN") as copy:
                for start in range(0, total, CHUNK_ROWS):
                    stop = min(start + CHUNK_ROWS, total)
                    for i in range(start, stop):
                        copy.write_row(
                            (
                                i + 1 if fids is None else fids[i],
                                ewkb[i],
                                *(
                                    storage_value(c[i], k)
                                    for c, k in zip(columns, kinds, strict=True)
                                ),
                            )
                        )
                    if progress is not None:
                        progress(stop, total)
            last = connection.execute(f"SELECT coalesce(max(fid), 0) + 1 FROM {table}").fetchone()
            assert last is not None
            connection.execute(f"ALTER TABLE {table} ALTER COLUMN fid RESTART WITH {int(last[0])}")
            stored = np.arange(1, total + 1) if fids is None else np.asarray(fids)
            self._write_hex_index(connection, layer, stored, batch.geometries)
            self._record_stats(connection, layer)
        return WriteReport(layer_id, total)

    def refresh_stats(self, layer_id: str) -> None:
        """Recount a layer whose rows were loaded outside geoplatform (psql, ogr2ogr)."""
        layer = self.catalog.get(layer_id)
        with self._connection() as connection, connection.transaction():
            self._record_stats(connection, layer)

    def _record_stats(self, connection: psycopg.Connection[Any], layer: LayerDefinition) -> None:
        table = self._table(layer.id)
        times = "NULL, NULL"
        if layer.temporal_property:
            column = quote(layer.temporal_property)
            times = f"min({column}), max({column})"
        stats = connection.execute(
            "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1 FROM "
            f"(SELECT count(*) AS n, ST_Extent(geom) AS e, {times.replace(', ', ' AS t0, ')} AS t1 "
            f"FROM {table}) AS s"
        ).fetchone()
        assert stats is not None
        connection.execute(
            f"INSERT INTO {quote(self.schema)}.gp_layer_stats AS s (layer_id, feature_count, "
            "min_x, min_y, max_x, max_y, t_min, t_max, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1) "
            "ON CONFLICT (layer_id) DO UPDATE SET feature_count = EXCLUDED.feature_count, "
            "min_x = EXCLUDED.min_x, min_y = EXCLUDED.min_y, max_x = EXCLUDED.max_x, "
            "max_y = EXCLUDED.max_y, t_min = EXCLUDED.t_min, t_max = EXCLUDED.t_max, "
            "version = s.version + 1",
            (layer.id, int(stats[0]), *stats[1:5], _time_text(stats[5]), _time_text(stats[6])),
        )

    def _records(
        self, layer: LayerDefinition, names: list[str], rows: list[tuple[Any, ...]]
    ) -> list[FeatureRecord]:
        """Rows of (fid, WKB, *attributes) as features in the shared value forms."""
        return _decode(layer, names, rows)


def _feature_json(
    layer: LayerDefinition, names: list[str], target: int | None, with_geometry: bool
) -> str:
    """SQL giving one row as the text of a GeoJSON Feature (the shared value forms)."""
    properties = ", ".join(
        f"'{name}', {_json_value(name, layer.attribute(name).type)}" for name in names
    )
    geometry = _geojson_geometry(target) if with_geometry else "NULL::json"
    return (
        f"json_build_object('type', 'Feature', 'id', fid, 'geometry', {geometry}, "
        f"'properties', json_build_object({properties}))::text"
    )


def _json_value(name: str, kind: AttributeType) -> str:
    """SQL giving an attribute in the shared JSON form (UTC ``...sssZ`` datetimes)."""
    column = quote(name)
    if kind is AttributeType.datetime:
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    if kind is AttributeType.date:
        return f"to_char({column}, 'YYYY-MM-DD')"
    return column


def _geojson_geometry(target: int | None) -> str:
    """SQL for the geometry member in ``target``, in the EPSG definition's axis order."""
    expression = "geom"
    if target is not None and target != SRID:
        expression = f"ST_Transform(geom, {int(target)})"
    if crs.is_north_first(target):
        expression = f"ST_FlipCoordinates({expression})"
    return f"ST_AsGeoJSON({expression}, 15)::json"


def _time_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return utc_text(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _decode(
    layer: LayerDefinition, names: list[str], rows: list[tuple[Any, ...]]
) -> list[FeatureRecord]:
    if not rows:
        return []
    geometries = shapely.from_wkb([None if row[1] is None else bytes(row[1]) for row in rows])
    kinds = [layer.attribute(n).type for n in names]
    return [
        FeatureRecord(
            int(row[0]),
            geometry,
            {n: output_value(v, k) for n, v, k in zip(names, row[2:], kinds, strict=True)},
        )
        for row, geometry in zip(rows, geometries, strict=True)
    ]
