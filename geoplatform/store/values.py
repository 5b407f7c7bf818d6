"""geoplatform.store.values: one textual form for attribute values in every backend.

Datetimes are UTC with milliseconds and a ``Z`` (``2026-03-01T08:00:00.000Z``),
dates are ``YYYY-MM-DD``: GeoPackage stores exactly that text, and PostGIS results
are converted back to it, so both backends answer with identical properties.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from geoplatform.catalog import AttributeType


def utc_text(value: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.sssZ`` of an aware (or UTC-naive) datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def storage_value(value: Any, kind: AttributeType) -> Any:
    """Normalise one input value for writing (NaN and NaT become NULL)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if kind is AttributeType.datetime:
        if isinstance(value, dt.datetime):  # the common case, without pandas' parser
            return utc_text(value)
        return utc_text(pd.Timestamp(value).to_pydatetime())
    if kind is AttributeType.date:
        return pd.Timestamp(value).date().isoformat()
    if kind is AttributeType.boolean:
        return bool(value)
    if kind is AttributeType.integer:
        return int(value)
    if kind is AttributeType.number:
        return float(value)
    return str(value)


def output_value(value: Any, kind: AttributeType) -> Any:
    """Normalise one value read from a backend into the shared textual form."""
    if value is None:
        return None
    if kind is AttributeType.datetime and isinstance(value, dt.datetime):
        return utc_text(value)
    if kind is AttributeType.date and isinstance(value, dt.date):
        return value.isoformat()
    if kind is AttributeType.boolean:
        return bool(value)
    return value
