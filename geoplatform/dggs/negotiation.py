"""geoplatform.dggs.negotiation: pick a response encoding from ``f`` or the Accept header.

``f`` wins when given (and must name an offered encoding); otherwise the Accept
header is read with its q-values, and a header that accepts nothing offered is
answered 406 rather than with an encoding the client did not ask for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from geoplatform.dggs.vocabulary import GEOJSON, HTML, JSON, UINT64
from geoplatform.errors import GeoPlatformError, InvalidParameter

_Q_VALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")


class NotAcceptable(GeoPlatformError):
    """The Accept header names no encoding this resource offers."""

    status_code = 406
    code = "NotAcceptable"


@dataclass(frozen=True)
class Encoding:
    """One offered encoding: its ``f`` name and its media type."""

    name: str
    media_type: str


JSON_ENCODING = Encoding("json", JSON)
GEOJSON_ENCODING = Encoding("geojson", GEOJSON)
HTML_ENCODING = Encoding("html", HTML)
UINT64_ENCODING = Encoding("uint64", UINT64)


def negotiate(f: str | None, accept: str | None, offered: Sequence[Encoding]) -> Encoding:
    """The encoding to answer with; the first offered one is the default."""
    if f is not None:
        for encoding in offered:
            if encoding.name == f:
                return encoding
        names = ", ".join(e.name for e in offered)
        raise InvalidParameter(f"f: expected one of {names}", parameter="f")
    if not accept or not accept.strip():
        return offered[0]
    for media_type in _preferences(accept):
        chosen = _match(media_type, offered)
        if chosen is not None:
            return chosen
    raise NotAcceptable(
        "none of the accepted media types is offered: " + ", ".join(e.media_type for e in offered)
    )


def _preferences(accept: str) -> list[str]:
    """Media ranges with q > 0, most preferred first (stable for equal q)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                quality = float(value) if _Q_VALUE.fullmatch(value) else 0.0
        if media_type and quality > 0.0:
            ranked.append((-quality, position, media_type.lower()))
    return [media_type for _, _, media_type in sorted(ranked)]


def _match(media_type: str, offered: Sequence[Encoding]) -> Encoding | None:
    if media_type == "*/*":
        return offered[0]
    if media_type.endswith("/*"):
        major = media_type[:-1]
        return next((e for e in offered if e.media_type.startswith(major)), None)
    return next((e for e in offered if e.media_type == media_type), None)
