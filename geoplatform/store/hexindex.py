"""geoplatform.store.hexindex: the H3 tables beside each layer, the same SQL in both stores.

For every layer with ``h3_resolutions`` the store keeps, in the same transaction
as the layer's rows:

- ``gp_h3__<layer>(cell, fid)``: the layer's H3 cover at its index resolution (one
  row per point; one row per intersecting cell for lines and polygons). Cells are
  64-bit integers, so every coarser zone is one range scan
  (:func:`geoplatform.hexgrid.descendant_range`) and every parent one
  ``(cell & keep) | add`` in SQL: no h3 extension in the database.
- for layers with a ``hexbin`` section, ``gp_hexbin__<layer>`` (counts per
  resolution, cell, month and grouping attributes) and ``gp_hextotal__<layer>``
  (counts per resolution and cell): what zone data, zone queries and hexbin
  collections read instead of grouping the raw rows on every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geoplatform.catalog import LayerDefinition
from geoplatform.hexgrid import parent_masks
from geoplatform.store.gpkg_format import quote
from geoplatform.store.sql_filter import Dialect, FilterCompiler

MAX_H3_LAYER_ID = 48
"""Longest layer id whose H3 table names stay within PostgreSQL's 63-byte identifiers."""


@dataclass(frozen=True)
class HexTables:
    """Names and SQL of one layer's H3 tables in one backend's dialect."""

    layer: LayerDefinition
    dialect: Dialect
    integer: str
    """The backend's 64-bit integer type name."""
    month_of: str
    """SQL template turning the quoted time column ``{}`` into ``YYYY-MM`` (UTC)."""
    prefix: str = ""
    """Schema qualifier, with its dot, or empty."""

    @property
    def cover(self) -> str:
        """Quoted, qualified name of the cover table."""
        return self.prefix + quote(f"gp_h3__{self.layer.id}")

    @property
    def detail(self) -> str:
        """Quoted, qualified name of the per-group aggregate table."""
        return self.prefix + quote(f"gp_hexbin__{self.layer.id}")

    @property
    def total(self) -> str:
        """Quoted, qualified name of the per-cell totals table."""
        return self.prefix + quote(f"gp_hextotal__{self.layer.id}")

    @property
    def names(self) -> list[str]:
        """Unquoted names of the tables this layer needs."""
        names = [f"gp_h3__{self.layer.id}"]
        if self.layer.hexbin is not None:
            names += [f"gp_hexbin__{self.layer.id}", f"gp_hextotal__{self.layer.id}"]
        return names

    @property
    def measures(self) -> list[str]:
        """Names of the counted conditions, in declaration order."""
        return list(self.layer.hexbin.measures) if self.layer.hexbin else []

    @property
    def groups(self) -> list[str]:
        """Attributes the detail table is grouped by."""
        return list(self.layer.hexbin.group_by) if self.layer.hexbin else []

    def create(self) -> list[str]:
        """DDL for the layer's H3 tables (idempotent)."""
        i = self.integer
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.cover} (cell {i} NOT NULL, fid {i} NOT NULL, "
            "PRIMARY KEY (cell, fid))",
            f"CREATE INDEX IF NOT EXISTS {quote(f'gp_h3__{self.layer.id}_fid')} "
            f"ON {self.cover} (fid)",
        ]
        if self.layer.hexbin is None:
            return statements
        groups = "".join(f", {quote(g)} text" for g in self.groups)
        counts = "".join(f", {quote(m)} {i} NOT NULL" for m in self.measures)
        statements += [
            f"CREATE TABLE IF NOT EXISTS {self.detail} (res {i} NOT NULL, cell {i} NOT NULL, "
            f"period text NOT NULL{groups}, n {i} NOT NULL{counts})",
            f"CREATE INDEX IF NOT EXISTS {quote(f'gp_hexbin__{self.layer.id}_cell')} "
            f"ON {self.detail} (res, cell)",
            f"CREATE TABLE IF NOT EXISTS {self.total} (res {i} NOT NULL, cell {i} NOT NULL, "
            f"n {i} NOT NULL{counts}, PRIMARY KEY (res, cell))",
        ]
        return statements

    def rebuild_aggregates(self) -> list[tuple[str, list[Any]]]:
        """Statements (with values) recomputing every hexbin row from the layer and its cover."""
        if self.layer.hexbin is None:
            return []
        mark = self.dialect.placeholder
        groups = [quote(g) for g in self.groups]
        period = (
            self.month_of.format(quote(self.layer.temporal_property))
            if self.layer.temporal_property
            else "''"
        )
        measure_sql: list[str] = []
        measure_params: list[Any] = []
        for condition in self.layer.hexbin.measures.values():
            compiled = compile_text(self.layer, self.dialect, condition)
            measure_sql.append(f"sum(CASE WHEN {compiled[0]} THEN 1 ELSE 0 END)")
            measure_params += compiled[1]
        measure_columns = "".join(f", {quote(m)}" for m in self.measures)
        table = self.prefix + quote(self.layer.id)
        statements: list[tuple[str, list[Any]]] = [
            (f"DELETE FROM {self.detail}", []),
            (f"DELETE FROM {self.total}", []),
        ]
        rows = (
            f"(SELECT t.*, c.cell AS gp_cell FROM {table} t JOIN {self.cover} c ON c.fid = t.fid)"
        )
        group_terms = "".join(f", {g}" for g in groups)
        sums = "".join(f", {s}" for s in measure_sql)
        positions = ", ".join(str(p) for p in range(2, 4 + len(groups)))
        for res in self.layer.hexbin.resolutions:
            keep, add = parent_masks(res)
            statements.append(
                (
                    f"INSERT INTO {self.detail} (res, cell, period{group_terms}, n"
                    f"{measure_columns}) SELECT {mark}, (gp_cell & {mark}) | {mark}, {period}"
                    f"{group_terms}, count(*){sums} FROM {rows} AS s "
                    f"GROUP BY {positions}",
                    [res, keep, add, *measure_params],
                )
            )
        sums = "".join(f", sum({quote(m)})" for m in self.measures)
        statements.append(
            (
                f"INSERT INTO {self.total} (res, cell, n{measure_columns}) "
                f"SELECT res, cell, sum(n){sums} FROM {self.detail} GROUP BY res, cell",
                [],
            )
        )
        return statements


_COMPILED: dict[tuple[int, int, str], tuple[object, object, str, tuple[Any, ...]]] = {}
"""Compiled registry conditions (measures are compiled on every single-feature write)."""


def compile_text(layer: LayerDefinition, dialect: Dialect, text: str) -> tuple[str, list[Any]]:
    """A CQL2 text condition of the layer definition as SQL and bound values (memoised)."""
    key = (id(layer), id(dialect), text)
    found = _COMPILED.get(key)
    if found is not None and found[0] is layer and found[1] is dialect:
        return found[2], list(found[3])
    from pygeofilter.parsers.cql2_text import parse

    compiled = FilterCompiler(layer, dialect).compile(parse(text))
    if len(_COMPILED) > 1024:
        _COMPILED.clear()
    _COMPILED[key] = (layer, dialect, compiled.sql, tuple(compiled.params))
    return compiled.sql, list(compiled.params)


def chunks(values: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    """Slices of at most ``size`` values (bound-parameter lists stay small)."""
    return [values[i : i + size] for i in range(0, len(values), size)]
