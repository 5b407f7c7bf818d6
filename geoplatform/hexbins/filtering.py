"""geoplatform.hexbins.filtering: one CQL2 filter, two jobs, on a hexbin collection.

Conditions on the counted layer's properties go to the store (they choose which
features are counted, in SQL with bound values); conditions on the hexagon's own
properties (``count``, the measures, ``zone_id``, its geometry) are evaluated
here on the counted hexagons. The filter's top-level AND terms are sorted into
the two; a single term that mixes both kinds has no meaning and is refused.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import shapely
from pygeofilter import ast, values
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from geoplatform.errors import InvalidParameter
from geoplatform.store.sql_filter import GEOMETRY_NAMES

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Equal: operator.eq,
    ast.NotEqual: operator.ne,
    ast.LessThan: operator.lt,
    ast.LessEqual: operator.le,
    ast.GreaterThan: operator.gt,
    ast.GreaterEqual: operator.ge,
}
_SPATIAL: dict[type, Callable[[Any, Any], Any]] = {
    ast.GeometryIntersects: shapely.intersects,
    ast.GeometryDisjoint: shapely.disjoint,
    ast.GeometryContains: shapely.contains,
    ast.GeometryWithin: shapely.within,
    ast.GeometryTouches: shapely.touches,
    ast.GeometryCrosses: shapely.crosses,
    ast.GeometryOverlaps: shapely.overlaps,
    ast.GeometryEquals: shapely.equals,
}


def _names(node: Any) -> set[str]:
    """Property names a filter term refers to."""
    if isinstance(node, ast.Attribute):
        return {node.name}
    found: set[str] = set()
    if isinstance(node, ast.Node):
        for child in node.get_sub_nodes():
            found |= _names(child)
    elif isinstance(node, list):
        for child in node:
            found |= _names(child)
    return found


def _conjuncts(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.And):
        return [*_conjuncts(node.lhs), *_conjuncts(node.rhs)]
    return [node]


def all_of(terms: list[ast.Node]) -> ast.Node | None:
    """The AND of the terms (None for none)."""
    if not terms:
        return None
    joined = terms[0]
    for term in terms[1:]:
        joined = ast.And(joined, term)
    return joined


def split_filter(
    node: ast.Node | None, native: frozenset[str]
) -> tuple[ast.Node | None, ast.Node | None]:
    """(filter on the counted features, filter on the hexagons)."""
    if node is None:
        return None, None
    counted: list[ast.Node] = []
    hexagon: list[ast.Node] = []
    for term in _conjuncts(node):
        names = _names(term)
        own = {n for n in names if n in native or n in GEOMETRY_NAMES}
        if own and own != names:
            raise InvalidParameter(
                "filter: a condition mixes hexagon properties "
                f"({', '.join(sorted(own))}) with properties of the counted features",
                parameter="filter",
            )
        (hexagon if own else counted).append(term)
    return all_of(counted), all_of(hexagon)


class HexagonFilter:
    """Evaluates a filter on one hexagon's properties and geometry (no code generation)."""

    def __init__(self, node: ast.Node) -> None:
        self.node = node

    def matches(self, properties: dict[str, Any], geometry: BaseGeometry) -> bool:
        """True when the hexagon satisfies the filter (a NULL comparison is false)."""
        return bool(self._eval(self.node, properties, geometry))

    def _eval(self, node: Any, props: dict[str, Any], geometry: BaseGeometry) -> Any:
        if isinstance(node, ast.And):
            return self._eval(node.lhs, props, geometry) and self._eval(node.rhs, props, geometry)
        if isinstance(node, ast.Or):
            return self._eval(node.lhs, props, geometry) or self._eval(node.rhs, props, geometry)
        if isinstance(node, ast.Not):
            return not self._eval(node.sub_node, props, geometry)
        if isinstance(node, ast.Include):
            return not node.not_
        if type(node) in _COMPARE:
            lhs, rhs = self._value(node.lhs, props), self._value(node.rhs, props)
            return lhs is not None and rhs is not None and _COMPARE[type(node)](lhs, rhs)
        if isinstance(node, ast.Between):
            value = self._value(node.lhs, props)
            low, high = self._value(node.low, props), self._value(node.high, props)
            inside = value is not None and low <= value <= high
            return value is not None and (inside != node.not_)
        if isinstance(node, ast.In):
            value = self._value(node.lhs, props)
            listed = value in [self._value(v, props) for v in node.sub_nodes]
            return value is not None and (listed != node.not_)
        if isinstance(node, ast.IsNull):
            return (self._value(node.lhs, props) is None) != node.not_
        if isinstance(node, ast.Like):
            value = self._value(node.lhs, props)
            return value is not None and (bool(_like(node).fullmatch(str(value))) != node.not_)
        if type(node) in _SPATIAL:
            lhs, rhs = node.lhs, node.rhs
            predicate = _SPATIAL[type(node)]
            if not (isinstance(lhs, ast.Attribute) and lhs.name in GEOMETRY_NAMES):
                lhs, rhs = rhs, lhs
                predicate = {
                    shapely.within: shapely.contains,
                    shapely.contains: shapely.within,
                }.get(predicate, predicate)
            return bool(predicate(geometry, _geometry(rhs)))
        if isinstance(node, ast.BBox):
            return bool(
                shapely.intersects(geometry, box(node.minx, node.miny, node.maxx, node.maxy))
            )
        raise InvalidParameter(
            f"filter: {type(node).__name__} is not supported on hexagon properties",
            parameter="filter",
        )

    @staticmethod
    def _value(node: Any, props: dict[str, Any]) -> Any:
        if isinstance(node, ast.Attribute):
            return props.get(node.name)
        if isinstance(node, ast.Node | values.Geometry | values.Envelope):
            raise InvalidParameter("filter: expected a property or a literal", parameter="filter")
        return node


def _like(node: ast.Like) -> re.Pattern[str]:
    pattern = ""
    for char in node.pattern:
        if char == node.wildcard:
            pattern += ".*"
        elif char == node.singlechar:
            pattern += "."
        else:
            pattern += re.escape(char)
    return re.compile(pattern, re.IGNORECASE if node.nocase else 0)


def _geometry(value: Any) -> BaseGeometry:
    if isinstance(value, values.Geometry):
        return shape(value.geometry)
    if isinstance(value, values.Envelope):
        return box(value.x1, value.y1, value.x2, value.y2)
    raise InvalidParameter("filter: expected a geometry literal", parameter="filter")
