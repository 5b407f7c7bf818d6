"""geoplatform.webmap.links: the landing page's links to the web map, one per language."""

from __future__ import annotations

from geoplatform.webmap.language import LANGUAGES

_TITLES = {"zh": "地图", "en": "Web map"}


def webmap_links(base_url: str) -> list[dict[str, str]]:
    """Entries for the JSON landing page's ``links`` (the HTML pages link it in their bar)."""
    root = base_url.rstrip("/")
    return [
        {
            "rel": "related",
            "type": "text/html",
            "hreflang": lang,
            "title": _TITLES[lang],
            "href": f"{root}/map?lang={lang}",
        }
        for lang in LANGUAGES
    ]
