"""geoplatform.indicators.compute: the case indicators per group, counted in the database.

One statement per request, in either store's SQL: the public case layer is
joined to the history of the cases handled through the API (last disposal
feedback, closure through the API, from ``gp_case_event``; disposal due time
and rework count from ``gp_case``), restricted to registered cases reported in
the window (and to a CQL2 filter on the case properties), and grouped by the
dimension. Every value is bound; every identifier comes from the layer
registry or from this module. The grouped rows are small (one per place,
hexagon, department or month), so rates are derived from the counts in Python.

The disposal and rework measures come only from cases managed through the API
(see geoplatform.indicators.terms): they rest on history rows (``feedback``,
``close``) that only the API writes; the demo's synthetic cases have none.
Cases without a value for the dimension (no unit grid, no responsible
department) are in no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pygeofilter import ast

from geoplatform.errors import InvalidParameter
from geoplatform.hexgrid import cell_text, parent_masks
from geoplatform.indicators.terms import (
    CLOSED_LABEL,
    COUNTS,
    INDICATORS,
    UNREGISTERED_LABELS,
    Dimension,
)
from geoplatform.store.base import FeatureQuery, FeatureStore, TimeInterval
from geoplatform.store.gpkg_format import quote
from geoplatform.store.hexindex import compile_text
from geoplatform.store.sql_store import SqlStore

CASE_LAYER = "city_case"
"""The public case layer (the same id the case service writes to)."""
H3_RESOLUTIONS = range(7, 11)
PLACE_COLUMNS: dict[Dimension, str] = {
    Dimension.county: "county_code",
    Dimension.street: "street_code",
    Dimension.community: "community_code",
    Dimension.unit: "unit_code",
}
"""The case layer's code column of each place dimension."""

_QUOTED = ", ".join(f"'{label}'" for label in UNREGISTERED_LABELS)
REGISTERED = f"status NOT IN ({_QUOTED})"
CLOSED = f"status = '{CLOSED_LABEL}'"
CLOSED_ON_TIME = f"{CLOSED} AND on_time = true"
CLOSED_LATE = f"{CLOSED} AND on_time = false"
"""CQL2 conditions on the case layer, compiled by the store's own filter compiler."""
FEEDBACK = "feedback"
CLOSE = "close"
"""History actions (geoplatform.cases.lifecycle) the managed-case measures rest on."""
LAYER_COUNTS = COUNTS[:4]
"""Counted from the public layer alone."""
HISTORY_COUNTS = COUNTS[4:]
"""Counted from the history of the cases handled through the API."""
assert LAYER_COUNTS == ("cases_due", "cases_closed", "closed_on_time", "closed_late")
assert HISTORY_COUNTS == ("managed_closed", "disposed", "disposed_on_time", "reworked")


@dataclass(frozen=True)
class IndicatorRow:
    """The indicators of one group: the counts, and the rates derived from them."""

    key: str
    counts: dict[str, int]

    def values(self) -> dict[str, int | float | None]:
        """Every indicator, in publication order."""
        counts = self.counts
        values: dict[str, int | float | None] = {}
        for indicator in INDICATORS:
            name = indicator.name
            if indicator.ratio is not None:
                numerator, denominator = indicator.ratio
                values[name] = (
                    counts[numerator] / counts[denominator] if counts[denominator] else None
                )
            elif name == "cases_open":
                values[name] = counts["cases_due"] - counts["cases_closed"]
            else:
                values[name] = counts[name]
        return values


def empty_row(key: str) -> IndicatorRow:
    """A group without any counted case: counts 0, rates null."""
    return IndicatorRow(key, dict.fromkeys(COUNTS, 0))


def total_row(rows: list[IndicatorRow], key: str = "total") -> IndicatorRow:
    """The sum of several groups (rates are recomputed, never averaged)."""
    return IndicatorRow(key, {name: sum(r.counts[name] for r in rows) for name in COUNTS})


