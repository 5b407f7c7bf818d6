"""geoplatform.rasters.axes: the CRSs coverages are offered in, and the names of their axes.

The list is the platform's (geoplatform.crs: CRS84, EPSG:4326, 4490, 3857 and
the Gauss-Kruger zones 4549-4551). ``bbox`` follows each CRS's EPSG axis order,
as for features; ``subset`` and ``scale-size`` name axes by the abbreviations
of the CRS definition (``Lat``/``Lon``; ``X``/``Y``, where ``X`` is the
northing of a Gauss-Kruger zone and the easting of Web Mercator), compared
without case, or by ``E``/``N``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pyproj import CRS as ProjCRS
from rasterio.crs import CRS

from geoplatform import crs as platform_crs
from geoplatform.errors import InvalidParameter


@dataclass(frozen=True)
class Axis:
    """One axis of a CRS, in the order its definition lists them."""

    label: str
    east: bool
    """True for the easting / longitude axis."""
    unit: str

    def matches(self, name: str) -> bool:
        """Whether ``name`` designates this axis in a ``subset`` or ``scale-size``."""
        lowered = name.lower()
        return lowered == self.label.lower() or lowered == ("e" if self.east else "n")


@dataclass(frozen=True)
class OfferedCRS:
    """A CRS coverages may be asked in: its URI, rasterio CRS and axes (EPSG order)."""

    uri: str
    crs: CRS
    axes: tuple[Axis, Axis]

    @property
    def north_first(self) -> bool:
        return not self.axes[0].east

    def xy(self, values: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box given in this CRS's axis order, as (x east, y north) corners."""
        if self.north_first:
            return values[1], values[0], values[3], values[2]
        return values


@cache
def _offered(code: int | None) -> OfferedCRS:
    uri = platform_crs.CRS84 if code is None else platform_crs.epsg_uri(code)
    definition = ProjCRS.from_user_input("OGC:CRS84" if code is None else f"EPSG:{code}")
    axes = tuple(
        Axis(info.abbrev, info.direction.lower() == "east", info.unit_name)
        for info in definition.axis_info[:2]
    )
    found = CRS.from_user_input("OGC:CRS84") if code is None else CRS.from_epsg(code)
    return OfferedCRS(uri, found, axes)  # type: ignore[arg-type]


def offered(text: str, parameter: str) -> OfferedCRS:
    """The offered CRS named by a URI or CURIE, or a 400 naming ``parameter``."""
    try:
        code = platform_crs.parse_crs(text)
    except InvalidParameter:
        raise InvalidParameter(f"{parameter}: unknown CRS", parameter=parameter) from None
    if code is not None and code not in platform_crs.PUBLISHED_EPSG:
        raise InvalidParameter(f"{parameter}: CRS not offered for coverages", parameter=parameter)
    return _offered(code)


def all_offered() -> list[str]:
    """URIs of every offered CRS, CRS84 first."""
    return platform_crs.published_crs_uris()


def native(epsg: int) -> OfferedCRS:
    """The offered CRS of a stored raster (EPSG:4490 for the demo)."""
    return _offered(epsg)
