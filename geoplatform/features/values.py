"""geoplatform.features.values: property values from a client, checked against the layer.

JSON types are taken as they are (a string is never read as a number, a number
never as a boolean), dates and instants follow RFC 3339 exactly (reliability R1:
``fromisoformat`` alone also accepts week dates and compact forms).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from geoplatform.catalog import Attribute, AttributeType, LayerDefinition
from geoplatform.codelists import codes
from geoplatform.errors import SchemaViolation

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def check_value(attribute: Attribute, value: Any) -> Any:
    """The value to store, or SchemaViolation naming the property."""
    if value is None:
        return None
    name, kind = attribute.name, attribute.type
    if kind is AttributeType.string:
        if not isinstance(value, str):
            raise SchemaViolation(f"{name}: a string")
        if attribute.max_length is not None and len(value) > attribute.max_length:
            raise SchemaViolation(f"{name}: at most {attribute.max_length} characters")
        if attribute.pattern is not None and re.fullmatch(attribute.pattern, value) is None:
            raise SchemaViolation(f"{name}: does not match {attribute.pattern}")
        if attribute.enum is not None and value not in attribute.enum:
            raise SchemaViolation(f"{name}: one of {', '.join(attribute.enum)}")
        if attribute.codelist is not None and value not in codes(attribute.codelist):
            raise SchemaViolation(f"{name}: not a {attribute.codelist} class of the code list")
        return value
    if kind is AttributeType.boolean:
        if type(value) is not bool:
            raise SchemaViolation(f"{name}: true or false")
        return value
    if kind is AttributeType.integer:
        if type(value) is not int or abs(value) > 2**63 - 1:
            raise SchemaViolation(f"{name}: an integer")
        return value
    if kind is AttributeType.number:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise SchemaViolation(f"{name}: a finite number")
        return float(value)
    if not isinstance(value, str):
        raise SchemaViolation(f"{name}: an RFC 3339 {kind.value} string")
    try:
        if kind is AttributeType.date and _DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
        if kind is AttributeType.datetime and _INSTANT.fullmatch(value):
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    raise SchemaViolation(f"{name}: an RFC 3339 {kind.value} string")


def check_properties(layer: LayerDefinition, properties: Any) -> dict[str, Any]:
    """Every given property checked; unknown names refused."""
    if not isinstance(properties, dict):
        raise SchemaViolation("properties must be a JSON object")
    unknown = sorted(set(properties) - set(layer.attribute_names))
    if unknown:
        raise SchemaViolation(f"unknown properties: {', '.join(u[:32] for u in unknown[:5])}")
    return {name: check_value(layer.attribute(name), v) for name, v in properties.items()}