def sql_store(store: FeatureStore) -> SqlStore:
    """The SQL store under any read-only views wrapped around it (hexbins, indicators)."""
    current: Any = store
    while not isinstance(current, SqlStore):
        current = getattr(current, "base", None)
        if current is None:
            raise TypeError("case indicators need a SQL store (GeoPackage or PostGIS)")
    return current


def check_resolution(by: Dimension, res: int | None) -> int | None:
    """The H3 resolution of an h3 grouping (7 to 10); None for every other dimension."""
    if by is not Dimension.h3:
        if res is not None:
            raise InvalidParameter("res: only with by=h3", parameter="res")
        return None
    if res is None or res not in H3_RESOLUTIONS:
        raise InvalidParameter("res: by=h3 needs res from 7 to 10", parameter="res")
    return res


def case_indicators(
    store: FeatureStore,
    by: Dimension,
    *,
    res: int | None = None,
    interval: TimeInterval | None = None,
    filter: ast.Node | None = None,
) -> list[IndicatorRow]:
    """The indicators of every group with at least one registered case, in key order.

    ``interval`` limits the cases by ``reported_at`` (both ends inclusive, like
    the ``datetime`` parameter everywhere else); ``filter`` is a CQL2 condition
    on the case layer's properties. ``store`` may be the base store or any view
    around it.
    """
    res = check_resolution(by, res)
    base = sql_store(store)
    statement = _Statement(base, by, res, interval, filter)
    rows: dict[str, IndicatorRow] = {}
    for raw in base.fetch_own(*statement.layer_counts()):
        counts = dict.fromkeys(COUNTS, 0)
        counts.update(zip(LAYER_COUNTS, map(int, raw[1:]), strict=True))
        rows[_key(by, raw[0])] = IndicatorRow(_key(by, raw[0]), counts)
    for raw in base.fetch_own(*statement.history_counts()):
        # The same cases, fewer of them: every group here is a group of the layer counts.
        rows[_key(by, raw[0])].counts.update(zip(HISTORY_COUNTS, map(int, raw[1:]), strict=True))
    return list(rows.values())


def _key(by: Dimension, value: Any) -> str:
    """A group key as published: H3 cells as their 15-digit hexadecimal id."""
    return cell_text(int(value)) if by is Dimension.h3 else str(value)


