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

__all__ = [
    "Access",
    "Attribute",
    "AttributeType",
    "HexbinSpec",
    "LayerCatalog",
    "LayerDefinition",
    "Place",
    "PlaceRole",
    "load_catalog",
    "load_layer_file",
]
