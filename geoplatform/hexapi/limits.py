"""geoplatform.hexapi.limits: the caps of the ``/hex`` routes, in one place.

The routes enforce these numbers and the OpenAPI document states them, so a
client reads the same limits the server applies (reliability R7 and R15).
"""

from __future__ import annotations

from geoplatform.hexgrid import MAX_K

MIN_RESOLUTION = 7
"""Coarsest cell a question may name: district dashboards (about 5 km²)."""
MAX_RESOLUTION = 12
"""Finest cell: the canonical point index of cases and components (about 300 m²)."""
DEFAULT_LOOKUP_RESOLUTION = 12

MAX_RINGS = MAX_K
"""``k`` of ``/hex/{cell}``: at most 7 651 cells in the disk."""

DEFAULT_FEATURE_LIMIT = 100
MAX_FEATURE_LIMIT = 1000
"""Features listed per layer with ``features=true``; more are flagged ``truncated``."""
MAX_FEATURE_PAGES = 10
"""Store pages read per layer to fill the list of a disk before it is cut short."""

MAX_PLACES = 1000
"""Places listed per role (unit grids of a wide disk); more are flagged ``truncated``."""

MAX_LOOKUP_POINTS = 10_000
MAX_LOOKUP_BODY = 2 * 1024 * 1024
"""Bytes of a lookup body: 10 000 points at full double precision, pretty-printed,
fit in about 0.9 MiB; the general 1 MiB JSON cap would refuse some of them."""