class _Statement:
    """The two grouped SELECTs of one question, with their values in placeholder order.

    Both select the same cases (registered, in the window, matching the filter,
    with a group key). The layer counts scan the case layer; the history counts
    start from the cases handled through the API, which are few, and look each
    one up by its fid, so neither statement grows with the product of the two.
    """

    def __init__(
        self,
        store: SqlStore,
        by: Dimension,
        res: int | None,
        interval: TimeInterval | None,
        condition: ast.Node | None,
    ) -> None:
        self.store = store
        self.layer = store.catalog.get(CASE_LAYER)
        self.key_sql, self.key_params, self.key_join = _group_key(store, by, res)
        registered, registered_params = self._compiled(REGISTERED)
        clauses, where_params = store._where(
            self.layer, FeatureQuery(interval=interval, filter=condition, with_count=False)
        )
        self.where = " AND ".join([registered, "gp_key IS NOT NULL", *clauses])
        self.where_params = [*registered_params, *where_params]

    def _compiled(self, text: str) -> tuple[str, list[Any]]:
        return compile_text(self.layer, self.store.dialect, text)

    def _grouped(
        self, sums: list[str], sum_params: list[Any], rows: str, rows_params: list[Any]
    ) -> tuple[str, list[Any]]:
        sql = (
            f"SELECT gp_key, {', '.join(sums)} FROM {rows} AS s "
            f"WHERE {self.where} GROUP BY gp_key ORDER BY gp_key"
        )
        return sql, [*sum_params, *rows_params, *self.where_params]

    def layer_counts(self) -> tuple[str, list[Any]]:
        """应结案, 结案, 按期结案, 超期结案 per group."""
        closed, closed_params = self._compiled(CLOSED)
        on_time, on_time_params = self._compiled(CLOSED_ON_TIME)
        late, late_params = self._compiled(CLOSED_LATE)
        sums = [
            "count(*)",
            f"sum(CASE WHEN {closed} THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN {on_time} THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN {late} THEN 1 ELSE 0 END)",
        ]
        rows = (
            f"(SELECT t.*, {self.key_sql} AS gp_key "
            f"FROM {self.store._table(self.layer.id)} t{self.key_join})"
        )
        return self._grouped(
            sums, [*closed_params, *on_time_params, *late_params], rows, self.key_params
        )

    def history_counts(self) -> tuple[str, list[Any]]:
        """纳管结案, 处置, 按期处置, 返工 per group, from the handled cases only."""
        closed, closed_params = self._compiled(CLOSED)
        sums = [
            f"sum(CASE WHEN gp_closed_here = 1 AND {closed} THEN 1 ELSE 0 END)",
            "sum(CASE WHEN gp_feedback IS NOT NULL THEN 1 ELSE 0 END)",
            "sum(CASE WHEN gp_feedback <= gp_due_dispose THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN gp_closed_here = 1 AND gp_rework > 0 AND {closed} THEN 1 ELSE 0 END)",
        ]
        history, history_params = _history(self.store)
        # CROSS JOIN makes SQLite loop over the handled cases first (PostgreSQL plans freely).
        rows = (
            f"(SELECT t.*, {self.key_sql} AS gp_key, h.last_feedback AS gp_feedback, "
            "h.closed_here AS gp_closed_here, h.due_dispose AS gp_due_dispose, "
            "h.rework_count AS gp_rework "
            f"FROM {history} h CROSS JOIN {self.store._table(self.layer.id)} t{self.key_join} "
            "WHERE t.fid = h.fid)"
        )
        return self._grouped(
            sums, [*closed_params, *closed_params], rows, [*self.key_params, *history_params]
        )


def _history(store: SqlStore) -> tuple[str, list[Any]]:
    """Per case handled through the API: its last disposal feedback, whether it was closed
    through the API, its disposal due time and rework count (only such cases have rows)."""
    mark = store.placeholder
    sql = (
        "(SELECT m.fid AS fid, e.last_feedback, e.closed_here, m.due_dispose, m.rework_count "
        f"FROM (SELECT case_id, max(CASE WHEN action = {mark} THEN at END) AS last_feedback, "
        f"max(CASE WHEN action = {mark} THEN 1 ELSE 0 END) AS closed_here "
        f"FROM {store.own_table('gp_case_event')} WHERE action IN ({mark}, {mark}) "
        f"GROUP BY case_id) e JOIN {store.own_table('gp_case')} m ON m.case_id = e.case_id)"
    )
    return sql, [FEEDBACK, CLOSE, FEEDBACK, CLOSE]


def _group_key(store: SqlStore, by: Dimension, res: int | None) -> tuple[str, list[Any], str]:
    """(SQL of the group key over the case row ``t``, its values, an extra join)."""
    if by in PLACE_COLUMNS:
        return f"t.{quote(PLACE_COLUMNS[by])}", [], ""
    if by is Dimension.department:
        return "d.responsible_org", [], f" JOIN {store.own_table('gp_case')} d ON d.fid = t.fid"
    if by is Dimension.period:
        return store.month_sql.format("t." + quote("reported_at")), [], ""
    assert res is not None
    layer = store.catalog.get(CASE_LAYER)
    if layer.h3_index_resolution is None or layer.h3_index_resolution < res:
        raise InvalidParameter(f"{CASE_LAYER} has no H3 index at resolution {res}")
    keep, add = parent_masks(res)
    mark = store.placeholder
    cover = store.hex_tables(layer).cover
    return f"(c.cell & {mark}) | {mark}", [keep, add], f" JOIN {cover} c ON c.fid = t.fid"
