"""geoplatform.store.sql_filter: compile a CQL2 AST (pygeofilter) into SQL with bound values.

Never renders a value into SQL text: every literal becomes a parameter, and every
property name is checked against the layer registry before it is quoted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pygeofilter import ast, values
from shapely.geometry import box, shape

from geoplatform.catalog import AttributeType, LayerDefinition
from geoplatform.errors import InvalidParameter, QueryTooComplex
from geoplatform.store.values import utc_text

H3_QUERYABLE = "h3_cell"
"""Queryable of every H3-indexed layer: ``h3_cell = '<zone id>'`` selects the features in a zone."""
MAX_NODES = 200
ENVELOPE_MARGIN = 1e-4
"""Degrees added around a literal's envelope before an index prefilter (float32 R-trees)."""
MAX_DEPTH = 32
GEOMETRY_NAMES = frozenset({"geom", "geometry"})

_COMPARISON = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL = {
    ast.GeometryIntersects: "intersects",
    ast.GeometryDisjoint: "disjoint",
    ast.GeometryContains: "contains",
    ast.GeometryWithin: "within",
    ast.GeometryTouches: "touches",
    ast.GeometryCrosses: "crosses",
    ast.GeometryOverlaps: "overlaps",
    ast.GeometryEquals: "equals",
}
_TEMPORAL = {
    ast.TimeBefore: "<",
    ast.TimeAfter: ">",
    ast.TimeEquals: "=",
}


@dataclass(frozen=True)
class Dialect:
    """What differs between backends: placeholders, quoting and spatial predicates."""

    placeholder: str
    quote: Callable[[str], str]
    spatial: Callable[[str, str, str], str]
    """(predicate name, quoted geometry column, placeholder) -> SQL boolean."""
    geometry_param: Callable[[Any], Any]
    """Turn a shapely geometry (lon/lat) into the bound value the SQL expects."""
    boolean_param: Callable[[bool], Any] = bool
    """SQLite compares booleans as 0/1 integers, PostgreSQL as booleans."""
    envelope_prefilter: Callable[[str], str] | None = None
    """(layer id) -> SQL selecting rows whose envelope may meet a box bound as
    (max x, min x, max y, min y); for backends whose spatial predicate has no index."""


@dataclass
class CompiledFilter:
    """SQL text with placeholders and the values to bind, in order."""

    sql: str
    params: list[Any] = field(default_factory=list)


