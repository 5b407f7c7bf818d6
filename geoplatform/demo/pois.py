"""geoplatform.demo.pois: public-service points of interest named after their place.

Every street gets the services a Chinese street or town office has (schools, a
health centre, a police station, bus stops), every county its hospitals and
library, and most communities a service centre; names are built the way local
names are ('金沙中心小学', '东市社区服务中心', '石港镇卫生院'). Positions are
synthetic: a random point in a unit grid of the place the POI is named after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplatform.demo.registry import community_short_name, street_place_name
from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import sample_points

CATEGORIES = {
    "school": "学校",
    "hospital": "医院",
    "clinic": "社区卫生服务中心",
    "police": "派出所",
    "park": "公园",
    "toilet": "公共厕所",
    "community_centre": "社区服务中心",
    "library": "图书馆",
    "bus_station": "公交站",
}


@dataclass(frozen=True)
class PlannedPoi:
    """A POI before it has a position: it lands in a grid of ``place`` (a division code)."""

    name: str
    category: str
    place: str


def _stem(short_name: str) -> str:
    """'东市社区' -> '东市': the part bus stops and small parks are named after."""
    return short_name[:-2] if short_name.endswith("社区") and len(short_name) > 2 else short_name


def _community_pois(community: pd.Series, generator: np.random.Generator) -> Iterator[PlannedPoi]:
    short = community_short_name(str(community["name"]))
    code = str(community["code"])
    if "虚拟" in short:
        return
    if community["urban"]:
        centre = short + "服务中心" if short.endswith("社区") else short + "社区服务中心"
        yield PlannedPoi(centre, "community_centre", code)
        toilets = int(generator.choice(3, p=(0.35, 0.5, 0.15)))
        for number in range(1, toilets + 1):
            label = "公共厕所" if toilets == 1 else f"{number}号公厕"
            yield PlannedPoi(_stem(short) + label, "toilet", code)
    elif generator.random() < 0.7:
        yield PlannedPoi(short + "党群服务中心", "community_centre", code)


def _street_pois(
    street: pd.Series, members: pd.DataFrame, generator: np.random.Generator
) -> Iterator[PlannedPoi]:
    place, code, kind = street_place_name(str(street["name"])), str(street["code"]), street["kind"]
    serviced = kind in ("street", "town", "township") or len(members) >= 5
    if serviced:
        yield PlannedPoi(place + "中心小学", "school", code)
        yield PlannedPoi(place + "初级中学", "school", code)
        clinic = "社区卫生服务中心" if kind == "street" else "卫生院"
        yield PlannedPoi(place + clinic, "clinic", code)
    if kind in ("street", "town", "township"):
        yield PlannedPoi(place + "派出所", "police", code)
    if kind == "street" or (kind == "town" and generator.random() < 0.4):
        yield PlannedPoi(place + "公园", "park", code)
    if serviced and generator.random() < 0.3:
        yield PlannedPoi(place + "图书分馆", "library", code)
    urban = members[members["urban"] & ~members["name"].str.contains("虚拟")]
    if kind == "street":
        for _, community in urban.iloc[::5].iterrows():
            stem = _stem(community_short_name(str(community["name"])))
            yield PlannedPoi(stem + "小学", "school", str(community["code"]))
    real = members[~members["name"].str.contains("虚拟")]
    stops = min(len(real), int(generator.integers(2, 6)) if serviced else 1)
    for index in np.sort(generator.choice(len(real), size=stops, replace=False)):
        community = real.iloc[int(index)]
        stem = _stem(community_short_name(str(community["name"])))
        yield PlannedPoi(stem + "站", "bus_station", str(community["code"]))


def _county_pois(county_code: str, county_name: str) -> Iterator[PlannedPoi]:
    for suffix in ("人民医院", "中医院", "妇幼保健院"):
        yield PlannedPoi(county_name + suffix, "hospital", county_code)
    yield PlannedPoi(county_name + "图书馆", "library", county_code)


def plan_pois(
    county_names: dict[str, str], streets: gpd.GeoDataFrame, communities: gpd.GeoDataFrame
) -> list[PlannedPoi]:
    """Every POI of the city, county by county, street by street."""
    generator = rng("poi:plan")
    planned: list[PlannedPoi] = []
    for county_code, county_name in sorted(county_names.items()):
        planned += _county_pois(county_code, county_name)
    for _, street in streets.iterrows():
        members = communities[communities["street_code"] == street["code"]]
        planned += _street_pois(street, members, generator)
        for _, community in members.iterrows():
            planned += _community_pois(community, generator)
    return planned


def _grid_for(
    places: list[str], grids: gpd.GeoDataFrame, downtown: set[str], rng_: np.random.Generator
) -> np.ndarray:
    """A random grid inside each place; counties use the urban grids of their 街道."""
    pools: dict[str, np.ndarray] = {}
    for column in ("community_code", "street_code"):
        pools.update({str(k): v for k, v in grids.groupby(column).indices.items()})
    central = np.flatnonzero(grids["urban"] & grids["street_code"].isin(downtown))
    by_county = grids.iloc[central].groupby("county_code").indices
    pools.update({str(k): central[v] for k, v in by_county.items()})
    for code, rows in grids.groupby("county_code").indices.items():
        pools.setdefault(str(code), rows)
    return np.array([rng_.choice(pools[place]) for place in places])


def build_pois(
    county_names: dict[str, str],
    streets: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """The POI layer, each point strictly inside a unit grid of its named place."""
    planned = plan_pois(county_names, streets, communities)
    generator = rng("poi:place")
    downtown = set(streets.loc[streets["kind"] == "street", "code"])
    owner = _grid_for([p.place for p in planned], grids, downtown, generator)
    shapely.prepare(grids.geometry.values)
    lon, lat = sample_points(grids.geometry.values, owner, generator)
    frame = pd.DataFrame(
        {
            "name": [p.name for p in planned],
            "category": [p.category for p in planned],
            "category_name": [CATEGORIES[p.category] for p in planned],
            "county_code": grids["county_code"].to_numpy()[owner],
            "street_code": grids["street_code"].to_numpy()[owner],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=shapely.points(lon, lat), crs=grids.crs)
