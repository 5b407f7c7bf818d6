"""geoplatform.webmap.language: which language (zh or en) a page is written in.

Follows the rest of the server (pygeoapi's rule): the ``lang`` query parameter
wins, then the ``Accept-Language`` header by quality, then the server's first
configured language, Chinese.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]


def _primary(tag: str) -> str | None:
    """The supported language a tag such as ``zh-CN`` or ``en_US`` names, if any."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def _by_quality(header: str) -> list[str]:
    """The header's language tags, best first (a bad or zero quality drops a tag)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and 0.0 < quality <= 1.0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(lang: str | None, accept_language: str | None) -> str:
    """The page language for a ``lang`` parameter and an ``Accept-Language`` header."""
    if lang:
        found = _primary(lang)
        if found:
            return found
    for tag in _by_quality(accept_language or ""):
        found = _primary(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE
