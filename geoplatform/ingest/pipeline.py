"""geoplatform.ingest.pipeline: read, normalise, then replace the layer in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np

from geoplatform.catalog import LayerDefinition
from geoplatform.errors import IngestError
from geoplatform.ingest import normalize
from geoplatform.ingest.sources import read_source
from geoplatform.store.base import FeatureStore, Progress


@dataclass(frozen=True)
class ImportOptions:
    """How to read and judge a source."""

    src_crs: str | None = None
    on_invalid: normalize.OnInvalid = "raise"
    encoding: str | None = None
    source_layer: str | None = None
    lon_column: str = "lon"
    lat_column: str = "lat"


@dataclass
class ImportReport:
    """What an import did; ``warnings`` lists skipped and fixed features."""

    layer_id: str
    read: int
    written: int
    fixed: int
    skipped: int
    source_crs: str
    warnings: list[str] = field(default_factory=list)


def import_layer(
    store: FeatureStore,
    layer: LayerDefinition,
    source: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Replace ``layer``'s features with the source's; atomic (all or nothing)."""
    frame = read_source(
        source,
        source_layer=options.source_layer,
        encoding=options.encoding,
        lon_column=options.lon_column,
        lat_column=options.lat_column,
    )
    if len(frame) == 0:
        raise IngestError(f"{source.name}: no features")
    code = normalize.source_epsg(options.src_crs, frame)
    geometries = np.asarray(frame.geometry.values, dtype=object)
    geometries = normalize.to_storage_coordinates(geometries, code)
    geometries, keep, checked = normalize.check_geometries(geometries, layer, options.on_invalid)
    attributes = normalize.conform_attributes(frame.drop(columns="geometry"), layer)
    result = gpd.GeoDataFrame(
        attributes[keep].reset_index(drop=True), geometry=list(geometries[keep]), crs=4490
    )
    if len(result) == 0:
        raise IngestError(f"{source.name}: every feature was rejected")
    written = store.replace_all(layer.id, result, progress)
    return ImportReport(
        layer_id=layer.id,
        read=len(frame),
        written=written.written,
        fixed=checked.fixed,
        skipped=checked.skipped,
        source_crs=code if isinstance(code, str) else f"EPSG:{code}",
        warnings=checked.reasons,
    )
