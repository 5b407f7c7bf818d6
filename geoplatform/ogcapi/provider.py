"""geoplatform.ogcapi.provider: pygeoapi feature provider over geoplatform's store.

pygeoapi's own SQLiteGPKG provider needs mod_spatialite; this provider delegates
to the FeatureStore instead, so the same provider serves every backend.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pygeoapi.provider.base import BaseProvider, ProviderGenericError, ProviderItemNotFoundError

from geoplatform import crs
from geoplatform.catalog import AttributeType, LayerDefinition
from geoplatform.errors import GeoPlatformError
from geoplatform.geojson import geojson_features
from geoplatform.ogcapi.filters import swap_geometry_literals
from geoplatform.ogcapi.params import parse_datetime, parse_feature_id, parse_property_value
from geoplatform.ogcapi.runtime import lookup_store
from geoplatform.store.base import FeatureQuery, FeatureRecord, SortKey
from geoplatform.store.sql_filter import H3_QUERYABLE

JSON_TYPES: dict[AttributeType, dict[str, str]] = {
    # JSON Schema of each attribute type (queryables, tile layer schemas)
    AttributeType.string: {"type": "string"},
    AttributeType.integer: {"type": "integer"},
    AttributeType.number: {"type": "number"},
    AttributeType.boolean: {"type": "boolean"},
    AttributeType.date: {"type": "string", "format": "date"},
    AttributeType.datetime: {"type": "string", "format": "date-time"},
}


def field_schema(layer: LayerDefinition) -> dict[str, dict[str, Any]]:
    """JSON-schema description of each attribute, as pygeoapi's ``fields`` expects."""
    fields = {}
    for attribute in layer.attributes:
        schema: dict[str, Any] = dict(JSON_TYPES[attribute.type])
        if attribute.title is not None:
            schema["title"] = attribute.title.en
            schema["description"] = attribute.title.zh
        if attribute.enum:
            schema["enum"] = list(attribute.enum)
        fields[attribute.name] = schema
    if layer.h3_index_resolution is not None:
        fields[H3_QUERYABLE] = {
            "type": "string",
            "title": "H3 cell",
            "description": (
                "H3 cell id (15 lowercase hex digits) of resolution 0 to "
                f"{layer.h3_index_resolution}: h3_cell = '<id>' selects the features indexed "
                "inside that cell; = , <> and IN are supported."
            ),
        }
    return fields


class PlatformProviderError(ProviderGenericError):
    """Carries one of our errors through pygeoapi with its own status and code."""


def as_provider_error(error: GeoPlatformError) -> ProviderGenericError:
    """Translate our error for pygeoapi, keeping the HTTP status and OGC code."""
    translated = PlatformProviderError(user_msg=error.description)
    translated.http_status_code = HTTPStatus(error.status_code)
    translated.ogc_exception_code = error.code
    return translated


def _target_epsg(spec: Any) -> int | None:
    """EPSG code features must be written in; None means CRS84."""
    if spec is None:
        return crs.STORAGE_EPSG
    return crs.parse_crs(spec.target_crs_uri)


class StoreFeatureProvider(BaseProvider):
    """OGC API - Features provider: cheap to build, delegates to the shared store."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.store = lookup_store(provider_def["data"])
        self.layer = self.store.catalog.get(provider_def["layer"])
        self.id_field = "id"
        self.title_field = self.layer.title_property
        self._fields = field_schema(self.layer)

    def get_fields(self) -> dict[str, dict[str, Any]]:
        """Attribute names and JSON types (queryables, sortby, properties checks)."""
        return self._fields

    # -- reads -----------------------------------------------------------------

    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        datetime_: str | None = None,
        properties: list[tuple[str, str]] | None = None,
        sortby: list[dict[str, str]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        q: str | None = None,
        filterq: Any = None,
        crs_transform_spec: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Return a FeatureCollection page; geometry in the requested CRS."""
        try:
            query = self._build_query(
                offset,
                limit,
                resulttype,
                bbox,
                datetime_,
                properties or [],
                sortby or [],
                select_properties or [],
                skip_geometry,
                filterq,
            )
            page = self.store.query(self.layer.id, query)
            target = _target_epsg(crs_transform_spec)
            features = self._features(page.features, target)
        except GeoPlatformError as exc:
            raise as_provider_error(exc) from exc
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": page.number_matched,
            "numberReturned": len(features),
        }

    def get(self, identifier: Any, crs_transform_spec: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Return one feature by id, or raise pygeoapi's not-found error."""
        fid = parse_feature_id(str(identifier))
        if fid is None:
            raise ProviderItemNotFoundError(user_msg="feature not found")
        record = self.store.get(self.layer.id, fid)
        if record is None:
            raise ProviderItemNotFoundError(user_msg="feature not found")
        return self._features([record], _target_epsg(crs_transform_spec))[0]

    def _build_query(
        self,
        offset: int,
        limit: int,
        resulttype: str,
        bbox: list[float] | None,
        datetime_: str | None,
        properties: list[tuple[str, str]],
        sortby: list[dict[str, str]],
        select_properties: list[str],
        skip_geometry: bool,
        filterq: Any,
    ) -> FeatureQuery:
        box = None
        if bbox:
            half = len(bbox) // 2
            # pygeoapi hands the bbox over in the storage CRS's axis order (lat, lon).
            box = (bbox[1], bbox[0], bbox[half + 1], bbox[half])
        return FeatureQuery(
            bbox=box,
            interval=parse_datetime(datetime_) if datetime_ else None,
            filter=None if filterq is None else swap_geometry_literals(filterq),
            equals=tuple(
                (name, parse_property_value(value, self.layer.attribute(name).type, name))
                for name, value in properties
            ),
            sortby=tuple(SortKey(s["property"], s.get("order", "+") != "-") for s in sortby),
            offset=offset,
            limit=0 if resulttype == "hits" else limit,
            properties=tuple(select_properties) if select_properties else None,
            with_geometry=not skip_geometry,
        )

    def _features(self, records: list[FeatureRecord], target: int | None) -> list[dict[str, Any]]:
        return geojson_features(records, target)
