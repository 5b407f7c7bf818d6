"""geoplatform.ogcapi.filters: parse CQL2 text and put geometry literals in lon/lat order.

The store compiles filters whose geometry literals are in storage lon/lat. pygeoapi
hands its providers literals reprojected into the storage CRS's EPSG axis order
(EPSG:4490 is lat/lon), so those are swapped back here; a filter parsed by
geoplatform itself (CRS84) is already in lon/lat.
"""

from __future__ import annotations

import copy
from typing import Any

import shapely
from lark.exceptions import LarkError
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from shapely.geometry import mapping, shape

from geoplatform.errors import InvalidParameter


def parse_filter(text: str) -> ast.Node:
    """Parse CQL2 text (the caller has already checked its size and nesting)."""
    try:
        return parse_cql2_text(text)
    except (LarkError, ValueError, TypeError, RecursionError):
        raise InvalidParameter("filter: not valid CQL2 text", parameter="filter") from None


def swap_geometry_literals(node: ast.Node) -> ast.Node:
    """A copy of ``node`` whose geometry literals have x and y exchanged."""
    tree = copy.deepcopy(node)
    stack: list[Any] = [tree]
    while stack:
        current = stack.pop()
        if isinstance(current, values.Geometry):
            swapped = shapely.transform(shape(current.geometry), lambda c: c[:, ::-1])
            current.geometry = mapping(swapped)
        elif isinstance(current, ast.Node):
            stack.extend(current.get_sub_nodes())
        elif isinstance(current, list):
            stack.extend(current)
    return tree
