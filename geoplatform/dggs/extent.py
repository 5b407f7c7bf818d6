"""geoplatform.dggs.extent: where and when a zone query looks (``bbox``, ``subset``, ``datetime``).

Both spatial spellings become lon/lat boxes in storage coordinates. A box crossing
the antimeridian (west above east) becomes two boxes, so nothing downstream has
to know about wrapping.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geoplatform import crs
from geoplatform.catalog import LayerDefinition
from geoplatform.dggs.params import QueryValues
from geoplatform.errors import InvalidParameter
from geoplatform.ogcapi import params as grammar
from geoplatform.store.base import BBox, TimeInterval

_GEOGRAPHIC_EPSG = (4326, 4490)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ENTRY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\((.*)\)", re.DOTALL)
_LAT_NAMES = frozenset({"lat", "latitude"})
_LON_NAMES = frozenset({"lon", "long", "longitude"})


@dataclass(frozen=True)
class Extent:
    """Lon/lat boxes (empty: anywhere) and a time interval (None: any time)."""

    boxes: tuple[BBox, ...] = ()
    interval: TimeInterval | None = None


def parse_extent(values: QueryValues, layer: LayerDefinition | None, *, timed: bool) -> Extent:
    """The extent of a zone query; ``timed`` says whether this origin has time at all."""
    subset = _parse_subset(values.every("subset")) if "subset" in values else {}
    spatial = "lat" in subset or "lon" in subset
    if spatial and "bbox" in values:
        raise InvalidParameter("subset: Lat/Lon cannot be combined with bbox", parameter="subset")
    if "time" in subset and "datetime" in values:
        raise InvalidParameter("subset: time cannot be combined with datetime", parameter="subset")
    boxes: tuple[BBox, ...] = ()
    if "bbox" in values:
        boxes = _bbox_boxes(str(values.get("bbox")), values.get("bbox-crs"))
    elif spatial:
        boxes = _subset_boxes(subset, values.get("subset-crs"))
    interval = None
    text = values.get("datetime") if "datetime" in values else subset.get("time")
    if text is not None:
        interval = parse_time(text, layer, timed=timed)
    return Extent(boxes, interval)


def parse_time(text: str, layer: LayerDefinition | None, *, timed: bool) -> TimeInterval:
    """A ``datetime`` value, refused where no time applies (R: 4xx rather than ignore)."""
    if not timed or (layer is not None and layer.temporal_property is None):
        raise InvalidParameter("datetime: this resource has no time", parameter="datetime")
    return grammar.parse_datetime(text)


def _allowed_crs(text: str, name: str, codes: tuple[int, ...]) -> int | None:
    try:
        code = crs.parse_crs(text)
    except InvalidParameter:
        raise InvalidParameter(f"{name}: unknown CRS", parameter=name) from None
    if code is not None and code not in codes:
        raise InvalidParameter(f"{name}: CRS not offered", parameter=name)
    return code


def _bbox_boxes(text: str, crs_text: str | None) -> tuple[BBox, ...]:
    numbers = grammar.parse_bbox(text)
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    code = _allowed_crs(crs_text or crs.CRS84, "bbox-crs", crs.PUBLISHED_EPSG)
    if code is None or code in _GEOGRAPHIC_EPSG:
        north_first = crs.is_north_first(code)
        west, south, east, north = (
            (numbers[1], numbers[0], numbers[3], numbers[2]) if north_first else tuple(numbers)
        )
        return _lonlat_boxes(west, south, east, north, code, "bbox")
    west, south, east, north = crs.bbox_to_storage(numbers, code)
    return (_checked((west, south, east, north), "bbox"),)


def _lonlat_boxes(
    west: float, south: float, east: float, north: float, code: int | None, name: str
) -> tuple[BBox, ...]:
    """Boxes in storage lon/lat from a geographic lon/lat box, split at the antimeridian."""
    if south > north:
        raise InvalidParameter(f"{name}: south above north", parameter=name)
    parts = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    boxes = []
    for low, high in parts:
        box = _checked((low, south, high, north), name)
        if code not in (None, crs.STORAGE_EPSG):
            order = [box[1], box[0], box[3], box[2]] if crs.is_north_first(code) else list(box)
            box = _checked(crs.bbox_to_storage(order, code), name)
        boxes.append(box)
    return tuple(boxes)


def _checked(box: tuple[float, float, float, float], name: str) -> BBox:
    west, south, east, north = box
    if not all(math.isfinite(v) for v in box):
        raise InvalidParameter(f"{name}: coordinates must be finite", parameter=name)
    if not (-180.0 <= west <= east <= 180.0 and -90.0 <= south <= north <= 90.0):
        raise InvalidParameter(f"{name}: outside longitude/latitude range", parameter=name)
    return (west, south, east, north)


def _subset_boxes(subset: dict[str, str], crs_text: str | None) -> tuple[BBox, ...]:
    code = _allowed_crs(crs_text or crs.CRS84, "subset-crs", _GEOGRAPHIC_EPSG)
    west, east = _number_interval(subset.get("lon", "*:*"), -180.0, 180.0)
    south, north = _number_interval(subset.get("lat", "*:*"), -90.0, 90.0)
    return _lonlat_boxes(west, south, east, north, code, "subset")


def _number_interval(text: str, low_default: float, high_default: float) -> tuple[float, float]:
    low, high = text.split(":", 1) if ":" in text else (text, text)
    values = []
    for part, default in ((low, low_default), (high, high_default)):
        if part == "*":
            values.append(default)
        elif _NUMBER.fullmatch(part):
            values.append(float(part))
        else:
            raise InvalidParameter("subset: expected numbers or * for Lat/Lon", parameter="subset")
    return values[0], values[1]


def _parse_subset(texts: list[str]) -> dict[str, str]:
    """``axis(low:high)`` / ``axis(point)`` entries by axis: ``lat``/``lon`` numbers, ``time`` text.

    The time axis comes back in ``datetime`` syntax (``start/end``, ``..`` for open).
    """
    axes: dict[str, str] = {}
    for entry in (part for text in texts for part in _split_top_level(text, ",")):
        found = _ENTRY.fullmatch(entry.strip())
        if not found:
            raise InvalidParameter(
                "subset: expected axis(low:high) or axis(point)", parameter="subset"
            )
        name, body = found.group(1).lower(), found.group(2)
        axis = "lat" if name in _LAT_NAMES else "lon" if name in _LON_NAMES else name
        if axis not in ("lat", "lon", "time"):
            raise InvalidParameter(f"subset: unknown axis '{name[:32]}'", parameter="subset")
        if axis in axes:
            raise InvalidParameter(f"subset: axis {axis} given more than once", parameter="subset")
        axes[axis] = _time_interval(body) if axis == "time" else body.replace(" ", "")
    return axes


def _time_interval(body: str) -> str:
    parts = _split_top_level(body, ":")
    if len(parts) not in (1, 2):
        raise InvalidParameter('subset: time expects "start":"end"', parameter="subset")
    instants = []
    for raw in parts:
        part = raw.strip()
        if part == "*":
            instants.append("..")
        elif len(part) >= 2 and part[0] == part[-1] == '"':
            instants.append(part[1:-1])
        else:
            raise InvalidParameter("subset: time values are quoted or *", parameter="subset")
    if len(instants) == 1:
        if instants[0] == "..":
            raise InvalidParameter("subset: a time point cannot be *", parameter="subset")
        return instants[0]
    return "/".join(instants)


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside double quotes and parentheses."""
    parts, current, depth, quoted = [], [], 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted or depth != 0:
        raise InvalidParameter("subset: unbalanced quotes or parentheses", parameter="subset")
    parts.append("".join(current))
    return parts
