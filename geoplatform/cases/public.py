"""geoplatform.cases.public: where a case is shown to the public.

The public case layer never carries a reporter's exact position: a case is
drawn at the centre of the H3 resolution-11 cell (about 25 m a side) holding the
reported position, whether it came through the API or with the demo city. The
exact position stays in the private case row (``raw_input``), for staff.
"""

from __future__ import annotations

import numpy as np

from geoplatform.hexgrid import cell_at, cells_at, center, parent, parents

PUBLIC_RESOLUTION = 11
"""Cells of about 25 m: enough to find the place, not enough to find the reporter's door."""


def public_position(lon: float, lat: float) -> tuple[float, float]:
    """The shown position of one report."""
    return center(parent(cell_at(lon, lat, 12), PUBLIC_RESOLUTION))


def public_positions(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shown positions of many reports (the demo's cases)."""
    fine = cells_at(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), 12)
    cells = parents(fine, PUBLIC_RESOLUTION)  # as public_position: the res-12 cell's parent
    centres = np.asarray([center(int(cell)) for cell in cells], dtype=float).reshape(-1, 2)
    return centres[:, 0], centres[:, 1]
