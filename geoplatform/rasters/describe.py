"""geoplatform.rasters.describe: the domain set, range type and HTML page of a coverage.

The domain set and range type follow the JSON encoding of CIS 1.1 (the draft
Coverages API links them beside the coverage); axis labels are those of the
coverage's CRS, which ``subset`` and ``scale-size`` take.
"""

from __future__ import annotations

import html
from typing import Any

from geoplatform.rasters.axes import native
from geoplatform.rasters.sources import RasterSource

_INDEX_2D = "http://www.opengis.net/def/crs/OGC/0/Index2D"


def domainset(source: RasterSource) -> dict[str, Any]:
    """The coverage's grid: CRS, regular axes in the CRS's order, and grid limits."""
    system = native(source.crs.to_epsg() or 4490)
    west, south, east, north = source.bounds
    resx, resy = source.resolution
    by_direction = {
        True: {"lowerBound": west, "upperBound": east, "resolution": resx},
        False: {"lowerBound": south, "upperBound": north, "resolution": -resy},
    }
    axes = [
        {
            "type": "RegularAxis",
            "axisLabel": axis.label,
            **by_direction[axis.east],
            "uomLabel": "deg" if axis.unit == "degree" else "m",
        }
        for axis in system.axes
    ]
    return {
        "type": "DomainSet",
        "generalGrid": {
            "type": "GeneralGridCoverage",
            "srsName": system.uri,
            "axisLabels": [axis.label for axis in system.axes],
            "axis": axes,
            "gridLimits": {
                "type": "GridLimits",
                "srsName": _INDEX_2D,
                "axisLabels": ["i", "j"],
                "axis": [
                    {
                        "type": "IndexAxis",
                        "axisLabel": "i",
                        "lowerBound": 0,
                        "upperBound": source.width - 1,
                    },
                    {
                        "type": "IndexAxis",
                        "axisLabel": "j",
                        "lowerBound": 0,
                        "upperBound": source.height - 1,
                    },
                ],
            },
        },
    }


def rangetype(source: RasterSource) -> dict[str, Any]:
    """One field per band: name, title, unit, data type and the no-data value."""
    fields = []
    for band in source.definition.bands:
        field: dict[str, Any] = {
            "type": "Quantity",
            "id": band.name,
            "name": band.title.en,
            "description": band.title.zh,
            "encodingInfo": {"dataType": source.dtype},
        }
        if band.unit:
            field["uom"] = {"type": "UnitReference", "code": band.unit}
        if source.nodata is not None:
            field["nilValues"] = [{"value": source.nodata, "reason": "no data (outside the land)"}]
        fields.append(field)
    return {"type": "DataRecord", "field": fields}


def html_page(source: RasterSource, base_url: str, query: str) -> str:
    """A page showing the coverage as a picture, with links to its encodings."""
    definition = source.definition
    href = f"{base_url}/collections/{source.id}/coverage"
    extra = "&" + html.escape(query) if query else ""
    rows = "".join(
        f'<li><a href="{href}?f={f}{extra}">{label}</a></li>'
        for f, label in (("GeoTIFF", "GeoTIFF"), ("png", "PNG"), ("json", "CoverageJSON"))
    )
    title = html.escape(f"{definition.title.zh} {definition.title.en}")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>{html.escape(definition.description.zh)}</p>"
        f"<p>{html.escape(definition.description.en)}</p>"
        f"<p><img alt='{title}' src='{href}?f=png{extra}' style='max-width:100%'></p>"
        f"<ul>{rows}</ul>"
        f"<p><a href='{base_url}/collections/{source.id}'>{html.escape(source.id)}</a></p>"
        "</body></html>"
    )
