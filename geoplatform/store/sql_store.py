"""geoplatform.store.sql_store: what the SQL backends share (paging, counting, write checks).

Each backend supplies its SQL dialect, how it names a table, how it runs a read,
which WHERE clauses a query becomes and how raw rows become features; the page
and count logic, and the checks before a bulk write, are written once here.

Commit listeners (``on_commit``) hear of every write through the store object:
which layers changed and where, just before the commit and once it has ended.
Caches of derived answers (the tile cache) use them to drop exactly what a write
made stale, in every process that shares them.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

import geopandas as gpd
import numpy as np

from geoplatform.catalog import AttributeType, LayerDefinition
from geoplatform.errors import InvalidParameter, SchemaViolation, StoreUnavailable
from geoplatform.hexgrid import covers, descendant_range, parent_masks, resolution
from geoplatform.store import migrations
from geoplatform.store.base import (
    BBox,
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    HexCount,
    HexCountQuery,
    HexCounts,
    Progress,
    TimeInterval,
    explicit_fids,
)
from geoplatform.store.editing import FeatureEdit
from geoplatform.store.gpkg_format import quote
from geoplatform.store.group import GroupCommit
from geoplatform.store.hexindex import HexTables, compile_text
from geoplatform.store.migrations import SCHEMA_VERSION
from geoplatform.store.sql_filter import Dialect, FilterCompiler
from geoplatform.store.values import storage_value


@dataclass(frozen=True)
class WriteBatch:
    """A frame checked against its layer and split into what a bulk write needs."""

    names: list[str]
    kinds: list[AttributeType]
    columns: list[list[Any]]
    geometries: np.ndarray
    fids: list[int] | None

    def __len__(self) -> int:
        return len(self.geometries)


def prepare_write(layer: LayerDefinition, frame: gpd.GeoDataFrame) -> WriteBatch:
    """Check required attributes and ids, and keep the layer's columns in order."""
    missing = [a.name for a in layer.attributes if a.required and a.name not in frame]
    if missing:
        raise SchemaViolation(f"missing required attributes: {', '.join(missing)}")
    names = [n for n in layer.attribute_names if n in frame.columns]
    return WriteBatch(
        names=names,
        kinds=[layer.attribute(n).type for n in names],
        columns=[frame[n].tolist() for n in names],
        geometries=np.asarray(frame.geometry.values, dtype=object),
        fids=explicit_fids(frame),
    )


def order_by(query: FeatureQuery) -> str:
    """ORDER BY terms of a page: the requested sort keys, then fid (stable, keyset-ready)."""
    terms = [f"{quote(k.name)} {'ASC' if k.ascending else 'DESC'}" for k in query.sortby]
    return ", ".join([*terms, "fid ASC"])


LOGGER = logging.getLogger("geoplatform.store")

Changes = Mapping[str, Sequence[BBox] | None]
"""What one write changed: per layer, the lon/lat boxes of every geometry it added,
changed or removed, or None when the whole layer may have changed (bulk writes)."""


class CommitListener(Protocol):
    """Told about every write through a store object (see ``SqlStore.on_commit``)."""

    def before_commit(self, changes: Changes) -> None:
        """Called before the write commits (a bulk write: before it starts).

        Raising refuses the write: it rolls back and the error reaches the caller.
        A listener that raises is not called after: it undoes its own work first.
        """

    def after_commit(self, changes: Changes) -> None:
        """Called once the transaction has ended, committed or failed at its commit.

        A commit that fails may still have landed (a connection lost during
        COMMIT), so listeners act as if it had. Errors are logged, never raised:
        the write is already decided.
        """


MAX_ZONE_RANGES = 64
"""Up to this many zones coarser than the index are matched by index ranges."""
MAX_ZONES_PER_QUERY = 5000
"""Zones per statement (SQLite binds at most 32 766 values)."""


