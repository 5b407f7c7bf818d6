"""geoplatform.webmap.headers: the security headers of the map page.

The policy allows only this server: MapLibre fetches tiles and metadata from it
(``connect-src``), starts its worker from a ``blob:`` URL (``worker-src``,
``child-src`` for older browsers), decodes raster tiles into ``blob:`` images and
draws its controls' icons from ``data:`` SVGs (``img-src``). No inline script
runs: the page's configuration is a JSON data block the script reads.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src blob:",
        "child-src blob:",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
    "Vary": "Accept-Language",
}
