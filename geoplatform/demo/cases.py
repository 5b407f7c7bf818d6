"""geoplatform.demo.cases: a year of 数字化城管 cases over the synthetic city.

About 35 % are component matters (a damaged, lost or dirty asset): the case sits
within 10 m of a real component of the layer and carries its id and class. The
rest are non-component matters (classes 06-10), weighted towards what inspectors
report most (exposed rubbish, small ads, clutter, parking, street vending) and
placed in unit grids, urban grids four times as often per square metre.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplatform.cases.public import public_positions
from geoplatform.codelists import matter_classes
from geoplatform.demo import lifecycle, timeline
from geoplatform.demo.registry import CITY_CODE
from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import lonlat_to_xy, sample_points, xy_to_lonlat

TOTAL = 60_000
COMPONENT_SHARE = 0.35
NEAR_COMPONENT_M = 10.0
URBAN_WEIGHT = 4.0

MATTER_WEIGHTS = {
    "06010": 12.0, "07001": 10.0, "06036": 10.0, "09009": 9.0, "09006": 9.0, "06012": 8.0,
    "09010": 8.0, "09005": 6.0, "06042": 5.0, "06011": 3.0, "06007": 3.0, "09001": 3.0,
    "09011": 3.0, "06041": 2.5, "08004": 2.0, "06001": 2.0, "06013": 2.0, "06014": 1.5,
    "06029": 1.5, "07003": 1.5, "07006": 1.2, "08006": 1.2, "08002": 1.0, "06035": 1.0,
    "06017": 1.0, "06019": 1.0, "06028": 0.8, "06040": 0.8, "09012": 0.8, "06034": 0.8,
}  # fmt: skip
"""Relative frequency of the common non-component matters; every other one weighs 0.15."""
OTHER_MATTER_WEIGHT = 0.15

SOURCES = {
    "component": {
        "监督员上报": 0.83, "12345热线": 0.06, "公众举报": 0.03,
        "视频监控": 0.03, "物联网感知": 0.05,
    },
    "matter": {"监督员上报": 0.86, "12345热线": 0.07, "公众举报": 0.03, "视频监控": 0.04},
}  # fmt: skip
"""Case sources by kind: sensors (manhole tilt, bin fill) only ever report on components."""


def _pick(generator: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    return generator.choice(np.array(list(options)), size=size, p=np.array(list(options.values())))


def _component_cases(
    components: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, size: int, generator: np.random.Generator
) -> pd.DataFrame:
    """Cases on components: damaged assets and busy streets are reported more often."""
    weight = np.where(components["urban"], 2.0, 1.0) * np.where(
        components["status"] == "完好", 1.0, 4.0
    )
    chosen = generator.choice(len(components), size=size, p=weight / weight.sum())
    picked = components.iloc[chosen].reset_index(drop=True)
    base_x, base_y = lonlat_to_xy(picked.geometry.x.to_numpy(), picked.geometry.y.to_numpy())
    lon, lat = picked.geometry.x.to_numpy().copy(), picked.geometry.y.to_numpy().copy()
    owner_geometries = grids.geometry.values[picked["grid_index"].to_numpy()]
    todo = np.arange(size)
    for _ in range(6):
        radius = NEAR_COMPONENT_M * np.sqrt(generator.random(len(todo)))
        angle = generator.uniform(0.0, 2.0 * np.pi, len(todo))
        x, y = xy_to_lonlat(
            base_x[todo] + radius * np.cos(angle), base_y[todo] + radius * np.sin(angle)
        )
        inside = shapely.contains_xy(owner_geometries[todo], x, y)
        lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
        todo = todo[~inside]
    return pd.DataFrame(
        {
            "kind": "component",
            "class_code": picked["class_code"],
            "component_id": picked["component_id"],
            "grid_index": picked["grid_index"],
            "lon": lon,
            "lat": lat,
        }
    )


def _matter_cases(
    grids: gpd.GeoDataFrame, size: int, generator: np.random.Generator
) -> pd.DataFrame:
    """Non-component matters at random places in unit grids, busier in towns."""
    codes = [c.code for c in matter_classes() if c.major_code >= "06"]
    weights = np.array([MATTER_WEIGHTS.get(code, OTHER_MATTER_WEIGHT) for code in codes])
    class_codes = generator.choice(np.array(codes), size=size, p=weights / weights.sum())
    area = grids["area_m2"].to_numpy() * np.where(grids["urban"], URBAN_WEIGHT, 1.0)
    owner = generator.choice(len(grids), size=size, p=area / area.sum())
    lon, lat = sample_points(grids.geometry.values, owner, generator)
    return pd.DataFrame(
        {
            "kind": "matter",
            "class_code": class_codes,
            "component_id": None,
            "grid_index": owner,
            "lon": lon,
            "lat": lat,
        }
    )


def build_cases(grids: gpd.GeoDataFrame, components: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """All cases, in report order, with ids ``320600-YYYYMMDD-NNNNNN`` numbered per local day."""
    generator = rng("city_case")
    shapely.prepare(grids.geometry.values)
    on_components = round(TOTAL * COMPONENT_SHARE)
    frame = pd.concat(
        [
            _component_cases(components, grids, on_components, generator),
            _matter_cases(grids, TOTAL - on_components, generator),
        ],
        ignore_index=True,
    )
    class_codes = frame["class_code"].to_numpy()
    frame["reported_at"] = timeline.reported_times(class_codes, generator).as_unit("us")
    frame["source"] = ""
    for kind, options in SOURCES.items():
        rows = frame["kind"] == kind
        frame.loc[rows, "source"] = _pick(generator, options, int(rows.sum()))
    outcome = lifecycle.outcomes(class_codes, pd.DatetimeIndex(frame["reported_at"]), generator)
    frame["status"] = outcome.status
    frame["closed_at"] = outcome.closed_at
    frame["on_time"] = outcome.on_time
    frame = frame.sort_values(["reported_at", "lon"], kind="stable").reset_index(drop=True)
    return _attributes(frame, grids)


def _attributes(frame: pd.DataFrame, grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    grid = grids.iloc[frame["grid_index"].to_numpy()].reset_index(drop=True)
    matters = {c.code: c for c in matter_classes()}
    day = frame["reported_at"].dt.tz_convert(timeline.ZONE).dt.strftime("%Y%m%d")
    sequence = frame.groupby(day).cumcount() + 1
    columns = pd.DataFrame(
        {
            "case_id": CITY_CODE + "-" + day + "-" + sequence.map("{:06d}".format),
            "matter_code": grid["county_code"] + frame["class_code"],
            "class_code": frame["class_code"],
            "class_name": frame["class_code"].map(lambda code: matters[code].name),
            "major_name": frame["class_code"].map(lambda code: matters[code].major_name),
            "kind": frame["kind"],
            "source": frame["source"],
            "status": frame["status"],
            "reported_at": frame["reported_at"],
            "closed_at": frame["closed_at"],
            "on_time": frame["on_time"],
            "component_id": frame["component_id"],
            "unit_code": grid["code"],
            "street_code": grid["street_code"],
            "community_code": grid["community_code"],
            "county_code": grid["county_code"],
        }
    )
    lon, lat = public_positions(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return gpd.GeoDataFrame(columns, geometry=shapely.points(lon, lat), crs=grids.crs)
