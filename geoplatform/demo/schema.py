"""geoplatform.demo.schema: shape a generated frame into exactly what a layer declares.

Generators keep helper columns (seeds, lattice indices, grid positions) for later
steps; the store must get only the catalog's attributes, in its order and types,
so a YAML change that the demo does not follow fails here, loudly, not in a client.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import geopandas as gpd
import pandas as pd

from geoplatform.catalog import AttributeType, LayerDefinition

STORAGE_CRS = "EPSG:4490"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _cast(values: pd.Series, kind: AttributeType) -> pd.Series:
    if kind is AttributeType.datetime:
        return pd.to_datetime(values, utc=True)
    if kind is AttributeType.integer:
        return values.astype("int64")
    if kind is AttributeType.number:
        return values.astype("float64")
    if kind is AttributeType.string and pd.api.types.is_string_dtype(values):
        return values.astype(object).where(values.notna(), None)
    convert: dict[AttributeType, Any] = {
        AttributeType.string: str,
        AttributeType.boolean: bool,
        AttributeType.date: lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v),
    }
    function = convert[kind]
    return pd.Series(
        [None if _missing(v) else function(v) for v in values], index=values.index, dtype=object
    )


def conform(frame: gpd.GeoDataFrame, layer: LayerDefinition) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The layer's columns only, typed; returns the optional attributes filled with nulls."""
    filled = [a.name for a in layer.attributes if a.name not in frame and not a.required]
    absent = [a.name for a in layer.attributes if a.name not in frame and a.required]
    if absent:
        raise ValueError(f"{layer.id}: the demo does not generate {', '.join(absent)}")
    columns = {}
    for attribute in layer.attributes:
        if attribute.name in filled:
            columns[attribute.name] = pd.Series([None] * len(frame), dtype=object)
            continue
        values = _cast(frame[attribute.name].reset_index(drop=True), attribute.type)
        if attribute.required and values.isna().any():
            raise ValueError(f"{layer.id}: required attribute {attribute.name} has nulls")
        columns[attribute.name] = values
    kinds = set(frame.geom_type.unique())
    if kinds != {layer.geometry_type}:
        raise ValueError(f"{layer.id}: geometries are {sorted(kinds)}, not {layer.geometry_type}")
    shaped = gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=STORAGE_CRS)
    return shaped, filled
