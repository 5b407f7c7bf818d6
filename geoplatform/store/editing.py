"""geoplatform.store.editing: single-feature writes in one transaction, on both SQL stores.

A ``FeatureEdit`` is what ``store.edit()`` yields: inserts, updates and deletes of
single features, and statements on the store's own workflow tables, all in one
transaction that commits when the block ends (and rolls back on any error).

Every change keeps what the bulk writer keeps, in the same transaction:

- the layer's H3 cover rows of the changed feature;
- the hexbin aggregates, by *delta*: the changed feature's old contribution
  (cell at each hexbin resolution, month, grouping values, measure flags) is
  subtracted and its new one added, so a write costs a few indexed statements
  whatever the layer's size (a full rebuild would regroup every row); the changes
  of a whole transaction are summed and written once, when it finishes (a group
  commit of many reports updates each hexagon row once);
- the layer's statistics row: the exact count, the extent (grown to take new
  geometries in; a delete does not shrink it), the time range and the write
  counter that cache keys read. The statistics row is read for update first, so
  concurrent edits of one layer are serialised and aggregates never race.

It also remembers where each layer changed (``touched_bounds``: the lon/lat box of
every old and new geometry), so that the store's commit listeners can drop what
they derived from exactly those places (the tile cache) instead of whole layers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from geoplatform.catalog import LayerDefinition
from geoplatform.errors import InvalidGeometry, SchemaViolation
from geoplatform.hexgrid import cell_at, covers, parent
from geoplatform.store.base import BBox, FeatureRecord
from geoplatform.store.gpkg_format import quote
from geoplatform.store.hexindex import HexTables, compile_text
from geoplatform.store.values import storage_value

if TYPE_CHECKING:
    from geoplatform.store.sql_store import SqlStore

_MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


@dataclass
class _LayerStats:
    """A layer's statistics row as read at the start of its first edit."""

    count: int
    bounds: list[float | None]
    times: list[str | None]
    touched: bool = False


@dataclass
class _Delta:
    """Pending changes of one layer's hexbin aggregates: key -> [n, *measures]."""

    detail: dict[tuple[Any, ...], list[int]] = field(default_factory=lambda: defaultdict(list))
    total: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class _Snapshot:
    """What a ``FeatureEdit`` remembered when a savepoint was taken."""

    stats: dict[str, _LayerStats]
    touched: dict[str, list[BBox]]


