"""geoplatform.catalog.loader: read layers/*.yml into a frozen LayerCatalog.

Files with ``kind: raster`` declare rasters (geoplatform.catalog.rasters); they
are kept apart from the vector layers, so code that walks the layers (store
tables, features, vector tiles, H3) never meets one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from geoplatform.catalog.models import LayerDefinition
from geoplatform.catalog.rasters import RasterDefinition
from geoplatform.errors import CatalogError, LayerNotFound


@dataclass(frozen=True)
class LayerCatalog:
    """The layer registry: every identifier used in SQL is checked against it."""

    layers: Mapping[str, LayerDefinition]
    rasters: Mapping[str, RasterDefinition] = field(default_factory=lambda: MappingProxyType({}))

    def __iter__(self) -> Iterator[LayerDefinition]:
        return iter(self.layers.values())

    def __len__(self) -> int:
        return len(self.layers)

    def get(self, layer_id: str) -> LayerDefinition:
        """Return the layer, or raise LayerNotFound (never KeyError)."""
        try:
            return self.layers[layer_id]
        except KeyError:
            raise LayerNotFound(f"collection '{layer_id[:64]}' not found") from None

    def public(self) -> list[LayerDefinition]:
        """Layers anyone may read, in id order."""
        return [layer for layer in self if layer.is_public]

    def public_rasters(self) -> list[RasterDefinition]:
        """Rasters anyone may read, in id order."""
        return [raster for raster in self.rasters.values() if raster.is_public]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(document)"
    return f"field '{field}': {first['msg']}"


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise CatalogError(f"{path.name}: expected a mapping at the top level")
    return document


def _validate[T: (LayerDefinition, RasterDefinition)](
    model: type[T], document: dict[str, Any], path: Path
) -> T:
    try:
        found = model.model_validate(document)
    except ValidationError as exc:
        raise CatalogError(f"{path.name}: {_describe(exc)}") from None
    if found.id != path.stem:
        raise CatalogError(f"{path.name}: field 'id': must equal the file name")
    return found


def load_layer_file(path: Path) -> LayerDefinition:
    """Validate one YAML file; errors name the file and the offending field."""
    return _validate(LayerDefinition, _read(path), path)


def load_definition_file(path: Path) -> LayerDefinition | RasterDefinition:
    """A vector layer, or a raster when the file says ``kind: raster``."""
    document = _read(path)
    if document.get("kind") == "raster":
        return _validate(RasterDefinition, document, path)
    return _validate(LayerDefinition, document, path)


def load_catalog(directory: Path) -> LayerCatalog:
    """Load every ``*.yml`` in ``directory`` (sorted, so the order is stable)."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise CatalogError(f"no layer definitions (*.yml) in {directory.name}/")
    layers: dict[str, LayerDefinition] = {}
    rasters: dict[str, RasterDefinition] = {}
    for found in map(load_definition_file, files):
        if isinstance(found, RasterDefinition):
            rasters[found.id] = found
        else:
            layers[found.id] = found
    if not layers:
        raise CatalogError(f"no vector layer definitions in {directory.name}/")
    return LayerCatalog(MappingProxyType(layers), MappingProxyType(rasters))
