"""geoplatform.ingest.normalize: bring a source frame into a layer's schema and storage CRS.

Coordinates are converted to CGCS2000 lon/lat (from any EPSG CRS, or from the
GCJ-02 / BD-09 obfuscations when declared), geometries are checked and handled
by the ``on_invalid`` policy, and every attribute is coerced to its declared type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geoplatform import crs as crs_rules
from geoplatform.catalog import Attribute, AttributeType, LayerDefinition
from geoplatform.codelists import codes
from geoplatform.errors import IngestError

OnInvalid = Literal["raise", "skip", "fix"]
_SINGLE_TO_MULTI = {
    "MultiPolygon": "Polygon",
    "MultiLineString": "LineString",
    "MultiPoint": "Point",
}


@dataclass
class NormalizeReport:
    """What normalisation changed: counts of fixed and skipped rows, with reasons."""

    fixed: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)


def source_epsg(declared: str | None, frame: gpd.GeoDataFrame) -> int | str:
    """The EPSG code (or GCJ02/BD09) the source coordinates are in."""
    if declared:
        text = declared.strip().upper()
        if text in (crs_rules.GCJ02, crs_rules.BD09):
            return text
        match = re.fullmatch(r"EPSG:([0-9]{4,5})", text)
        if not match:
            raise IngestError(
                f"--src-crs: expected EPSG:<code>, GCJ02 or BD09, got {declared[:32]}"
            )
        code = int(match.group(1))
        try:
            CRS.from_epsg(code)
        except CRSError:
            raise IngestError(f"--src-crs: unknown EPSG code {code}") from None
        return code
    if frame.crs is None:
        raise IngestError("the source declares no CRS: give --src-crs")
    code = CRS(frame.crs).to_epsg(min_confidence=70)
    if code is None:
        raise IngestError("the source CRS has no EPSG code: give --src-crs")
    return code


def to_storage_coordinates(geometries: np.ndarray, source: int | str) -> np.ndarray:
    """Convert x/y-ordered source geometries into CGCS2000 lon/lat."""
    if isinstance(source, str):
        return crs_rules.deobfuscate(geometries, source)
    return crs_rules.to_storage(geometries, source, axis_as_epsg=False)


def _conform_type(geometries: np.ndarray, wanted: str) -> np.ndarray:
    """Promote singles to multis (or the reverse when a multi holds one part)."""
    out = geometries.copy()
    single = _SINGLE_TO_MULTI.get(wanted)
    for index, geometry in enumerate(geometries):
        if geometry is None:
            continue
        kind = geometry.geom_type
        if kind == wanted:
            continue
        if single and kind == single:
            out[index] = getattr(shapely, wanted)([geometry])
        elif kind == "Multi" + wanted and len(geometry.geoms) == 1:
            out[index] = geometry.geoms[0]
        else:
            out[index] = None
    return out


def _repair(geometry: shapely.Geometry, wanted: str) -> shapely.Geometry | None:
    repaired = shapely.make_valid(geometry)
    base = wanted.removeprefix("Multi")
    parts = [
        g
        for g in getattr(repaired, "geoms", [repaired])
        if g.geom_type.removeprefix("Multi") == base
    ]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.is_valid and not merged.is_empty else None


def check_geometries(
    geometries: np.ndarray, layer: LayerDefinition, policy: OnInvalid
) -> tuple[np.ndarray, np.ndarray, NormalizeReport]:
    """Return (geometries, keep mask, report) after applying ``policy`` to bad rows."""
    report = NormalizeReport()
    geometries = _conform_type(geometries, layer.geometry_type)
    keep = np.ones(len(geometries), dtype=bool)
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    valid = ~missing & shapely.is_valid(geometries)
    bounds = shapely.bounds(geometries)
    in_range = (
        (bounds[:, 0] >= -180)
        & (bounds[:, 2] <= 180)
        & (bounds[:, 1] >= -90)
        & (bounds[:, 3] <= 90)
    )
    for index in np.flatnonzero(~(valid & in_range)):
        reason = _reason(geometries[index], bool(missing[index]), bool(in_range[index]))
        if policy == "fix" and not missing[index] and in_range[index]:
            repaired = _repair(geometries[index], layer.geometry_type)
            if repaired is not None:
                repaired = _conform_type(np.array([repaired], dtype=object), layer.geometry_type)[0]
            if repaired is not None:
                geometries[index] = repaired
                report.fixed += 1
                continue
            reason += "; the repair does not give one valid " + layer.geometry_type
        if policy == "raise":
            raise IngestError(f"feature {index + 1}: {reason} (use --on-invalid skip or fix)")
        keep[index] = False
        report.skipped += 1
        if len(report.reasons) < 20:
            report.reasons.append(f"feature {index + 1}: {reason}")
    return geometries, keep, report


def _reason(geometry: shapely.Geometry | None, missing: bool, in_range: bool) -> str:
    if missing:
        return "missing, empty or of the wrong geometry type"
    if not in_range:
        return "coordinates outside longitude/latitude range"
    return f"invalid geometry ({shapely.is_valid_reason(geometry)})"


def _coerce(series: pd.Series, attribute: Attribute) -> pd.Series:
    kind = attribute.type
    values = series.astype(object).where(series.notna(), None)
    try:
        if kind is AttributeType.integer:
            return values.map(lambda v: None if v is None else int(str(v).strip()))
        if kind is AttributeType.number:
            return values.map(lambda v: None if v is None else float(str(v).strip()))
        if kind is AttributeType.boolean:
            truth = {"true": True, "1": True, "false": False, "0": False, "是": True, "否": False}
            return values.map(lambda v: None if v is None else truth[str(v).strip().lower()])
        if kind is AttributeType.date:
            return values.map(lambda v: None if v is None else pd.Timestamp(v).date())
        if kind is AttributeType.datetime:
            return values.map(lambda v: None if v is None else pd.Timestamp(v))
    except (ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"column '{attribute.name}': value not a valid {kind}") from exc
    return values.map(lambda v: None if v is None else str(v))


def _validate_text(series: pd.Series, attribute: Attribute) -> None:
    texts = series.dropna()
    if attribute.max_length is not None:
        too_long = texts[texts.str.len() > attribute.max_length]
        if len(too_long):
            raise IngestError(
                f"column '{attribute.name}': value longer than {attribute.max_length}"
            )
    if attribute.pattern is not None:
        bad = texts[~texts.str.fullmatch(attribute.pattern)]
        if len(bad):
            raise IngestError(
                f"column '{attribute.name}': value '{str(bad.iloc[0])[:32]}' does not match"
            )
    if attribute.enum is not None:
        bad = texts[~texts.isin(attribute.enum)]
        if len(bad):
            raise IngestError(f"column '{attribute.name}': '{str(bad.iloc[0])[:32]}' not allowed")
    if attribute.codelist is not None:
        bad = texts[~texts.isin(codes(attribute.codelist))]
        if len(bad):
            raise IngestError(
                f"column '{attribute.name}': '{str(bad.iloc[0])[:32]}' is not a "
                f"{attribute.codelist} class of the code list"
            )


def _truncated_names(columns: list[str], layer: LayerDefinition) -> dict[str, str]:
    """Map Shapefile-truncated (10-character) names to the one attribute they start."""
    found = {}
    for column in columns:
        if len(column) != 10:
            continue
        matches = [n for n in layer.attribute_names if n.lower().startswith(column)]
        if len(matches) == 1 and matches[0].lower() not in columns:
            found[matches[0].lower()] = column
    return found


def conform_attributes(frame: pd.DataFrame, layer: LayerDefinition) -> pd.DataFrame:
    """Columns renamed case-insensitively to attribute names, coerced and checked."""
    by_lower = {str(c).lower(): c for c in frame.columns if c != "geometry"}
    by_lower.update(_truncated_names(list(by_lower), layer))
    out = pd.DataFrame(index=frame.index)
    for attribute in layer.attributes:
        column = by_lower.get(attribute.name.lower())
        if column is None:
            if attribute.required:
                raise IngestError(f"required column '{attribute.name}' is missing")
            continue
        series = _coerce(frame[column], attribute)
        if attribute.required and series.isna().any():
            raise IngestError(f"column '{attribute.name}': required but empty in some rows")
        if attribute.type is AttributeType.string:
            _validate_text(series, attribute)
        out[attribute.name] = series
    return out