def _check_budget(root: ast.Node) -> None:
    stack: list[tuple[Any, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise QueryTooComplex(f"filter has more than {MAX_NODES} nodes", parameter="filter")
        if depth > MAX_DEPTH:
            raise QueryTooComplex(f"filter nests deeper than {MAX_DEPTH}", parameter="filter")
        if isinstance(node, ast.Node):
            stack.extend((child, depth + 1) for child in node.get_sub_nodes())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


class FilterCompiler:
    """Compile one filter for one layer in one dialect.

    Geometry literals must already be in storage lon/lat order.
    """

    def __init__(
        self, layer: LayerDefinition, dialect: Dialect, cover_table: str | None = None
    ) -> None:
        self.layer = layer
        self.dialect = dialect
        self.cover_table = cover_table
        """Quoted H3 cover table of the layer, which makes ``h3_cell`` queryable."""
        self.params: list[Any] = []

    def compile(self, node: ast.Node) -> CompiledFilter:
        """Return the SQL condition and its parameters."""
        _check_budget(node)
        return CompiledFilter(self._node(node), self.params)

    # -- helpers -------------------------------------------------------------

    def _bind(self, value: Any) -> str:
        self.params.append(value)
        return self.dialect.placeholder

    def _attribute(self, node: Any) -> tuple[str, AttributeType]:
        if not isinstance(node, ast.Attribute):
            raise InvalidParameter("filter: expected a property name", parameter="filter")
        name = node.name
        if name not in self.layer.attribute_names:
            raise InvalidParameter(
                f"filter: '{name[:64]}' is not a queryable of this collection",
                parameter="filter",
            )
        return self.dialect.quote(name), self.layer.attribute(name).type

    def _literal(self, value: Any, kind: AttributeType) -> Any:
        if isinstance(value, ast.Node | values.Geometry | values.Envelope):
            raise InvalidParameter("filter: expected a literal value", parameter="filter")
        if isinstance(value, dt.datetime):
            return utc_text(value) if kind is AttributeType.datetime else value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if kind is AttributeType.boolean:
            if not isinstance(value, bool):
                raise InvalidParameter("filter: expected true or false", parameter="filter")
            return self.dialect.boolean_param(value)
        if kind in (AttributeType.integer, AttributeType.number):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidParameter("filter: expected a number", parameter="filter")
            return value
        if not isinstance(value, str | int | float):
            raise InvalidParameter("filter: unsupported literal", parameter="filter")
        return value if isinstance(value, str) else str(value)

    def _geometry(self, value: Any) -> Any:
        return self.dialect.geometry_param(self._shape(value))

    def _shape(self, value: Any) -> Any:
        if isinstance(value, values.Geometry):
            geometry = shape(value.geometry)
        elif isinstance(value, values.Envelope):
            geometry = box(value.x1, value.y1, value.x2, value.y2)
        elif isinstance(value, ast.Function) and value.name.lower() == "bbox":
            args = value.arguments
            if len(args) != 4 or not all(isinstance(a, int | float) for a in args):
                raise InvalidParameter("filter: BBOX needs 4 numbers", parameter="filter")
            geometry = box(*args)
        else:
            raise InvalidParameter("filter: expected a geometry literal", parameter="filter")
        if not geometry.is_valid:
            raise InvalidParameter("filter: invalid geometry literal", parameter="filter")
        return geometry

    # -- node kinds ----------------------------------------------------------

    def _node(self, node: Any) -> str:
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return f"({self._node(node.lhs)} {op} {self._node(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self._node(node.sub_node)})"
        if type(node) in _COMPARISON:
            return self._comparison(node)
        if isinstance(node, ast.Between):
            column, kind = self._attribute(node.lhs)
            low = self._bind(self._literal(node.low, kind))
            high = self._bind(self._literal(node.high, kind))
            neg = "NOT " if node.not_ else ""
            return f"({column} {neg}BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In) and _is_h3(node.lhs):
            return self._h3_zones(list(node.sub_nodes), node.not_)
        if isinstance(node, ast.In):
            column, kind = self._attribute(node.lhs)
            marks = ", ".join(self._bind(self._literal(v, kind)) for v in node.sub_nodes)
            return f"({column} {'NOT ' if node.not_ else ''}IN ({marks}))"
        if isinstance(node, ast.IsNull):
            column, _ = self._attribute(node.lhs)
            return f"({column} IS {'NOT ' if node.not_ else ''}NULL)"
        if type(node) in _SPATIAL:
            return self._spatial(_SPATIAL[type(node)], node.lhs, node.rhs)
        if isinstance(node, ast.BBox):
            envelope = ast.Function("bbox", [node.minx, node.miny, node.maxx, node.maxy])
            return self._spatial("intersects", node.lhs, envelope)
        if type(node) in _TEMPORAL:
            column, kind = self._attribute(node.lhs)
            value = self._bind(self._literal(node.rhs, kind))
            return f"({column} {_TEMPORAL[type(node)]} {value})"
        if isinstance(node, ast.Include):
            return "(1 = 0)" if node.not_ else "(1 = 1)"
        raise InvalidParameter(
            f"filter: unsupported operator {type(node).__name__}", parameter="filter"
        )

    def _comparison(self, node: Any) -> str:
        op = _COMPARISON[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if isinstance(lhs, ast.Function) and lhs.name == "lower":
            column, kind = self._attribute(lhs.arguments[0])
            if not (isinstance(rhs, ast.Function) and rhs.name == "lower"):
                raise InvalidParameter("filter: CASEI on both sides", parameter="filter")
            value = self._literal(rhs.arguments[0], kind)
            return f"(lower({column}) {op} lower({self._bind(value)}))"
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs = rhs, lhs
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if _is_h3(lhs):
            if op not in ("=", "<>"):
                raise InvalidParameter(
                    f"filter: {H3_QUERYABLE} takes =, <> or IN", parameter="filter"
                )
            return self._h3_zones([rhs], op == "<>")
        column, kind = self._attribute(lhs)
        return f"({column} {op} {self._bind(self._literal(rhs, kind))})"

    def _h3_zones(self, zones: list[Any], negate: bool) -> str:
        """Features whose H3 cover lies in any of the zones (any resolution up to the index)."""
        from geoplatform.hexgrid import descendant_range, parse_cell, resolution

        index = self.layer.h3_index_resolution
        if self.cover_table is None or index is None:
            raise InvalidParameter(
                f"filter: '{H3_QUERYABLE}' is not a queryable of this collection",
                parameter="filter",
            )
        ranges = []
        for zone in zones:
            if not isinstance(zone, str):
                raise InvalidParameter(
                    f"filter: {H3_QUERYABLE} compares with H3 cell ids", parameter="filter"
                )
            cell = parse_cell(zone, parameter="filter")
            if resolution(cell) > index:
                raise InvalidParameter(
                    f"filter: {zone} is finer than the H3 index (resolution {index})",
                    parameter="filter",
                )
            low, high = descendant_range(cell, index)
            ranges.append(f"cell BETWEEN {self._bind(low)} AND {self._bind(high)}")
        neg = "NOT " if negate else ""
        return f"(fid {neg}IN (SELECT fid FROM {self.cover_table} WHERE {' OR '.join(ranges)}))"

    def _like(self, node: ast.Like) -> str:
        column, _ = self._attribute(node.lhs)
        pattern = node.pattern
        if node.singlechar != "_":
            pattern = pattern.replace(node.singlechar, "_")
        if node.wildcard != "%":
            pattern = pattern.replace(node.wildcard, "%")
        neg = "NOT " if node.not_ else ""
        return f"({column} {neg}LIKE {self._bind(pattern)} ESCAPE '\\')"

    def _spatial(self, predicate: str, lhs: Any, rhs: Any) -> str:
        if not (isinstance(lhs, ast.Attribute) and lhs.name in GEOMETRY_NAMES):
            lhs, rhs = rhs, lhs
            predicate = {"within": "contains", "contains": "within"}.get(predicate, predicate)
        if not (isinstance(lhs, ast.Attribute) and lhs.name in GEOMETRY_NAMES):
            raise InvalidParameter(
                "filter: spatial operators need the geometry", parameter="filter"
            )
        geometry = self._shape(rhs)
        prefilter = self.dialect.envelope_prefilter
        candidates = None
        if prefilter is not None and predicate != "disjoint" and not geometry.is_empty:
            # Every predicate but disjoint needs the envelopes to meet: let the index choose
            # the candidates, widened past its float32 rounding, before the exact test.
            minx, miny, maxx, maxy = geometry.bounds
            m = ENVELOPE_MARGIN
            candidates = prefilter(self.layer.id)
            for value in (maxx + m, minx - m, maxy + m, miny - m):
                self._bind(value)
        marker = self._bind(self.dialect.geometry_param(geometry))
        exact = self.dialect.spatial(predicate, "geom", marker)
        if candidates is None:
            return exact
        return f"({candidates} AND {exact})"


def _is_h3(node: Any) -> bool:
    return isinstance(node, ast.Attribute) and node.name == H3_QUERYABLE
