"""geoplatform.store.base: the one contract every store backend implements.

Geometries cross this boundary as shapely objects in canonical storage
coordinates: CGCS2000 longitude/latitude (x = lon). Filters arrive as a
pygeofilter AST and are compiled by each backend into SQL with bound values.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
from pygeofilter.ast import Node
from shapely.geometry.base import BaseGeometry

from geoplatform.catalog import LayerCatalog, LayerDefinition
from geoplatform.errors import SchemaViolation

if TYPE_CHECKING:
    from geoplatform.store.editing import FeatureEdit

BBox = tuple[float, float, float, float]
Progress = Callable[[int, int], None]
"""Called with (rows done, rows total) while a long write runs."""


class WouldBlock(Exception):
    """The store cannot answer without waiting (for a lock, the network): ask it in a thread."""


@dataclass(frozen=True)
class TimeInterval:
    """A closed interval of ISO-8601 UTC instants; None is an open end."""

    start: str | None
    end: str | None


@dataclass(frozen=True)
class SortKey:
    """One ``sortby`` term."""

    name: str
    ascending: bool = True


@dataclass(frozen=True)
class FeatureQuery:
    """Everything a page of features can be selected by."""

    bbox: BBox | None = None
    interval: TimeInterval | None = None
    filter: Node | None = None
    equals: tuple[tuple[str, Any], ...] = ()
    sortby: tuple[SortKey, ...] = ()
    offset: int = 0
    limit: int = 100
    after_fid: int | None = None
    properties: tuple[str, ...] | None = None
    with_geometry: bool = True
    with_count: bool = True
    h3_zone: int | None = None
    """Only features indexed in this H3 cell (any resolution up to the layer's index)."""

    @property
    def is_unfiltered(self) -> bool:
        """True when the query selects the whole layer."""
        return (
            self.bbox is None
            and self.interval is None
            and self.filter is None
            and not self.equals
            and self.h3_zone is None
        )


@dataclass(frozen=True)
class HexCountQuery:
    """Counts of a layer's features per H3 cell at one resolution."""

    res: int
    zones: tuple[int, ...] | None = None
    """Only these cells (all at ``res``)."""
    parent: int | None = None
    """Only cells descending from this coarser cell."""
    bbox: BBox | None = None
    interval: TimeInterval | None = None
    filter: Node | None = None
    group_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class HexCount:
    """Features of one cell (and one combination of grouping values)."""

    cell: int
    group: tuple[Any, ...]
    count: int
    measures: dict[str, int]


@dataclass(frozen=True)
class HexCounts:
    """The counts of a query and whether the pre-aggregated tables answered it."""

    rows: list[HexCount]
    measures: tuple[str, ...]
    from_aggregates: bool


@dataclass
class FeatureRecord:
    """One feature: its store id, geometry and typed properties."""

    fid: int
    geometry: BaseGeometry | None
    properties: dict[str, Any]
    identifier: str | None = None
    """The id published for the feature when it is not the fid (a hexagon's cell id)."""


@dataclass
class FeaturePage:
    """A page of features and, when asked, how many match in all."""

    features: list[FeatureRecord]
    number_matched: int | None = None


@dataclass
class GeoJSONPage:
    """A page already serialised: a JSON array of GeoJSON Features, and its counts."""

    features: bytes
    returned: int
    last_fid: int | None
    number_matched: int | None


@dataclass(frozen=True)
class LayerExtent:
    """Spatial (lon/lat) and temporal extent of a layer's data."""

    bbox: BBox | None
    interval: TimeInterval | None


@dataclass(frozen=True)
class TileRequest:
    """One vector tile to build: which features, and the tile space they are drawn in.

    ``select_bbox`` (storage lon/lat) is the tile grown by its buffer: features
    intersecting it are the candidates, exactly as a features ``bbox`` selects
    them. ``bounds`` is the tile in the tile matrix set's CRS (x east, y north,
    EPSG ``srid``), mapped onto ``extent`` units per side.
    """

    layer_name: str
    select_bbox: BBox
    bounds: BBox
    srid: int
    extent: int
    buffer: int
    limit: int


@dataclass
class WriteReport:
    """What a bulk write did."""

    layer_id: str
    written: int
    warnings: list[str] = field(default_factory=list)


def explicit_fids(frame: gpd.GeoDataFrame) -> list[int] | None:
    """Feature ids a write must keep (a ``fid`` column), checked unique and positive."""
    if "fid" not in frame.columns:
        return None
    fids = [int(v) for v in frame["fid"]]
    if len(set(fids)) != len(fids) or any(f < 1 for f in fids):
        raise SchemaViolation("fid values must be unique positive integers")
    return fids


class FeatureStore(abc.ABC):
    """Contract of a feature store; backends are context managers that own connections."""

    catalog: LayerCatalog

    @abc.abstractmethod
    def ensure_layers(self, layers: Sequence[LayerDefinition]) -> None:
        """Create missing layer tables (idempotent; never drops data)."""

    @abc.abstractmethod
    def exists(self, layer_id: str) -> bool:
        """True when the layer's table exists in the store."""

    @abc.abstractmethod
    def count(self, layer_id: str) -> int:
        """Exact number of features, kept on write so it costs nothing to read."""

    @abc.abstractmethod
    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """One page of features in (sortby, fid) order."""

    def query_geojson(self, layer_id: str, query: FeatureQuery, target: int | None) -> GeoJSONPage:
        """A page as GeoJSON with geometry in ``target`` (EPSG axis order; None = CRS84).

        Backends that can build the JSON in the database override this.
        """
        import orjson

        from geoplatform.geojson import geojson_features

        page = self.query(layer_id, query)
        features = geojson_features(page.features, target)
        last = page.features[-1].fid if page.features else None
        return GeoJSONPage(orjson.dumps(features), len(features), last, page.number_matched)

    def mvt_tile(self, layer_id: str, request: TileRequest) -> bytes:
        """A Mapbox vector tile of the layer, empty bytes when no feature is drawn.

        The first ``request.limit`` candidates in fid order are drawn. This
        default reads them through ``query`` (the backend's spatial index) and
        encodes in Python; backends that can build the tile in the database
        override it and must draw the same features.
        """
        from geoplatform.tiles.encode import encode_tile

        page = self.query(
            layer_id,
            FeatureQuery(bbox=request.select_bbox, limit=request.limit, with_count=False),
        )
        return encode_tile(page.features, request)

    @abc.abstractmethod
    def hex_counts(self, layer_id: str, query: HexCountQuery) -> HexCounts:
        """Feature counts per H3 cell, from the kept aggregates when they can answer."""

    schema_version: str
    """Version of the store's own tables, as recorded in the store."""

    @abc.abstractmethod
    def data_version(self, layer_id: str) -> int:
        """A number that changes with every committed write to the layer (cache keys)."""

    @abc.abstractmethod
    def store_version(self) -> int:
        """A number that changes with every committed write to any layer."""

    @abc.abstractmethod
    def upgrade_metadata(self) -> None:
        """Bring the store's metadata tables to the current schema (idempotent)."""

    placeholder: str
    """Bound-value marker of the store's SQL (``?`` or ``%s``)."""

    @abc.abstractmethod
    def own_table(self, name: str) -> str:
        """Quoted, qualified name of one of the store's own (non-layer) tables."""

    @abc.abstractmethod
    def fetch_own(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one read of the store's own tables (values bound, never formatted in)."""

    @abc.abstractmethod
    def create_own_tables(self) -> None:
        """Create the workflow tables (geoplatform.store.workflow) if missing."""

    @abc.abstractmethod
    def migrate(self, progress: Callable[[str], Progress]) -> list[str]:
        """Upgrade the store's tables to this release; returns a line per step run."""

    @abc.abstractmethod
    def reindex(self, layer_id: str, progress: Progress | None = None) -> int:
        """Rebuild a layer's H3 cover and aggregates from its rows; returns cover rows."""

    def item_geojson(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """One feature as a GeoJSON Feature in ``target`` (None = CRS84), or None.

        Backends that can build the JSON in the database override this.
        """
        import orjson

        from geoplatform.geojson import geojson_features

        record = self.get(layer_id, fid)
        if record is None:
            return None
        return orjson.dumps(geojson_features([record], target)[0])

    def item_geojson_at_once(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """``item_geojson``, answered only if that needs no waiting, else ``WouldBlock``.

        The server asks this on its event loop first: one feature by its key from
        a local file costs microseconds, far less than handing the request to a
        worker thread. Stores that must wait (a network round trip) keep this
        default and are always asked from a thread.
        """
        raise WouldBlock(layer_id)

    async def item_geojson_async(self, layer_id: str, fid: int, target: int | None) -> bytes | None:
        """``item_geojson`` for the server's event loop: at once when the store need not
        wait, else from a worker thread. Stores with an asynchronous driver override it."""
        try:
            return self.item_geojson_at_once(layer_id, fid, target)
        except WouldBlock:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(self.item_geojson, layer_id, fid, target)

    async def mvt_tile_async(self, layer_id: str, request: TileRequest) -> bytes:
        """``mvt_tile`` for the server's event loop: from a worker thread, unless the
        store has an asynchronous driver (it then overrides this)."""
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(self.mvt_tile, layer_id, request)

    @abc.abstractmethod
    def get(self, layer_id: str, fid: int) -> FeatureRecord | None:
        """One feature by id, or None."""

    @abc.abstractmethod
    def extent(self, layer_id: str) -> LayerExtent:
        """Extent of the layer as last written."""

    @abc.abstractmethod
    def replace_all(
        self, layer_id: str, frame: gpd.GeoDataFrame, progress: Progress | None = None
    ) -> WriteReport:
        """Atomically replace every feature of a layer; on failure nothing changes.

        Features get ids 1..n in frame order, or keep those of a ``fid`` column
        (moves between stores and restores keep every URL valid).
        """

    @abc.abstractmethod
    def edit(self) -> AbstractContextManager[FeatureEdit]:
        """One transaction of single-feature writes (and workflow rows): all land, or none.

        H3 cover, hexbin aggregates, counts and write counters follow every change
        in the same transaction (see geoplatform.store.editing).
        """

    def edit_together[T](self, work: Callable[[FeatureEdit], T]) -> T:
        """Run ``work`` in a write transaction it may share with concurrent callers.

        It returns (or raises ``work``'s error) once the transaction that holds
        its changes has committed; SQL stores commit concurrent jobs together
        (geoplatform.store.group), this default gives each its own transaction.
        """
        with self.edit() as edit:
            return work(edit)

    @abc.abstractmethod
    def close(self) -> None:
        """Release every connection."""

    def __enter__(self) -> FeatureStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
