"""geoplatform.indicators.definitions: one collection of indicators per place layer.

``case_indicators_street`` is the collection of streets with their case
indicators: its features are the street polygons (ids and geometry of the
place layer) with 应结案数, 结案率 ... as properties. Like a hexbin
collection, its queryables are its own properties (they select places) and
every property of the case layer (they select which cases are counted), so
``class_code = '01001' AND closure_rate < 0.9`` maps the streets closing fewer
than 90 % of their manhole-cover cases; ``datetime`` limits the counted cases
by ``reported_at``. Every place is a feature, with zeros (and null rates) when
no case counts, so a choropleth has no holes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from geoplatform.catalog import Attribute, AttributeType, LayerCatalog, LayerDefinition
from geoplatform.catalog.models import LocalizedText, Provenance
from geoplatform.errors import CatalogError
from geoplatform.indicators.compute import CASE_LAYER
from geoplatform.indicators.places import PLACE_ROLES, place_layers
from geoplatform.indicators.terms import INDICATORS, MANAGED_NOTE, Dimension

PREFIX = "case_indicators_"


@dataclass(frozen=True)
class IndicatorLayer:
    """An indicator collection: its definition, its dimension and the layers it joins."""

    definition: LayerDefinition
    dimension: Dimension
    place: LayerDefinition
    cases: LayerDefinition

    @property
    def native_names(self) -> frozenset[str]:
        """Properties of the place itself; every other queryable belongs to the cases."""
        return frozenset(a.name for a in _native_attributes(self.place))


def indicator_id(dimension: Dimension) -> str:
    """Collection id of the indicators of one place dimension."""
    return PREFIX + dimension.value


def _native_attributes(place: LayerDefinition) -> tuple[Attribute, ...]:
    assert place.place is not None
    code_title = place.attribute(place.place.code).title
    return (
        Attribute(
            name="code",
            type=AttributeType.string,
            required=True,
            title=code_title or LocalizedText(zh="代码", en="Code"),
        ),
        Attribute(
            name="name", type=AttributeType.string, title=LocalizedText(zh="名称", en="Name")
        ),
        *(
            Attribute(
                name=i.name,
                type=AttributeType.number if i.is_rate else AttributeType.integer,
                title=i.title,
            )
            for i in INDICATORS
        ),
    )


def _definition(
    dimension: Dimension, place: LayerDefinition, cases: LayerDefinition
) -> IndicatorLayer:
    native = _native_attributes(place)
    clashes = {a.name for a in native} & set(cases.attribute_names)
    if clashes:
        raise CatalogError(
            f"layers/{cases.id}.yml: attributes {sorted(clashes)} clash with indicator properties"
        )
    definition = LayerDefinition(
        id=indicator_id(dimension),
        title=LocalizedText(
            zh=f"案件考核指标 · {place.title.zh}", en=f"Case indicators: {place.title.en}"
        ),
        description=LocalizedText(
            zh=(
                f"按{place.title.zh}统计的{cases.title.zh}考核指标（应结案数、结案率、按期结案率等），"
                f"要素为{place.title.zh}的面。要素自身属性（code、name 及各指标）筛选要素；"
                "其余可查询属性筛选被统计的案件；datetime 按上报时间限定被统计的案件。"
                + MANAGED_NOTE.zh
            ),
            en=(
                f"Evaluation indicators of {cases.title.en.lower()} (cases due, closure rate, "
                f"on-time closure rate ...) per feature of {place.title.en.lower()}, drawn on "
                "its polygons. Conditions on the feature's own properties (code, name and the "
                "indicators) select features; conditions on the other queryables select which "
                "cases are counted; datetime limits the counted cases by their report time. "
                + MANAGED_NOTE.en
            ),
        ),
        geometry_type=place.geometry_type,
        attributes=(*native, *cases.attributes),
        temporal_property=cases.temporal_property,
        access="public",
        owner=cases.owner,
        editable=False,
        keywords=(*cases.keywords, "考核指标", "结案率", "indicators", dimension.value),
        licence=cases.licence,
        provenance=Provenance(
            synthetic=cases.provenance.synthetic or place.provenance.synthetic,
            source=LocalizedText(
                zh=f"案件：{cases.provenance.source.zh}；面：{place.provenance.source.zh}",
                en=f"Cases: {cases.provenance.source.en}; outlines: {place.provenance.source.en}",
            ),
        ),
        title_property="name" if place.place and place.place.name else "code",
    )
    return IndicatorLayer(definition, dimension, place, cases)


def indicator_layers(catalog: LayerCatalog) -> dict[str, IndicatorLayer]:
    """Every indicator collection the registry allows, by collection id.

    None without a case layer; one per place dimension whose role a public
    place layer plays.
    """
    cases = catalog.layers.get(CASE_LAYER)
    if cases is None or cases.temporal_property is None:
        return {}
    places = place_layers(catalog)
    layers: dict[str, IndicatorLayer] = {}
    for dimension, role in PLACE_ROLES.items():
        place = places.get(role)
        if place is None:
            continue
        layer = _definition(dimension, place, cases)
        if layer.definition.id in catalog.layers:
            raise CatalogError(f"layer id {layer.definition.id} is taken by the case indicators")
        layers[layer.definition.id] = layer
    return layers


def with_indicators(catalog: LayerCatalog, layers: dict[str, IndicatorLayer]) -> LayerCatalog:
    """The registry plus the indicator collections (read-only, never stored as tables)."""
    merged = dict(catalog.layers)
    merged.update({key: layer.definition for key, layer in layers.items()})
    return replace(catalog, layers=MappingProxyType(dict(sorted(merged.items()))))
