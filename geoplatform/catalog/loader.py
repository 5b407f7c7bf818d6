"""geoplatform.catalog.loader: read layers/*.yml into a frozen LayerCatalog."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import ValidationError

from geoplatform.catalog.models import LayerDefinition
from geoplatform.errors import CatalogError, LayerNotFound


@dataclass(frozen=True)
class LayerCatalog:
    """The layer registry: every identifier used in SQL is checked against it."""

    layers: Mapping[str, LayerDefinition]

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


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(document)"
    return f"field '{field}': {first['msg']}"


def load_layer_file(path: Path) -> LayerDefinition:
    """Validate one YAML file; errors name the file and the offending field."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise CatalogError(f"{path.name}: expected a mapping at the top level")
    try:
        layer = LayerDefinition.model_validate(document)
    except ValidationError as exc:
        raise CatalogError(f"{path.name}: {_describe(exc)}") from None
    if layer.id != path.stem:
        raise CatalogError(f"{path.name}: field 'id': must equal the file name")
    return layer


def load_catalog(directory: Path) -> LayerCatalog:
    """Load every ``*.yml`` in ``directory`` (sorted, so the order is stable)."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise CatalogError(f"no layer definitions (*.yml) in {directory.name}/")
    layers = {layer.id: layer for layer in map(load_layer_file, files)}
    return LayerCatalog(MappingProxyType(layers))