class FeatureEdit:
    """Single-feature writes and workflow statements inside one open transaction."""

    def __init__(self, store: SqlStore, connection: Any) -> None:
        self.store = store
        self.connection = connection
        self.mark = store.placeholder
        self._stats: dict[str, _LayerStats] = {}
        self.touched_bounds: dict[str, list[BBox]] = {}
        self._deltas: dict[str, tuple[HexTables, _Delta]] = {}
        """Hexbin aggregate changes of the whole transaction, written once by ``finish``."""
        self._part: dict[str, tuple[HexTables, _Delta]] | None = None
        """Those of the savepoint in progress, joined to ``_deltas`` when it is kept."""
        """Per changed layer, the lon/lat box of every geometry added, changed or removed
        (a layer changed only in features without geometry has an empty list)."""

    # -- savepoints (one transaction shared by several callers: group.py) ----------------

    def savepoint(self) -> _Snapshot:
        """Start a part of the transaction that can be undone alone (``SAVEPOINT``)."""
        self.connection.execute("SAVEPOINT gp_part")
        self._part = {}
        return _Snapshot(
            {key: replace(stats, bounds=list(stats.bounds), times=list(stats.times))
             for key, stats in self._stats.items()},
            {key: list(boxes) for key, boxes in self.touched_bounds.items()},
        )  # fmt: skip

    def keep(self, _snapshot: _Snapshot) -> None:
        """End the part, keeping its changes in the transaction."""
        self.connection.execute("RELEASE SAVEPOINT gp_part")
        part, self._part = self._part or {}, None
        for layer_id, (tables, delta) in part.items():
            _merge(self._deltas, layer_id, tables, delta)

    def undo(self, snapshot: _Snapshot) -> None:
        """Undo the part: its rows, and what this edit remembered of them (counts, boxes)."""
        self.connection.execute("ROLLBACK TO SAVEPOINT gp_part")
        self.connection.execute("RELEASE SAVEPOINT gp_part")
        self._stats = snapshot.stats
        self.touched_bounds = snapshot.touched
        self._part = None

    # -- workflow tables ----------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> Any:
        """Run one statement of the caller's (placeholders in the store's style)."""
        return self.connection.execute(sql, tuple(params))

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run one statement of the caller's for many rows (bulk loads of workflow tables)."""
        if rows:
            self.store._execute_many(self.connection, sql, rows)

    def table(self, name: str) -> str:
        """Quoted, schema-qualified name of one of the store's own tables."""
        return self.store.own_table(name)

    def layer_table(self, layer_id: str) -> str:
        """Quoted, qualified table of a registered layer (for reads of its rows)."""
        return self.store._table(self.store.catalog.get(layer_id).id)

    # -- features -------------------------------------------------------------------

    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One feature as this transaction sees it."""
        layer = self.store.catalog.get(layer_id)
        names = list(layer.attribute_names)
        columns = "".join(f", {quote(n)}" for n in names)
        row = self.execute(
            f"SELECT fid, {self.store.geometry_select}{columns} FROM "
            f"{self.store._table(layer.id)} WHERE fid = {self.mark}",
            (int(fid),),
        ).fetchone()
        if row is None:
            return None
        return self.store._records(layer, names, [tuple(row)])[0]

    def insert(
        self, layer_id: str, properties: Mapping[str, Any], geometry: BaseGeometry | None
    ) -> int:
        """Add one feature; returns its new id."""
        layer = self.store.catalog.get(layer_id)
        values = self._values(layer, properties, complete=True)
        self._check_geometry(layer, geometry)
        stats = self._lock(layer)
        names = tuple(values)

        def insert_sql() -> str:
            columns = "".join(f", {quote(n)}" for n in names)
            marks = "".join(f", {self.mark}" for _ in names)
            return (
                f"INSERT INTO {self.store._table(layer.id)} (geom{columns}) "
                f"VALUES ({self.store.geometry_value_sql}{marks}) RETURNING fid"
            )

        row = self.execute(
            self._statement(("insert", layer.id, names), insert_sql),
            (self.store.geometry_value(geometry), *values.values()),
        ).fetchone()
        fid = int(row[0])
        self._touch(layer.id, geometry)
        self._index(layer, fid, geometry, sign=+1)
        stats.count += 1
        self._grow(layer, stats, geometry, values)
        return fid

    def update(
        self,
        layer_id: str,
        fid: int,
        properties: Mapping[str, Any],
        geometry: BaseGeometry | None = None,
        *,
        replace: bool = False,
    ) -> bool:
        """Change one feature's given properties (all of them with ``replace``), and geometry.

        Returns False when there is no such feature. With ``replace`` every
        attribute not given becomes NULL and the geometry is always written.
        """
        layer = self.store.catalog.get(layer_id)
        values = self._values(layer, properties, complete=replace)
        write_geometry = replace or geometry is not None
        if write_geometry:
            self._check_geometry(layer, geometry)
        stats = self._lock(layer)
        old = self.get(layer.id, fid)
        if old is None:
            return False
        self._touch(layer.id, old.geometry)  # its properties are drawn there too
        if write_geometry:
            self._touch(layer.id, geometry)
        self._index(layer, fid, old.geometry, sign=-1)
        assignments = [f"{quote(n)} = {self.mark}" for n in values]
        params: list[Any] = list(values.values())
        if write_geometry:
            assignments.insert(0, f"geom = {self.store.geometry_value_sql}")
            params.insert(0, self.store.geometry_value(geometry))
        if assignments:
            self.execute(
                f"UPDATE {self.store._table(layer.id)} SET {', '.join(assignments)} "
                f"WHERE fid = {self.mark}",
                (*params, int(fid)),
            )
        self._index(layer, fid, geometry if write_geometry else old.geometry, sign=+1)
        self._grow(layer, stats, geometry if write_geometry else None, values)
        return True

    def delete(self, layer_id: str, fid: int) -> bool:
        """Remove one feature; False when there is no such feature."""
        layer = self.store.catalog.get(layer_id)
        stats = self._lock(layer)
        old = self.get(layer.id, fid)
        if old is None:
            return False
        self._touch(layer.id, old.geometry)
        self._index(layer, fid, old.geometry, sign=-1)
        self.execute(
            f"DELETE FROM {self.store._table(layer.id)} WHERE fid = {self.mark}", (int(fid),)
        )
        stats.count -= 1
        stats.touched = True
        return True

    def _touch(self, layer_id: str, geometry: BaseGeometry | None) -> None:
        """Remember that ``layer_id`` changed where ``geometry`` lies (see ``touched_bounds``)."""
        boxes = self.touched_bounds.setdefault(layer_id, [])
        if geometry is not None and not geometry.is_empty:
            minx, miny, maxx, maxy = geometry.bounds
            boxes.append((minx, miny, maxx, maxy))

    # -- checks ---------------------------------------------------------------------

    @staticmethod
    def _values(
        layer: LayerDefinition, properties: Mapping[str, Any], *, complete: bool
    ) -> dict[str, Any]:
        unknown = sorted(set(properties) - set(layer.attribute_names))
        if unknown:
            raise SchemaViolation(f"unknown properties of {layer.id}: {', '.join(unknown)}")
        names = layer.attribute_names if complete else list(properties)
        values = {n: storage_value(properties.get(n), layer.attribute(n).type) for n in names}
        missing = [
            a.name
            for a in layer.attributes
            if a.required and a.name in values and values[a.name] is None
        ]
        if missing:
            raise SchemaViolation(f"missing required properties: {', '.join(missing)}")
        return values

    @staticmethod
    def _check_geometry(layer: LayerDefinition, geometry: BaseGeometry | None) -> None:
        if geometry is None or geometry.is_empty:
            raise InvalidGeometry(f"a feature of {layer.id} needs a geometry")
        allowed = {layer.geometry_type, _MULTI.get(layer.geometry_type, "")}
        if layer.geometry_type == "Geometry":
            return
        if geometry.geom_type not in allowed:
            raise InvalidGeometry(
                f"{layer.id} holds {layer.geometry_type} geometries, not {geometry.geom_type}"
            )

    # -- statistics -------------------------------------------------------------------

    def lock_layer(self, layer_id: str) -> None:
        """Serialise with every other writer of the layer until this transaction ends.

        Read-then-write checks (``If-Match``) are only sound once this is held.
        """
        self._lock(self.store.catalog.get(layer_id))

    def _lock(self, layer: LayerDefinition) -> _LayerStats:
        """Read (and, on PostGIS, lock) the layer's statistics row once per transaction."""
        if layer.id in self._stats:
            return self._stats[layer.id]
        row = self.execute(
            "SELECT feature_count, min_x, min_y, max_x, max_y, t_min, t_max FROM "
            f"{self.store._stats_table()} WHERE layer_id = {self.mark}"
            f"{self.store.lock_suffix}",
            (layer.id,),
        ).fetchone()
        if row is None:
            row = (0, None, None, None, None, None, None)
        stats = _LayerStats(int(row[0]), list(row[1:5]), list(row[5:7]))
        self._stats[layer.id] = stats
        return stats

    @staticmethod
    def _grow(
        layer: LayerDefinition,
        stats: _LayerStats,
        geometry: BaseGeometry | None,
        values: Mapping[str, Any],
    ) -> None:
        stats.touched = True
        if geometry is not None and not geometry.is_empty:
            minx, miny, maxx, maxy = geometry.bounds
            b = stats.bounds
            b[0] = minx if b[0] is None else min(b[0], minx)
            b[1] = miny if b[1] is None else min(b[1], miny)
            b[2] = maxx if b[2] is None else max(b[2], maxx)
            b[3] = maxy if b[3] is None else max(b[3], maxy)
        when = values.get(layer.temporal_property) if layer.temporal_property else None
        if when is not None:
            t = stats.times
            t[0] = when if t[0] is None else min(t[0], when)
            t[1] = when if t[1] is None else max(t[1], when)

    def finish(self) -> None:
        """Write the hexbin aggregate changes and every touched layer's statistics
        (called before the commit)."""
        deltas, self._deltas = self._deltas, {}
        for tables, delta in deltas.values():
            self._write_delta(tables, delta)
        for layer_id, stats in self._stats.items():
            if not stats.touched:
                continue
            self.execute(
                f"UPDATE {self.store._stats_table()} SET feature_count = {self.mark}, "
                f"min_x = {self.mark}, min_y = {self.mark}, max_x = {self.mark}, "
                f"max_y = {self.mark}, t_min = {self.mark}, t_max = {self.mark}, "
                f"version = version + 1 WHERE layer_id = {self.mark}",
                (stats.count, *stats.bounds, *stats.times, layer_id),
            )
            self.store._after_edit(self.connection, layer_id, stats.bounds)

    @property
    def touched_layers(self) -> list[str]:
        """Layers this transaction changed."""
        return [layer_id for layer_id, s in self._stats.items() if s.touched]

    # -- H3 cover and aggregates ---------------------------------------------------------

    def _index(
        self, layer: LayerDefinition, fid: int, geometry: BaseGeometry | None, *, sign: int
    ) -> None:
        """Remove (sign -1) or add (+1) one feature's cover rows and aggregate contribution."""
        res = layer.h3_index_resolution
        if res is None:
            return
        tables = self.store.hex_tables(layer)
        if sign < 0:
            self._apply(tables, self._contributions(tables, fid), -1)
            self.execute(f"DELETE FROM {tables.cover} WHERE fid = {self.mark}", (int(fid),))
            return
        if geometry is not None and not geometry.is_empty:
            if geometry.geom_type == "Point":  # one cell: skip the vectorised path's set-up
                cells = [cell_at(geometry.x, geometry.y, res)]
            else:
                cells = covers(np.asarray([geometry], dtype=object), res)[1].tolist()
            for cell in sorted({int(c) for c in cells}):
                self.execute(
                    f"INSERT INTO {tables.cover} (cell, fid) VALUES ({self.mark}, {self.mark})",
                    (cell, int(fid)),
                )
        self._apply(tables, self._contributions(tables, fid), +1)

    def _contributions(self, tables: HexTables, fid: int) -> list[tuple[Any, ...]]:
        """(cell, period, *groups, *measure flags) of one feature, as the rebuild counts it."""
        layer = tables.layer
        if layer.hexbin is None:
            return []
        period = (
            tables.month_of.format(f"t.{quote(layer.temporal_property)}")
            if layer.temporal_property
            else "''"
        )
        flags: list[str] = []
        params: list[Any] = []
        for condition in layer.hexbin.measures.values():
            sql, values = compile_text(layer, tables.dialect, condition)
            flags.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END")
            params += values
        groups = "".join(f", t.{quote(g)}" for g in tables.groups)
        extra = "".join(f", {f}" for f in flags)
        rows = self.execute(
            f"SELECT c.cell, {period}{groups}{extra} FROM "
            f"(SELECT * FROM {self.store._table(layer.id)} WHERE fid = {self.mark}) AS t "
            f"JOIN {tables.cover} c ON c.fid = t.fid",
            (*params, int(fid)),
        ).fetchall()
        return [tuple(r) for r in rows]

    def _apply(self, tables: HexTables, rows: list[tuple[Any, ...]], sign: int) -> None:
        spec = tables.layer.hexbin
        if spec is None or not rows:
            return
        groups = len(tables.groups)
        delta = _Delta()
        for row in rows:
            cell, period, keys, flags = row[0], row[1], row[2 : 2 + groups], row[2 + groups :]
            amounts = [sign, *(sign * int(f) for f in flags)]
            for res in spec.resolutions:
                zone = parent(int(cell), res)
                _add(delta.detail, (res, zone, period, *keys), amounts)
                _add(delta.total, (res, zone), amounts)
        pending = self._part if self._part is not None else self._deltas
        _merge(pending, tables.layer.id, tables, delta)  # written once, by finish()

    def _write_delta(self, tables: HexTables, delta: _Delta) -> None:
        sql = self._statement(
            ("hexbin-delta", tables.layer.id, tuple(tables.groups), tuple(tables.measures)),
            lambda: _delta_statements(tables, self.mark, self.store.null_safe_equal),
        )
        for key, amounts in delta.detail.items():
            if not any(amounts):
                continue
            changed = self.execute(sql.detail_update, (*amounts, *key)).rowcount
            if not changed:
                self.execute(sql.detail_insert, (*key, *amounts))
            if amounts[0] < 0:
                self.execute(sql.detail_prune, key[:2])
        for (res, zone), amounts in delta.total.items():
            if not any(amounts):
                continue
            self.execute(sql.total_upsert, (res, zone, *amounts))
            if amounts[0] < 0:
                self.execute(sql.total_prune, (res, zone))

    def _statement[S](self, key: tuple[Any, ...], build: Callable[[], S]) -> S:
        """SQL text built once per store and statement shape: the identifiers come from
        the registry and do not change, and rebuilding the text (quoting two dozen
        names) cost a noticeable part of every single-feature write."""
        texts: dict[tuple[Any, ...], Any] = self.store.__dict__.setdefault("_statement_texts", {})
        text = texts.get(key)
        if text is None:
            text = texts[key] = build()
        return text


