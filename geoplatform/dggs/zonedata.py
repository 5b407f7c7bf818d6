"""geoplatform.dggs.zonedata: ``GET .../dggs/H3/zones/{zoneId}/data``, values per sub-zone.

What a city asks of a hexagon is "how many": the features of a layer in each
sub-zone (``count``), the layer's hexbin measures (``open``, ``closed_late``...)
and, on request, the counts per class of a hexbin attribute (``count_by_status``).
At the root the values of every visible layer come side by side as
``<layer>.count`` and ``<layer>.<measure>``. Every number comes from
``HexService.counts``, which answers whole months at levels 7-10 from the kept
aggregates and applies the same visibility and suppression rules everywhere.

Sub-zones of every depth are listed in ascending zone index (h3 cellToChildren
order), the order the hosted DGGRS definition declares for DGGS-JSON arrays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pygeofilter.ast import Node

from geoplatform.catalog import LayerDefinition
from geoplatform.dggs.extent import parse_time
from geoplatform.dggs.params import QueryValues, parse_filter_values, parse_names, parse_zone_depth
from geoplatform.dggs.scope import Scope
from geoplatform.dggs.vocabulary import DEFAULT_DEPTH, MAX_ZONES
from geoplatform.errors import InvalidParameter
from geoplatform.hexapi.service import HexService, SafeCount
from geoplatform.hexgrid import TooManyCells, children, resolution
from geoplatform.store.base import HexCountQuery, TimeInterval

ZONE_DATA_PARAMETERS = frozenset(
    {"f", "zone-depth", "properties", "datetime", "filter", "filter-lang"}
)

Value = int | None
"""A published count: None when suppressed on a sensitive layer."""


@dataclass(frozen=True)
class ValueSource:
    """One value a zone data request can ask for, and where it comes from."""

    name: str
    layer: LayerDefinition
    title: str
    measure: str | None = None
    """The hexbin measure counted; None for the feature count."""
    group: str | None = None
    """A hexbin ``group_by`` attribute: the count per class of it (a breakdown)."""


@dataclass(frozen=True)
class ZoneDataRequest:
    """A checked zone data request."""

    zone: int
    depths: tuple[int, ...]
    sources: tuple[ValueSource, ...]
    interval: TimeInterval | None
    filter: Node | None


@dataclass
class DepthValues:
    """The values of every sub-zone at one relative depth."""

    depth: int
    cells: list[int]
    values: dict[str, list[Value]]
    """Numbers by value name, aligned with ``cells``."""
    classes: dict[str, list[dict[str, Value]]]
    """Counts per class by breakdown name, aligned with ``cells`` (absent class: 0)."""


def _layer_sources(layer: LayerDefinition, prefix: str, breakdowns: bool) -> list[ValueSource]:
    sources = [ValueSource(f"{prefix}count", layer, f"Features of {layer.id} in the zone")]
    spec = layer.hexbin
    if spec is None:
        return sources
    sources += [
        ValueSource(f"{prefix}{name}", layer, f"Features of {layer.id} where {rule}", name)
        for name, rule in spec.measures.items()
    ]
    if breakdowns:
        sources += [
            ValueSource(
                f"{prefix}count_by_{group}",
                layer,
                f"Features of {layer.id} per value of {group}",
                group=group,
            )
            for group in spec.group_by
        ]
    return sources


def value_sources(scope: Scope, service: HexService) -> list[ValueSource]:
    """Every value name this origin knows, answerable or not."""
    if scope.layer is not None:
        return _layer_sources(scope.layer, "", breakdowns=True)
    return [
        source
        for layer in service.indexed_layers()
        for source in _layer_sources(layer, f"{layer.id}.", breakdowns=False)
    ]


def deepest_data_level(scope: Scope, service: HexService) -> int:
    """The finest level this origin can count at: the finest H3 index among its layers."""
    if scope.layer is not None:
        return scope.max_level
    return max((layer.h3_index_resolution or 0 for layer in service.indexed_layers()), default=-1)


def parse_zone_data(
    scope: Scope, service: HexService, zone: int, values: QueryValues
) -> ZoneDataRequest:
    """Read and check a zone data request: depths within the caps, names known and answerable."""
    level = resolution(zone)
    finest = deepest_data_level(scope, service)
    if level > finest:
        raise InvalidParameter(
            f"no data at level {level}: the finest level with data here is {finest}",
            parameter="zoneId",
        )
    depth_text = values.get("zone-depth")
    if depth_text is None:
        depths: tuple[int, ...] = (DEFAULT_DEPTH,) if level + DEFAULT_DEPTH <= finest else (0,)
    else:
        depths = parse_zone_depth(depth_text)
    if level + depths[-1] > finest:
        raise InvalidParameter(
            f"zone-depth: level {level + depths[-1]} is finer than {finest}, the finest level "
            "with data here",
            parameter="zone-depth",
        )
    if sum(7**depth for depth in depths) > MAX_ZONES:
        raise TooManyCells(
            f"zone-depth: more than {MAX_ZONES} sub-zones requested", parameter="zone-depth"
        )
    interval = None
    if "datetime" in values:
        interval = parse_time(str(values.get("datetime")), scope.layer, timed=True)
    request_filter = parse_filter_values(values, scope.layer)
    sources = _chosen_sources(scope, service, values, level + depths[-1], interval)
    return ZoneDataRequest(zone, depths, sources, interval, request_filter)


def _chosen_sources(
    scope: Scope,
    service: HexService,
    values: QueryValues,
    finest_level: int,
    interval: TimeInterval | None,
) -> tuple[ValueSource, ...]:
    known = {source.name: source for source in value_sources(scope, service)}

    def answerable(source: ValueSource) -> bool:
        index = source.layer.h3_index_resolution or -1
        timed = interval is None or source.layer.temporal_property is not None
        return index >= finest_level and timed

    text = values.get("properties")
    if text is None:
        chosen = [s for s in known.values() if s.group is None and answerable(s)]
        if not chosen:
            raise InvalidParameter("no layer here has data at this depth and time")
        return tuple(chosen)
    sources = []
    for name in parse_names(text, "properties"):
        source = known.get(name)
        if source is None:
            raise InvalidParameter(
                f"properties: unknown property '{name[:64]}'", parameter="properties"
            )
        if not answerable(source):
            raise InvalidParameter(
                f"properties: {name} has no data at level {finest_level} or no time",
                parameter="properties",
            )
        sources.append(source)
    return tuple(sources)


def zone_data(service: HexService, request: ZoneDataRequest) -> list[DepthValues]:
    """The requested values of every sub-zone, one entry per depth.

    One count query per layer and depth answers the count and every measure; a
    breakdown adds one query grouped by its attribute.
    """
    queries: dict[tuple[str, str | None], list[ValueSource]] = defaultdict(list)
    for source in request.sources:
        queries[(source.layer.id, source.group)].append(source)
    level = resolution(request.zone)
    result = []
    for depth in request.depths:
        cells = [request.zone] if depth == 0 else children(request.zone, level + depth)
        found = DepthValues(depth, cells, {}, {})
        position = {cell: index for index, cell in enumerate(cells)}
        for (layer_id, group), sources in queries.items():
            query = HexCountQuery(
                res=level + depth,
                parent=request.zone,
                interval=request.interval,
                filter=request.filter,
                group_by=(group,) if group else (),
            )
            rows, _ = service.counts(layer_id, query)
            if group is None:
                found.values.update(_numbers(rows, sources, position))
            else:
                per_cell = _per_class(rows, position)
                found.classes.update((source.name, per_cell) for source in sources)
        result.append(found)
    return result


def _numbers(
    rows: list[SafeCount], sources: list[ValueSource], position: dict[int, int]
) -> dict[str, list[Value]]:
    """Count and measures of each sub-zone (0 where no row: no feature there)."""
    numbers: dict[str, list[Value]] = {source.name: [0] * len(position) for source in sources}
    for row in rows:
        index = position.get(row.cell)
        if index is None:
            continue
        for source in sources:
            value = row.count if source.measure is None else row.measures[source.measure]
            numbers[source.name][index] = value
    return numbers


def _per_class(rows: list[SafeCount], position: dict[int, int]) -> list[dict[str, Value]]:
    """Counts per class of each sub-zone, from rows grouped by one attribute."""
    per_cell: list[dict[str, Value]] = [{} for _ in position]
    for row in rows:
        index = position.get(row.cell)
        if index is not None:
            per_cell[index][class_key(row.group[0])] = row.count
    return per_cell


def class_key(value: object) -> str:
    """A class value as a JSON key: booleans as true/false, a missing value as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
