"""geoplatform.demo.divisions: counties (real outlines), streets and communities (synthetic).

Streets partition their county, communities partition their street; urban units
(街道, 社区) get the seeds nearest the county seat or the street centre, so the
dense small cells end up downtown. 南通经济技术开发区 (320671) has no outline of
its own: its streets are carved out of 崇川区 (320613), south-east of the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geoplatform.demo.outlines import county_outline
from geoplatform.demo.partition import MAX_EDGE_M, SeedGroup, scatter_seeds, voronoi_pieces
from geoplatform.demo.registry import (
    CITY_CODE,
    Division,
    DivisionTable,
    is_urban,
    load_divisions,
    street_kind,
)
from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import (
    as_multipolygon,
    geodesic_area_km2,
    lonlat_to_xy,
    to_lonlat,
    to_metric,
)

CRS = "EPSG:4490"
HOST_COUNTY = {"320671": "320613"}
"""Counties without an outline, and the county whose outline holds their streets."""

CORES = {
    "320612": (121.073, 32.066),
    "320613": (120.865, 32.005),
    "320614": (121.176, 31.892),
    "320623": (121.186, 32.320),
    "320671": (120.980, 31.945),
    "320681": (121.657, 31.810),
    "320682": (120.566, 32.391),
    "320685": (120.466, 32.534),
}
"""Approximate lon/lat of each county seat; only biases where synthetic streets crowd."""

_KIND_ORDER = {"street": 0, "town": 1, "township": 2, "other": 3}


@dataclass(frozen=True)
class Divisions:
    """The three division layers, lon/lat, plus the metric seed of each synthetic cell."""

    counties: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame


def _core(code: str, region_lonlat: shapely.Geometry) -> tuple[float, float]:
    lon, lat = CORES.get(code, (np.nan, np.nan))
    if np.isnan(lon) or not region_lonlat.contains(shapely.Point(lon, lat)):
        point = region_lonlat.representative_point()
        lon, lat = point.x, point.y
    x, y = lonlat_to_xy(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def _by_priority(streets: list[Division]) -> list[Division]:
    return sorted(streets, key=lambda s: (_KIND_ORDER[street_kind(s.name)], s.code))


def _guest_zone(
    guest: str, share: float, outline: shapely.Geometry, rng_: np.random.Generator
) -> shapely.Geometry:
    """A wobbly disc around the guest county's seat holding ``share`` of the outline's area."""
    metric = to_metric(outline)
    x, y = _core(guest, outline)
    radius = np.sqrt(metric.area * share / np.pi)
    theta = np.linspace(0.0, 2.0 * np.pi, 73)[:-1]
    phase = rng_.uniform(0.0, 2.0 * np.pi, 2)
    wobble = 1.0 + 0.15 * np.sin(3 * theta + phase[0]) + 0.08 * np.sin(5 * theta + phase[1])
    blob = shapely.Polygon(
        np.column_stack((x + radius * wobble * np.cos(theta), y + radius * wobble * np.sin(theta)))
    )
    return outline.intersection(to_lonlat(shapely.segmentize(blob, MAX_EDGE_M)))


def _zone_streets(
    streets: list[Division], code: str, zone: shapely.Geometry, label: str
) -> list[dict[str, object]]:
    """Partition one zone (lon/lat) among ``streets``, 街道 nearest the seat of ``code``."""
    metric = to_metric(zone)
    urban = sum(street_kind(s.name) == "street" for s in streets) / len(streets)
    spread = float(np.sqrt(metric.area) * (0.08 + 0.22 * urban))
    group = SeedGroup(len(streets), _core(code, zone), spread, 0.35 + 0.4 * urban)
    seeds = scatter_seeds(metric, group, rng(label))
    pieces = voronoi_pieces(seeds, metric, zone)
    return [
        {
            "code": street.code,
            "name": street.name,
            "county_code": street.parent_code,
            "kind": street_kind(street.name),
            "geometry": piece,
            "seed_x": seed[0],
            "seed_y": seed[1],
        }
        for street, seed, piece in zip(streets, seeds, pieces, strict=True)
    ]


def _county_streets(
    table: DivisionTable, county: Division, outline: shapely.Geometry
) -> list[dict[str, object]]:
    """Partition one outline among its county's streets and any guest county's streets."""
    own = _by_priority(table.children(county.code))
    guests = {
        g: _by_priority(table.children(g)) for g, h in HOST_COUNTY.items() if h == county.code
    }
    total = len(own) + sum(len(s) for s in guests.values())
    rows: list[dict[str, object]] = []
    remainder = outline
    for guest, streets in guests.items():
        zone = _guest_zone(guest, len(streets) / total, outline, rng(f"zone:{guest}"))
        rows += _zone_streets(streets, guest, as_multipolygon(zone), f"streets:{guest}")
        remainder = remainder.difference(zone)
    rows += _zone_streets(own, county.code, as_multipolygon(remainder), f"streets:{county.code}")
    return rows


def _street_communities(table: DivisionTable, street: dict[str, object]) -> list[dict[str, object]]:
    """Partition one street among its communities, residents' committees nearest its centre."""
    outline = street["geometry"]
    metric = to_metric(outline)
    members = table.children(str(street["code"]))
    members.sort(key=lambda c: (not is_urban(c.name), c.code))
    share = sum(is_urban(c.name) for c in members) / len(members)
    spread = float(np.sqrt(metric.area) * (0.08 + 0.3 * share))
    group = SeedGroup(len(members), (street["seed_x"], street["seed_y"]), spread, 0.3 + 0.5 * share)
    seeds = scatter_seeds(metric, group, rng(f"communities:{street['code']}"))
    pieces = voronoi_pieces(seeds, metric, outline)
    return [
        {
            "code": c.code,
            "name": c.name,
            "street_code": street["code"],
            "county_code": street["county_code"],
            "urban": is_urban(c.name),
            "geometry": piece,
            "seed_x": seed[0],
            "seed_y": seed[1],
            "street_name": street["name"],
        }
        for c, seed, piece in zip(members, seeds, pieces, strict=True)
    ]


def build_divisions() -> Divisions:
    """All three division layers; the result is the same on every run."""
    table = load_divisions()
    county_rows: list[dict[str, object]] = []
    street_rows: list[dict[str, object]] = []
    for county in table.counties:
        outline = county_outline(county.code)
        if outline is None:
            continue
        county_rows.append(
            {
                "code": county.code,
                "name": county.name,
                "city_code": CITY_CODE,
                "area_km2": round(geodesic_area_km2(outline), 2),
                "geometry": outline,
            }
        )
        street_rows.extend(_county_streets(table, county, outline))
    street_rows.sort(key=lambda row: str(row["code"]))
    community_rows = [c for s in street_rows for c in _street_communities(table, s)]
    return Divisions(
        gpd.GeoDataFrame(county_rows, geometry="geometry", crs=CRS),
        gpd.GeoDataFrame(street_rows, geometry="geometry", crs=CRS),
        gpd.GeoDataFrame(community_rows, geometry="geometry", crs=CRS),
    )
