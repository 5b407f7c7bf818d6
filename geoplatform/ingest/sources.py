"""geoplatform.ingest.sources: read a vector source into a GeoDataFrame, no side effects.

Shapefile, GeoPackage, GeoJSON and FlatGeobuf go through GDAL (pyogrio) with
network access and VRT disabled; CSV is read with pandas and its lon/lat columns
turned into points.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoplatform.errors import IngestError

VECTOR_SUFFIXES = frozenset({".shp", ".gpkg", ".geojson", ".json", ".fgb"})
_SAFE_GDAL = {"GDAL_SKIP": "VRT", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": "none"}


def read_source(
    path: Path,
    *,
    source_layer: str | None = None,
    encoding: str | None = None,
    lon_column: str = "lon",
    lat_column: str = "lat",
) -> gpd.GeoDataFrame:
    """Read ``path`` as it is stored (coordinates untouched, CRS as declared)."""
    if not path.is_file():
        raise IngestError(f"{path.name}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, encoding or "utf-8", lon_column, lat_column)
    if suffix not in VECTOR_SUFFIXES:
        raise IngestError(f"{path.name}: unsupported format (use shp, gpkg, geojson, fgb, csv)")
    for key, value in _SAFE_GDAL.items():
        os.environ.setdefault(key, value)
    try:
        return pyogrio.read_dataframe(path, layer=source_layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise IngestError(f"{path.name}: cannot be read as a vector dataset") from exc
    except UnicodeDecodeError:
        raise IngestError(f"{path.name}: attribute text is not {encoding or 'UTF-8'}") from None


def _read_csv(path: Path, encoding: str, lon_column: str, lat_column: str) -> gpd.GeoDataFrame:
    try:
        frame = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise IngestError(f"{path.name}: not a readable CSV file in {encoding}") from exc
    for column in (lon_column, lat_column):
        if column not in frame.columns:
            raise IngestError(f"{path.name}: no column '{column}'")
    lon = pd.to_numeric(frame.pop(lon_column).str.strip(), errors="coerce")
    lat = pd.to_numeric(frame.pop(lat_column).str.strip(), errors="coerce")
    bad = (lon.isna() | lat.isna()).to_numpy().nonzero()[0]
    if len(bad):
        raise IngestError(f"{path.name}: row {int(bad[0]) + 2} has no numeric lon/lat")
    frame = frame.replace("", None)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=None)
