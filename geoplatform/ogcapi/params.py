"""geoplatform.ogcapi.params: strict grammars for OGC API query values.

Python's ``float()``/``int()``/``fromisoformat`` accept far more than the standards
allow (``nan``, ``1_000``, ``２``, week dates), so every value is matched against
an explicit ASCII grammar before it reaches pygeoapi, PROJ, GEOS or SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from geoplatform.catalog import AttributeType
from geoplatform.errors import InvalidParameter
from geoplatform.store.base import TimeInterval

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_BBOX = re.compile(rf"^{_NUMBER}(?:,{_NUMBER}){{3}}(?:,{_NUMBER},{_NUMBER})?$")
_UINT = re.compile(r"^[0-9]{1,9}$")
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
_ZONE = r"(?:Z|z|[+-][0-9]{2}:[0-9]{2})"
_INSTANT = re.compile(rf"^{_DATE}(?:[Tt]{_TIME}{_ZONE})?$")


def parse_uint(text: str, name: str, *, minimum: int = 0) -> int:
    """Parse a non-negative decimal integer of at most 9 ASCII digits."""
    if not _UINT.fullmatch(text) or int(text) < minimum:
        raise InvalidParameter(f"{name}: expected an integer >= {minimum}", parameter=name)
    return int(text)


def parse_after(text: str) -> int:
    """The keyset position of a ``next`` link: a feature number of up to 18 digits.

    Feature numbers go beyond ``parse_uint``'s 9 digits: a hexagon's number is
    its 64-bit H3 cell.
    """
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise InvalidParameter("after: expected a feature number", parameter="after")
    return int(text)


def parse_bbox(text: str) -> list[float]:
    """Parse ``minx,miny,maxx,maxy`` (or 6 numbers) with no exponent, NaN or inf."""
    if not _BBOX.fullmatch(text):
        raise InvalidParameter(
            "bbox: expected 4 or 6 comma-separated decimal numbers", parameter="bbox"
        )
    values = [float(v) for v in text.split(",")]
    half = len(values) // 2
    if any(values[i] > values[i + half] for i in range(1, half)):
        raise InvalidParameter("bbox: lower corner above upper corner", parameter="bbox")
    return values


def _instant(text: str) -> dt.datetime:
    if not _INSTANT.fullmatch(text):
        raise InvalidParameter(
            "datetime: expected RFC 3339 instants (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)",
            parameter="datetime",
        )
    try:
        if len(text) == 10:
            return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.UTC)
        stamp = text[:19]
        base = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise InvalidParameter("datetime: not a calendar date", parameter="datetime") from None
    rest = text[19:]
    fraction = re.match(r"^\.([0-9]+)", rest)
    if fraction:
        base = base.replace(microsecond=int(fraction.group(1)[:6].ljust(6, "0")))
        rest = rest[fraction.end() :]
    if rest in ("Z", "z"):
        return base.replace(tzinfo=dt.UTC)
    sign = 1 if rest[0] == "+" else -1
    hours, minutes = int(rest[1:3]), int(rest[4:6])
    if hours > 23 or minutes > 59:
        raise InvalidParameter("datetime: bad UTC offset", parameter="datetime")
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return base.replace(tzinfo=dt.timezone(offset)).astimezone(dt.UTC)


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_datetime(text: str) -> TimeInterval:
    """Parse an instant or an interval (``start/end``, ``..`` or empty for open ends).

    A date-only end covers its whole day. Returns UTC text bounds comparable with
    the stored ``YYYY-MM-DDThh:mm:ss.sssZ`` values.
    """
    parts = text.split("/")
    if len(parts) == 1:
        start = _instant(parts[0])
        end = start + dt.timedelta(days=1, milliseconds=-1) if len(parts[0]) == 10 else start
        return TimeInterval(_utc_text(start), _utc_text(end))
    if len(parts) != 2 or parts == ["..", ".."] or parts == ["", ""]:
        raise InvalidParameter(
            "datetime: expected an instant or one interval", parameter="datetime"
        )
    low = None if parts[0] in ("", "..") else _instant(parts[0])
    high = None if parts[1] in ("", "..") else _instant(parts[1])
    if high is not None and len(parts[1]) == 10:
        high = high + dt.timedelta(days=1, milliseconds=-1)
    if low is not None and high is not None and low > high:
        raise InvalidParameter("datetime: interval start after its end", parameter="datetime")
    return TimeInterval(
        None if low is None else _utc_text(low), None if high is None else _utc_text(high)
    )


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting of a filter text, counted without recursion."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
_DECIMAL = re.compile(rf"^{_NUMBER}$")


def parse_property_value(text: str, kind: AttributeType, name: str) -> Any:
    """A ``?property=value`` filter value in its attribute's type, by strict grammar."""
    if kind is AttributeType.integer:
        if not _INTEGER.fullmatch(text):
            raise InvalidParameter(f"{name}: expected an integer", parameter=name)
        return int(text)
    if kind is AttributeType.number:
        if not _DECIMAL.fullmatch(text):
            raise InvalidParameter(f"{name}: expected a decimal number", parameter=name)
        return float(text)
    if kind is AttributeType.boolean:
        if text not in ("true", "false"):
            raise InvalidParameter(f"{name}: expected true or false", parameter=name)
        return text == "true"
    if kind is AttributeType.date:
        if not re.fullmatch(_DATE, text):
            raise InvalidParameter(f"{name}: expected YYYY-MM-DD", parameter=name)
        _instant(text)
        return text
    if kind is AttributeType.datetime:
        return _utc_text(_instant(text))
    return text


def parse_feature_id(text: str) -> int | None:
    """The store number a feature id names: decimal digits, or an H3 cell id (hexagons).

    None when it names nothing a store could hold; callers answer 404.
    """
    from geoplatform.hexgrid import InvalidCell, parse_cell

    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    try:
        return parse_cell(text)
    except InvalidCell:
        return None
