"""geoplatform.hexbins.definitions: one collection per point layer with ``hexbin`` and resolution.

``city_case_hex8`` is the collection of resolution-8 hexagons holding city
cases: its features are hexagons with ``count`` and the layer's measures. Its
queryables are the hexagon's own properties (they select hexagons) and every
property of the counted layer (they select which features are counted), so
``class_code = '01001' AND count > 5`` maps the hexagons with more than five
manhole-cover cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from geoplatform.catalog import Attribute, AttributeType, LayerCatalog, LayerDefinition
from geoplatform.catalog.models import LocalizedText
from geoplatform.errors import CatalogError
from geoplatform.store.base import FeatureStore
from geoplatform.tiles.windows import TileWindows

NATIVE_ATTRIBUTES = (
    Attribute(
        name="zone_id",
        type=AttributeType.string,
        required=True,
        title=LocalizedText(zh="H3 格网编码", en="H3 cell id"),
    ),
    Attribute(
        name="resolution",
        type=AttributeType.integer,
        required=True,
        title=LocalizedText(zh="H3 分辨率", en="H3 resolution"),
    ),
    Attribute(
        name="count",
        type=AttributeType.integer,
        title=LocalizedText(zh="要素数量", en="Number of features"),
    ),
)


@dataclass(frozen=True)
class HexbinLayer:
    """A hexbin collection: its definition, the layer it counts and its resolution."""

    definition: LayerDefinition
    source: LayerDefinition
    res: int

    @property
    def measures(self) -> tuple[str, ...]:
        """The counted conditions, as properties of every hexagon."""
        return tuple(self.source.hexbin.measures) if self.source.hexbin else ()

    @property
    def native_names(self) -> frozenset[str]:
        """Properties of the hexagon itself; every other queryable belongs to the counted layer."""
        return frozenset({a.name for a in NATIVE_ATTRIBUTES} | set(self.measures))


def hexbin_id(source: LayerDefinition, res: int) -> str:
    """Collection id of a layer's hexagons at one resolution."""
    return f"{source.id}_hex{res}"


def _definition(source: LayerDefinition, res: int) -> LayerDefinition:
    assert source.hexbin is not None
    measures = tuple(
        Attribute(
            name=name,
            type=AttributeType.integer,
            title=LocalizedText(zh=f"满足条件的数量：{condition}", en=f"Number where {condition}"),
        )
        for name, condition in source.hexbin.measures.items()
    )
    clashes = {a.name for a in (*NATIVE_ATTRIBUTES, *measures)} & set(source.attribute_names)
    if clashes:
        raise CatalogError(
            f"layers/{source.id}.yml: attributes {sorted(clashes)} clash with hexbin properties"
        )
    suffix_zh = f"H3 六边形统计（{res} 级）"
    suffix_en = f"H3 hexagons, resolution {res}"
    return LayerDefinition(
        id=hexbin_id(source, res),
        title=LocalizedText(
            zh=f"{source.title.zh} · {suffix_zh}", en=f"{source.title.en}: {suffix_en}"
        ),
        description=LocalizedText(
            zh=(
                f"{source.title.zh}按 H3 {res} 级六边形统计。六边形属性（count 及各计数）"
                "筛选六边形；其余可查询属性筛选被计数的要素。datetime 限定被计数要素的时间。"
            ),
            en=(
                f"{source.title.en} counted per H3 resolution-{res} hexagon. Conditions on the "
                "hexagon's properties (count and the measures) select hexagons; conditions on the "
                "other queryables select which features are counted; datetime limits the counted "
                "features by time."
            ),
        ),
        geometry_type="Polygon",
        attributes=(*NATIVE_ATTRIBUTES, *measures, *source.attributes),
        temporal_property=source.temporal_property,
        access=source.access,
        owner=source.owner,
        editable=False,
        keywords=(*source.keywords, "H3", "hexbin", "六边形"),
        licence=source.licence,
        provenance=source.provenance,
        title_property="zone_id",
    )


def hexbin_layers(catalog: LayerCatalog) -> dict[str, HexbinLayer]:
    """Every hexbin collection the registry implies, by collection id."""
    layers: dict[str, HexbinLayer] = {}
    for source in catalog:
        if source.hexbin is None:
            continue
        for res in source.hexbin.resolutions:
            layer = HexbinLayer(_definition(source, res), source, res)
            if layer.definition.id in catalog.layers:
                raise CatalogError(
                    f"layer id {layer.definition.id} is taken by the hexbins of {source.id}"
                )
            layers[layer.definition.id] = layer
    return layers


def with_hexbins(catalog: LayerCatalog, hexbins: dict[str, HexbinLayer]) -> LayerCatalog:
    """The registry plus the hexbin collections (read-only, never stored as tables)."""
    merged = dict(catalog.layers)
    merged.update({key: layer.definition for key, layer in hexbins.items()})
    return replace(catalog, layers=MappingProxyType(dict(sorted(merged.items()))))


def hexbin_tile_windows(hexbins: dict[str, HexbinLayer], store: FeatureStore) -> TileWindows:
    """Each hexbin collection's zoom window, at the latitude of the layer it counts."""

    def latitude(source_id: str) -> float:
        bbox = store.extent(source_id).bbox
        return 0.0 if bbox is None else (bbox[1] + bbox[3]) / 2

    return TileWindows(
        {key: (layer.source.id, layer.res) for key, layer in hexbins.items()}, latitude
    )