@dataclass(frozen=True)
class _DeltaStatements:
    """The statements that add one delta row to a layer's hexbin aggregates."""

    detail_update: str
    detail_insert: str
    detail_prune: str
    total_upsert: str
    total_prune: str


def _delta_statements(tables: HexTables, m: str, eq: str) -> _DeltaStatements:
    counters = ["n", *(quote(name) for name in tables.measures)]
    increments = ", ".join(f"{c} = {c} + {m}" for c in counters)
    group_terms = "".join(f" AND {quote(g)} {eq} {m}" for g in tables.groups)
    group_columns = "".join(f", {quote(g)}" for g in tables.groups)
    marks = ", ".join([m] * (3 + len(tables.groups) + len(counters)))
    total_marks = ", ".join([m] * (2 + len(counters)))
    excluded = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in counters)
    return _DeltaStatements(
        detail_update=f"UPDATE {tables.detail} SET {increments} WHERE res = {m} AND cell = {m} "
        f"AND period = {m}{group_terms}",
        detail_insert=f"INSERT INTO {tables.detail} (res, cell, period{group_columns}, "
        f"{', '.join(counters)}) VALUES ({marks})",
        detail_prune=f"DELETE FROM {tables.detail} WHERE res = {m} AND cell = {m} AND n <= 0",
        total_upsert=f"INSERT INTO {tables.total} AS t (res, cell, {', '.join(counters)}) "
        f"VALUES ({total_marks}) ON CONFLICT (res, cell) DO UPDATE SET {excluded}",
        total_prune=f"DELETE FROM {tables.total} WHERE res = {m} AND cell = {m} AND n <= 0",
    )


def _add(target: dict[Any, list[int]], key: Any, amounts: list[int]) -> None:
    current = target[key]
    if not current:
        current.extend([0] * len(amounts))
    for i, amount in enumerate(amounts):
        current[i] += amount


def _merge(
    pending: dict[str, tuple[HexTables, _Delta]], layer_id: str, tables: HexTables, delta: _Delta
) -> None:
    """Add one change of a layer's aggregates to those already pending."""
    found = pending.get(layer_id)
    if found is None:
        pending[layer_id] = (tables, delta)
        return
    target = found[1]
    for key, amounts in delta.detail.items():
        _add(target.detail, key, amounts)
    for total_key, amounts in delta.total.items():
        _add(target.total, total_key, amounts)
