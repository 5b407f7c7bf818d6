"""geoplatform.cases.medialinks: a link to a photo hosted elsewhere, kept as a link.

Open311 apps send ``media_url``: where the citizen's app put the photo. The
server keeps the link with the report and shows it to whoever may read the case;
it never fetches it (a server that fetches URLs its callers choose can be made
to reach the city's intranet). Only absolute http(s) URLs of at most 2 048
printable ASCII characters, with a host and without credentials, are kept.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_LENGTH = 2048
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def check_media_url(value: str) -> str:
    """``value`` when it is a link the case may keep; ValueError saying why otherwise."""
    if len(value) > MAX_LENGTH or not _PRINTABLE.fullmatch(value):
        raise ValueError(f"an http(s) URL of at most {MAX_LENGTH} printable ASCII characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an absolute http or https URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a URL without credentials")
    return value