class SqlStore(FeatureStore):
    """Paging and counting over a SQL backend, in (sortby, fid) order."""

    placeholder: ClassVar[str]
    geometry_select: ClassVar[str]
    """SQL expression returning the geometry as the backend's ``_records`` expects."""

    def on_commit(self, listener: CommitListener) -> None:
        """Tell ``listener`` about every later write through this store object.

        Adding a listener equal to one already added does nothing, so each
        composition root can attach what it needs without counting.
        """
        listeners: list[CommitListener] = self.__dict__.setdefault("_commit_listeners", [])
        if listener not in listeners:
            listeners.append(listener)

    @contextmanager
    def _announced(self, changes: Changes) -> Iterator[None]:
        """Run the listeners around the commit inside the block (see ``CommitListener``)."""
        listeners = list(self.__dict__.get("_commit_listeners", ()))
        if not changes or not listeners:
            yield
            return
        told: list[CommitListener] = []
        try:
            for listener in listeners:
                listener.before_commit(changes)
                told.append(listener)
            yield
        finally:
            for listener in told:
                try:
                    listener.after_commit(changes)
                except Exception:
                    LOGGER.exception(
                        "commit listener failed after a write of %s", ", ".join(changes)
                    )

    @abc.abstractmethod
    def _table(self, layer_id: str) -> str:
        """Quoted, registry-checked table name."""

    @abc.abstractmethod
    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one read and return every row (statement time limit applies)."""

    dialect: ClassVar[Dialect]
    time_cast: ClassVar[str]
    """Cast applied to bound instants compared with the time column."""

    @abc.abstractmethod
    def _bbox_condition(
        self, layer: LayerDefinition, bbox: tuple[float, float, float, float]
    ) -> tuple[str, list[Any]]:
        """Exact bbox intersection, index-assisted, and its bound values."""

    def _where(self, layer: LayerDefinition, query: FeatureQuery) -> tuple[list[str], list[Any]]:
        """WHERE clauses (ANDed) and their bound values for a query."""
        clauses: list[str] = []
        params: list[Any] = []
        mark = self.placeholder + self.time_cast
        if query.bbox is not None:
            condition, values = self._bbox_condition(layer, query.bbox)
            clauses.append(condition)
            params += values
        if query.interval is not None and layer.temporal_property:
            column = quote(layer.temporal_property)
            if query.interval.start is not None:
                clauses.append(f"{column} >= {mark}")
                params.append(query.interval.start)
            if query.interval.end is not None:
                clauses.append(f"{column} <= {mark}")
                params.append(query.interval.end)
        for name, value in query.equals:
            clauses.append(f"{quote(name)} = {self.placeholder}")
            params.append(storage_value(value, layer.attribute(name).type))
        if query.filter is not None:
            cover = self.hex_tables(layer).cover if layer.h3_index_resolution else None
            compiled = FilterCompiler(layer, self.dialect, cover).compile(query.filter)
            clauses.append(compiled.sql)
            params += compiled.params
        if query.h3_zone is not None:
            low, high = self._zone_range(layer, query.h3_zone)
            mark = self.placeholder
            clauses.append(
                f"fid IN (SELECT fid FROM {self.hex_tables(layer).cover} "
                f"WHERE cell BETWEEN {mark} AND {mark})"
            )
            params += [low, high]
        return clauses, params

    @staticmethod
    def _zone_range(layer: LayerDefinition, zone: int) -> tuple[int, int]:
        """Bounds of the layer's index cells inside ``zone``; a 400 when it cannot say."""
        index = layer.h3_index_resolution
        if index is None:
            raise InvalidParameter(f"collection {layer.id} has no H3 index", parameter="zone")
        if resolution(zone) > index:
            raise InvalidParameter(
                f"zone resolution {resolution(zone)} is finer than the H3 index of "
                f"{layer.id} (resolution {index})",
                parameter="zone",
            )
        return descendant_range(zone, index)

    @abc.abstractmethod
    def _records(
        self, layer: LayerDefinition, names: list[str], rows: list[tuple[Any, ...]]
    ) -> list[FeatureRecord]:
        """Rows of (fid, geometry, *attributes) as features."""

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """One page in (sortby, fid) order; keyset when ``after_fid`` is given.

        ``numberMatched`` of an unfiltered query is the count kept on write; a
        filtered one is counted exactly, with the same WHERE clauses as the page.
        """
        layer = self.catalog.get(layer_id)
        names = list(layer.attribute_names if query.properties is None else query.properties)
        columns = ["fid", self.geometry_select if query.with_geometry else "NULL"]
        columns += [quote(n) for n in names]
        sql, params, number_matched = self._page(layer, query, columns)
        return FeaturePage(self._records(layer, names, self._fetch(sql, params)), number_matched)

    def _page(
        self, layer: LayerDefinition, query: FeatureQuery, columns: list[str]
    ) -> tuple[str, list[Any], int | None]:
        """SELECT of ``columns`` for one page, its values, and the number matched."""
        table = self._table(layer.id)
        mark = self.placeholder
        clauses, params = self._where(layer, query)
        number_matched = None
        if query.with_count:
            if query.is_unfiltered:
                number_matched = self.count(layer.id)
            else:
                where = " WHERE " + " AND ".join(clauses) if clauses else ""
                number_matched = int(
                    self._fetch(f"SELECT count(*) FROM {table}{where}", params)[0][0]
                )
        if query.after_fid is not None:
            clauses = [*clauses, f"fid > {mark}"]
            params = [*params, query.after_fid]
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        offset = 0 if query.after_fid is not None else query.offset
        sql = (
            f"SELECT {', '.join(columns)} FROM {table}{where} "
            f"ORDER BY {order_by(query)} LIMIT {mark} OFFSET {mark}"
        )
        return sql, [*params, query.limit, offset], number_matched

    def _stats_table(self) -> str:
        """Qualified name of the table holding per-layer counts, extents and write counters."""
        return self._schema_prefix() + "gp_layer_stats"

    def _stat(self, layer_id: str, column: str) -> int:
        layer = self.catalog.get(layer_id)
        rows = self._fetch(
            f"SELECT {column} FROM {self._stats_table()} WHERE layer_id = {self.placeholder}",
            [layer.id],
        )
        return int(rows[0][0]) if rows else 0

    def count(self, layer_id: str) -> int:
        """Exact feature count, maintained in the same transaction as every write."""
        return self._stat(layer_id, "feature_count")

    def data_version(self, layer_id: str) -> int:
        """Number of committed writes to the layer: a cache key that changes on every write."""
        return self._stat(layer_id, "version")

    def store_version(self) -> int:
        """Committed writes to any layer: changes with every write to the store."""
        rows = self._fetch(f"SELECT coalesce(sum(version), 0) FROM {self._stats_table()}", [])
        return int(rows[0][0])

    # -- H3 index -------------------------------------------------------------------

    integer_type: ClassVar[str]
    month_sql: ClassVar[str]
    """Template turning the quoted time column ``{}`` into ``YYYY-MM`` in UTC."""

    def _schema_prefix(self) -> str:
        """Qualifier (with its dot) of the store's tables, or empty."""
        return ""

    def hex_tables(self, layer: LayerDefinition) -> HexTables:
        """The layer's H3 tables in this backend's dialect."""
        return HexTables(
            layer, self.dialect, self.integer_type, self.month_sql, self._schema_prefix()
        )

    @abc.abstractmethod
    def _count_tables(self, names: list[str]) -> int:
        """How many of the named tables exist in the store."""

    @abc.abstractmethod
    def _columns(self, layer_id: str) -> set[str]:
        """Names of the columns the layer's table has now."""

    def _new_attributes(self, layer: LayerDefinition) -> list[str]:
        """Attributes the registry defines that the existing table lacks (added later)."""
        present = self._columns(layer.id)
        return [a.name for a in layer.attributes if a.name not in present]

    def _hex_tables_missing(self, layer: LayerDefinition) -> bool:
        """True when an H3-indexed layer lacks one of its H3 tables."""
        if layer.h3_index_resolution is None:
            return False
        names = self.hex_tables(layer).names
        return self._count_tables(names) < len(names)

    @abc.abstractmethod
    def _bulk_insert(
        self, connection: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert many rows inside the caller's transaction, the backend's fastest way."""

    def _write_hex_index(
        self,
        connection: Any,
        layer: LayerDefinition,
        fids: np.ndarray,
        geometries: np.ndarray,
        progress: Progress | None = None,
    ) -> None:
        """Replace the layer's H3 cover and aggregates inside the caller's transaction."""
        res = layer.h3_index_resolution
        if res is None:
            return
        tables = self.hex_tables(layer)
        connection.execute(f"DELETE FROM {tables.cover}")
        rows, cells = covers(geometries, res)
        pairs = np.unique(np.column_stack([cells, fids[rows]]), axis=0) if len(rows) else []
        step = 50_000
        for start in range(0, len(pairs), step):
            chunk = pairs[start : start + step]
            self._bulk_insert(
                connection, tables.cover, ["cell", "fid"], [(int(c), int(f)) for c, f in chunk]
            )
            if progress is not None:
                progress(min(start + step, len(pairs)), len(pairs))
        for sql, params in tables.rebuild_aggregates():
            connection.execute(sql, params)

    schema_version: str

    @abc.abstractmethod
    def set_schema_version(self, version: str) -> None:
        """Record the schema version a migration step has reached."""

    def check_schema_version(self) -> None:
        """Refuse a store whose tables are older (or newer) than this release's."""
        if self.schema_version != SCHEMA_VERSION:
            raise StoreUnavailable(
                f"store schema version {self.schema_version} differs from {SCHEMA_VERSION}: "
                "run 'geoplatform db migrate'"
            )

    def migrate(self, progress: Callable[[str], Progress]) -> list[str]:
        """Bring the store's tables to this release's schema; returns the steps run."""
        steps = migrations.migrate(self, self.schema_version, self.set_schema_version, progress)
        self.check_schema_version()
        return [f"{s.source} -> {s.target}: {s.summary}" for s in steps]

    @abc.abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A write transaction on one connection: commits on exit, rolls back on error."""

    geometry_value_sql: ClassVar[str]
    """SQL taking one bound geometry value (see ``geometry_value``) in an INSERT or UPDATE."""
    null_safe_equal: ClassVar[str]
    """The operator comparing two values with NULL equal to NULL."""
    lock_suffix: ClassVar[str] = ""
    """Appended to a SELECT that must lock its rows until the transaction ends."""

    @abc.abstractmethod
    def geometry_value(self, geometry: Any) -> Any:
        """A shapely geometry (lon/lat) as the value ``geometry_value_sql`` binds."""

    def own_table(self, name: str) -> str:
        """Quoted, qualified name of one of the store's own (non-layer) tables."""
        return self._schema_prefix() + quote(name)

    def _execute_many(self, connection: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One statement for many rows inside the caller's transaction."""
        connection.executemany(sql, rows)

    def fetch_own(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one read of the store's own tables (values bound, never formatted in)."""
        return self._fetch(sql, params)

    def _after_edit(self, connection: Any, layer_id: str, bounds: list[float | None]) -> None:
        """Backend bookkeeping after single-feature edits of a layer (same transaction)."""

    @contextmanager
    def edit(self) -> Iterator[FeatureEdit]:
        """Single-feature writes and workflow statements in one transaction (see editing.py).

        The commit listeners hear of the layers changed, with their touched boxes,
        between the last statement and the commit, and again once it has ended.
        """
        with ExitStack() as around_commit:
            with self._transaction() as connection:
                edit = FeatureEdit(self, connection)
                yield edit
                edit.finish()
                around_commit.enter_context(self._announced(edit.touched_bounds))

    def edit_together[T](self, work: Callable[[FeatureEdit], T]) -> T:
        """Run ``work`` in a savepoint of a transaction shared with concurrent callers
        of this store object, committed once for all (see geoplatform.store.group)."""
        grouped = self.__dict__.get("_group_commit")
        if grouped is None:
            grouped = self.__dict__.setdefault("_group_commit", GroupCommit(self))
        return grouped.run(work)

    def reindex(self, layer_id: str, progress: Progress | None = None) -> int:
        """Rebuild the layer's H3 cover and aggregates from its stored rows, atomically."""
        layer = self.catalog.get(layer_id)
        if layer.h3_index_resolution is None:
            return 0
        self.ensure_layers([layer])
        rows = self._fetch(
            f"SELECT fid, {self.geometry_select} FROM {self._table(layer.id)} ORDER BY fid", []
        )
        records = self._records(layer, [], rows)
        fids = np.asarray([r.fid for r in records], dtype=np.int64)
        geometries = np.asarray([r.geometry for r in records], dtype=object)
        with self._announced({layer.id: None}), self._transaction() as connection:
            self._write_hex_index(connection, layer, fids, geometries, progress)
        return int(self._fetch(f"SELECT count(*) FROM {self.hex_tables(layer).cover}", [])[0][0])

    def hex_counts(self, layer_id: str, query: HexCountQuery) -> HexCounts:
        """Counts per cell: the kept aggregates answer when they can, else the rows are grouped.

        The aggregates answer a query without bbox or filter, at a hexbin
        resolution, grouped by hexbin attributes only, over whole UTC months.
        """
        if query.zones is not None and len(query.zones) > MAX_ZONES_PER_QUERY:
            return self._hex_counts_in_chunks(layer_id, query)
        layer = self.catalog.get(layer_id)
        if any(resolution(zone) != query.res for zone in query.zones or ()):
            raise InvalidParameter("zones must be at the requested resolution", parameter="zone")
        if query.parent is not None and resolution(query.parent) > query.res:
            raise InvalidParameter("the parent zone is finer than the resolution", parameter="zone")
        tables = self.hex_tables(layer)
        months = _month_span(query.interval)
        spec = layer.hexbin
        if (
            spec is not None
            and query.bbox is None
            and query.filter is None
            and query.res in spec.resolutions
            and set(query.group_by) <= set(spec.group_by)
            and (query.interval is None or months is not None)
        ):
            return HexCounts(self._aggregated(tables, query, months), tuple(tables.measures), True)
        return HexCounts(self._grouped(layer, tables, query), tuple(tables.measures), False)

    def _hex_counts_in_chunks(self, layer_id: str, query: HexCountQuery) -> HexCounts:
        """Counts for a long zone list, a bounded number of bound values per statement.

        Zones are sorted and each statement's rows come in zone order, so the
        concatenation keeps the order of a single statement.
        """
        zones = sorted(set(query.zones or ()))
        rows: list[HexCount] = []
        result: HexCounts | None = None
        for start in range(0, len(zones), MAX_ZONES_PER_QUERY):
            part = replace(query, zones=tuple(zones[start : start + MAX_ZONES_PER_QUERY]))
            result = self.hex_counts(layer_id, part)
            rows += result.rows
        assert result is not None
        return HexCounts(rows, result.measures, result.from_aggregates)

    def _zone_clauses(
        self, column: str, column_res: int, query: HexCountQuery
    ) -> tuple[list[str], list[Any]]:
        """Restrict ``column`` (cells at ``column_res``) to the query's zones or parent zone.

        Zones coarser than the column become ranges of their descendants, so an
        index on the column answers them.
        """
        mark = self.placeholder
        clauses: list[str] = []
        params: list[Any] = []
        if query.zones is not None:
            if not query.zones:
                return ["1 = 0"], []
            if column_res == query.res:
                clauses.append(f"{column} IN ({', '.join([mark] * len(query.zones))})")
                params += list(query.zones)
            elif len(query.zones) > MAX_ZONE_RANGES:
                # Long OR chains overflow SQLite's expression depth: match the zone instead.
                clauses.append(f"gp_zone IN ({', '.join([mark] * len(query.zones))})")
                params += list(query.zones)
            else:
                ranges = []
                for zone in query.zones:
                    ranges.append(f"{column} BETWEEN {mark} AND {mark}")
                    params += list(descendant_range(zone, column_res))
                clauses.append("(" + " OR ".join(ranges) + ")")
        if query.parent is not None:
            clauses.append(f"{column} BETWEEN {mark} AND {mark}")
            params += list(descendant_range(query.parent, column_res))
        return clauses, params

    def _aggregated(
        self, tables: HexTables, query: HexCountQuery, months: tuple[str, str] | None
    ) -> list[HexCount]:
        mark = self.placeholder
        groups = [quote(g) for g in query.group_by]
        measures = tables.measures
        use_total = not groups and months is None
        clauses, params = self._zone_clauses("cell", query.res, query)
        clauses.insert(0, f"res = {mark}")
        params.insert(0, query.res)
        if months is not None:
            clauses.append(f"period BETWEEN {mark} AND {mark}")
            params += list(months)
        sums = "".join(f", sum({quote(m)})" for m in measures)
        group_sql = "".join(f", {g}" for g in groups)
        if use_total:
            sql = (
                f"SELECT cell, n{''.join(', ' + quote(m) for m in measures)} FROM {tables.total} "
                f"WHERE {' AND '.join(clauses)} ORDER BY cell"
            )
        else:
            sql = (
                f"SELECT cell{group_sql}, sum(n){sums} FROM {tables.detail} "
                f"WHERE {' AND '.join(clauses)} GROUP BY cell{group_sql} ORDER BY cell{group_sql}"
            )
        return _counts(self._fetch(sql, params), len(groups), measures)

    def _grouped(
        self, layer: LayerDefinition, tables: HexTables, query: HexCountQuery
    ) -> list[HexCount]:
        index = layer.h3_index_resolution
        if index is None:
            raise InvalidParameter(f"collection {layer.id} has no H3 index", parameter="zone")
        if query.res > index:
            raise InvalidParameter(
                f"resolution {query.res} is finer than the H3 index of {layer.id} ({index})",
                parameter="zone-level",
            )
        for name in query.group_by:
            if name not in layer.attribute_names:
                raise InvalidParameter(f"'{name}' is not a property of {layer.id}")
        keep, add = parent_masks(query.res)
        features = FeatureQuery(
            bbox=query.bbox, interval=query.interval, filter=query.filter, with_count=False
        )
        clauses, params = self._where(layer, features)
        zone_clauses, zone_params = self._zone_clauses("gp_cell", index, query)
        distinct = layer.geometry_type != "Point"
        measure_sql: list[str] = []
        measure_params: list[Any] = []
        for condition in layer.hexbin.measures.values() if layer.hexbin else []:
            sql, values = compile_text(layer, self.dialect, condition)
            measure_sql.append(
                f"count(DISTINCT CASE WHEN {sql} THEN fid END)"
                if distinct
                else f"sum(CASE WHEN {sql} THEN 1 ELSE 0 END)"
            )
            measure_params += values
        groups = "".join(f", {quote(g)}" for g in query.group_by)
        count = "count(DISTINCT fid)" if distinct else "count(*)"
        mark = self.placeholder
        rows = (
            f"(SELECT t.*, c.cell AS gp_cell, (c.cell & {mark}) | {mark} AS gp_zone "
            f"FROM {self._table(layer.id)} t JOIN {tables.cover} c ON c.fid = t.fid)"
        )
        conditions = [*clauses, *zone_clauses]
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        positions = ", ".join(str(p) for p in range(1, 2 + len(query.group_by)))
        sql = (
            f"SELECT gp_zone{groups}, {count}{''.join(', ' + m for m in measure_sql)} "
            f"FROM {rows} AS s{where} GROUP BY {positions} ORDER BY {positions}"
        )
        values = [*measure_params, keep, add, *params, *zone_params]
        return _counts(self._fetch(sql, values), len(query.group_by), tables.measures)

    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One feature by its id."""
        layer = self.catalog.get(layer_id)
        names = list(layer.attribute_names)
        columns = ", ".join(["fid", self.geometry_select, *(quote(n) for n in names)])
        rows = self._fetch(
            f"SELECT {columns} FROM {self._table(layer.id)} WHERE fid = {self.placeholder}", [fid]
        )
        records = self._records(layer, names, rows)
        return records[0] if records else None


def _counts(rows: list[tuple[Any, ...]], groups: int, measures: list[str]) -> list[HexCount]:
    return [
        HexCount(
            int(row[0]),
            tuple(row[1 : 1 + groups]),
            int(row[1 + groups]),
            {m: int(v or 0) for m, v in zip(measures, row[2 + groups :], strict=True)},
        )
        for row in rows
    ]


def _month_span(interval: TimeInterval | None) -> tuple[str, str] | None:
    """("YYYY-MM", "YYYY-MM") when the interval is exactly whole UTC months, else None.

    An open start or end stretches to the first or last month there can be.
    """
    if interval is None:
        return None
    start, end = interval.start, interval.end
    first = "0000-01" if start is None else _month_start(start)
    last = "9999-12" if end is None else _month_end(end)
    if first is None or last is None:
        return None
    return first, last


def _month_start(text: str) -> str | None:
    """The month of an instant that is the first millisecond of its month, else None."""
    if len(text) >= 10 and text[7:] in ("-01T00:00:00.000Z", "-01T00:00:00Z", "-01"):
        return text[:7]
    return None


def _month_end(text: str) -> str | None:
    """The month of an instant that is the last instant of its month, else None."""
    import calendar

    if len(text) < 10:
        return None
    try:
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
    except ValueError:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if day == last_day and text[10:] in ("T23:59:59.999Z", "T23:59:59Z", ""):
        return text[:7]
    return None
