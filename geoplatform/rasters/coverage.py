"""geoplatform.rasters.coverage: a coverage answer in each offered encoding.

GeoTIFF carries the stored values (same data type, the stored no-data value or
an internal mask for imagery) on the output grid, georeferenced in the output
CRS, with the band names, units and provenance; PNG is the same picture the
map tiles draw; CoverageJSON a regular grid with one parameter per band.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds

from geoplatform.rasters.grid import OutputGrid
from geoplatform.rasters.render import cell_metres, encode, picture
from geoplatform.rasters.sources import RasterSource


def geotiff(source: RasterSource, grid: OutputGrid, values: np.ndarray, valid: np.ndarray) -> bytes:
    """A deflated GeoTIFF of the values on ``grid``."""
    nodata = source.nodata
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": values.shape[0],
        "dtype": source.dtype,
        "crs": grid.system.crs,
        "transform": from_bounds(*grid.bounds, grid.width, grid.height),
        "nodata": nodata,
        "compress": "deflate",
    }
    if grid.width >= 512 and grid.height >= 512:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    definition = source.definition
    out = values.astype(source.dtype)
    if nodata is not None:
        out = np.where(valid, out, np.asarray(nodata, dtype=source.dtype))
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(out)
            if nodata is None:
                dataset.write_mask(np.where(valid, 255, 0).astype(np.uint8))
            dataset.update_tags(
                TIFFTAG_IMAGEDESCRIPTION=f"{definition.title.en} / {definition.title.zh}",
                SOURCE=definition.provenance.source.en,
                SYNTHETIC=str(definition.provenance.synthetic).lower(),
            )
            for index, band in enumerate(definition.bands, start=1):
                dataset.set_band_description(index, band.name)
                if band.unit:
                    dataset.set_band_unit(index, band.unit)
        return memory.read()


def png(source: RasterSource, grid: OutputGrid, values: np.ndarray, valid: np.ndarray) -> bytes:
    """The map picture of the values on ``grid`` (no georeferencing: PNG has none)."""
    lonlat = grid.system.crs.is_geographic
    cell = cell_metres(grid.bounds, lonlat, valid.shape)
    return encode(picture(values, valid, source.definition.render, cell), valid, "PNG")


def _axis(low: float, high: float, cells: int, descending: bool) -> dict[str, Any]:
    step = (high - low) / cells
    first, last = low + step / 2, high - step / 2
    if descending:
        first, last = last, first
    return {"start": first, "stop": last, "num": cells}


def coveragejson(
    source: RasterSource, grid: OutputGrid, values: np.ndarray, valid: np.ndarray
) -> dict[str, Any]:
    """A CoverageJSON Grid coverage (cell centres, rows from north to south)."""
    west, south, east, north = grid.bounds
    geographic = grid.system.crs.is_geographic
    parameters: dict[str, Any] = {}
    ranges: dict[str, Any] = {}
    integer = np.issubdtype(np.dtype(source.dtype), np.integer)
    for index, band in enumerate(source.definition.bands):
        parameter: dict[str, Any] = {
            "type": "Parameter",
            "description": {"en": band.title.en, "zh": band.title.zh},
            "observedProperty": {"label": {"en": band.title.en, "zh": band.title.zh}},
        }
        if band.unit:
            parameter["unit"] = {"symbol": band.unit}
        parameters[band.name] = parameter
        cells = values[index].astype(float)
        data = [
            None if not ok else (int(v) if integer else round(float(v), 3))
            for v, ok in zip(cells.ravel(), valid.ravel(), strict=True)
        ]
        ranges[band.name] = {
            "type": "NdArray",
            "dataType": "integer" if integer else "float",
            "axisNames": ["y", "x"],
            "shape": [grid.height, grid.width],
            "values": data,
        }
    return {
        "type": "Coverage",
        "domain": {
            "type": "Domain",
            "domainType": "Grid",
            "axes": {
                "x": _axis(west, east, grid.width, False),
                "y": _axis(south, north, grid.height, True),
            },
            "referencing": [
                {
                    "coordinates": ["y", "x"] if grid.system.north_first else ["x", "y"],
                    "system": {
                        "type": "GeographicCRS" if geographic else "ProjectedCRS",
                        "id": grid.system.uri,
                    },
                }
            ],
        },
        "parameters": parameters,
        "ranges": ranges,
    }
