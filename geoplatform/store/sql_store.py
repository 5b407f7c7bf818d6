"""geoplatform.store.sql_store: what the SQL backends share (paging, counting, write checks).

Each backend supplies its SQL dialect, how it names a table, how it runs a read,
which WHERE clauses a query becomes and how raw rows become features; the page
and count logic, and the checks before a bulk write, are written once here.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np

from geoplatform.catalog import AttributeType, LayerDefinition
from geoplatform.errors import SchemaViolation
from geoplatform.store.base import (
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    explicit_fids,
)
from geoplatform.store.gpkg_format import quote
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


class SqlStore(FeatureStore):
    """Paging and counting over a SQL backend, in (sortby, fid) order."""

    placeholder: ClassVar[str]
    geometry_select: ClassVar[str]
    """SQL expression returning the geometry as the backend's ``_records`` expects."""

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
            compiled = FilterCompiler(layer, self.dialect).compile(query.filter)
            clauses.append(compiled.sql)
            params += compiled.params
        return clauses, params

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
