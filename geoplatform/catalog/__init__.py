"""geoplatform.catalog: the layer registry."""

from geoplatform.catalog.loader import LayerCatalog, load_catalog, load_layer_file
from geoplatform.catalog.models import (
    Access,
    Attribute,
    AttributeType,
    HexbinSpec,
    LayerDefinition,
    Place,
    PlaceRole,
)
from geoplatform.catalog.rasters import RasterDefinition

__all__ = [
    "Access",
    "Attribute",
    "AttributeType",
    "HexbinSpec",
    "LayerCatalog",
    "LayerDefinition",
    "Place",
    "PlaceRole",
    "RasterDefinition",
    "load_catalog",
    "load_layer_file",
]
