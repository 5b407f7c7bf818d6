"""geoplatform.demo.components: 管理部件 points with real GB/T 47678.5-2026 class codes.

Class shares follow a typical census (manhole covers ~40 %, streetlights ~18 %,
street trees ~10 %, litter bins ~8 %, hydrants ~3 %, then a long tail); urban
grids hold about three times as many components per square metre as villages.
Each community was surveyed on one census date, with later additions.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplatform.codelists import ClassCode, component_classes
from geoplatform.demo.departments import BY_MAJOR_CLASS
from geoplatform.demo.seeding import rng
from geoplatform.demo.spatial import sample_points

TOTAL = 120_000
URBAN_DENSITY = 3.0

HEAD_WEIGHTS = {
    # manhole covers and grates, 40 % together
    "01001": 5.0, "01002": 7.0, "01003": 7.0, "01004": 6.0, "01005": 3.5, "01006": 1.5,
    "01007": 4.0, "01008": 0.8, "01009": 0.7, "01010": 0.1, "01011": 2.0, "01012": 0.4,
    "01017": 0.8, "01018": 0.6, "01019": 0.1, "01020": 0.1, "01021": 0.1, "01022": 0.1,
    "01023": 0.2,
    # lighting, trees, bins, hydrants and the everyday street furniture
    "01037": 18.0, "04002": 10.0, "03005": 8.0, "01013": 3.0, "02017": 2.0, "02012": 1.5,
    "01077": 1.5, "04007": 1.5, "02004": 1.2, "02014": 1.0, "03001": 0.4,
}  # fmt: skip
"""Percent of all components for the classes named in a typical census summary."""

COMMON_TAIL = frozenset(
    "01014 01015 01026 01027 01028 01030 01031 01038 01039 01046 01048 01049 01050 01054 "
    "01059 01060 01065 01075 02003 02010 02018 02020 02021 02025 02027 02038 02043 03006 "
    "03007 03008 03014 03016 04003 04004 04005 04008 04011".split()
)
"""Tail classes found in every district; the rest (bridges, towers, monuments...) are rare."""

STATUS = {"完好": 0.90, "破损": 0.06, "丢失": 0.015, "废弃": 0.025}
DATA_SOURCE = {"实测": 0.92, "地形图": 0.03, "基础地理数据": 0.04, "其他": 0.01}
CENSUS_FROM = np.datetime64("2019-03-01")
CENSUS_DAYS = 640
LAST_DAY = np.datetime64("2023-12-31")
CHANGED_UNTIL = np.datetime64("2025-11-30")


def class_weights(generator: np.random.Generator) -> tuple[list[ClassCode], np.ndarray]:
    """Every component class and its probability (head fixed, tail jittered by seed)."""
    classes = list(component_classes())
    head = np.array([HEAD_WEIGHTS.get(c.code, 0.0) for c in classes])
    tail = np.array(
        [
            0.0 if c.code in HEAD_WEIGHTS else (1.0 if c.code in COMMON_TAIL else 0.1)
            for c in classes
        ]
    )
    tail *= generator.lognormal(0.0, 0.4, len(classes))
    tail *= (100.0 - head.sum()) / tail.sum()
    weights = head + tail
    return classes, weights / weights.sum()


def _choice(generator: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    return generator.choice(np.array(list(options)), size=size, p=np.array(list(options.values())))


def _dates(
    generator: np.random.Generator, grid_owner: np.ndarray, status: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Census date per community (85 %) or a later addition; change dates mostly empty."""
    communities, inverse = np.unique(grid_owner, return_inverse=True)
    census = CENSUS_FROM + generator.integers(0, CENSUS_DAYS, len(communities))
    initial = census[inverse]
    added = generator.random(len(status)) < 0.15
    spare = (LAST_DAY - initial[added]).astype(int)
    initial[added] += (generator.random(added.sum()) * spare).astype(int)
    p_changed = np.where(status == "完好", 0.13, 0.9)
    changed = generator.random(len(status)) < p_changed
    window = (CHANGED_UNTIL - initial - 30).astype(int)
    offset = (generator.random(len(status)) * window).astype(int) + 30
    changed_date = np.where(changed, (initial + offset).astype(object), None)
    return initial.astype(object), changed_date


def build_components(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """All components, in id order, each strictly inside the unit grid it names."""
    generator = rng("component")
    weight = grids["area_m2"].to_numpy() * np.where(grids["urban"], URBAN_DENSITY, 1.0)
    per_grid = generator.multinomial(TOTAL, weight / weight.sum())
    owner = np.repeat(np.arange(len(grids)), per_grid)
    classes, p = class_weights(generator)
    picked = generator.choice(len(classes), size=len(owner), p=p)
    geometries = grids.geometry.values
    shapely.prepare(geometries)
    lon, lat = sample_points(geometries, owner, generator)
    status = _choice(generator, STATUS, len(owner))
    initial, changed = _dates(generator, grids["community_code"].to_numpy()[owner], status)
    frame = pd.DataFrame(
        {
            "grid_index": owner,
            "county_code": grids["county_code"].to_numpy()[owner],
            "class_code": [classes[i].code for i in picked],
            "unit_code": grids["code"].to_numpy()[owner],
            "lon": lon,
            "lat": lat,
            "status": status,
            "initial_date": initial,
            "changed_date": changed,
            "data_source": _choice(generator, DATA_SOURCE, len(owner)),
        }
    )
    frame = frame.sort_values(
        ["county_code", "class_code", "unit_code", "lat", "lon"],
        ascending=[True, True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    sequence = frame.groupby(["county_code", "class_code"]).cumcount() + 1
    frame["component_id"] = (
        frame["county_code"] + frame["class_code"] + sequence.map("{:06d}".format)
    )
    return _attributes(frame, grids, {c.code: c for c in classes})


def _attributes(
    frame: pd.DataFrame, grids: gpd.GeoDataFrame, by_code: dict[str, ClassCode]
) -> gpd.GeoDataFrame:
    grid = grids.iloc[frame["grid_index"].to_numpy()].reset_index(drop=True)
    klass = frame["class_code"].map(by_code)
    department = klass.map(lambda c: BY_MAJOR_CLASS[c.major_code])
    columns = pd.DataFrame(
        {
            "component_id": frame["component_id"],
            "class_code": frame["class_code"],
            "class_name": klass.map(lambda c: c.name),
            "major_name": klass.map(lambda c: c.major_name),
            "dept_code": department.map(lambda d: d.code),
            "dept_name": department.map(lambda d: d.name),
            # public facilities: owned and maintained by their supervising department here
            "owner_code": department.map(lambda d: d.code),
            "owner_name": department.map(lambda d: d.name),
            "maintainer_code": department.map(lambda d: d.code),
            "maintainer_name": department.map(lambda d: d.name),
            "unit_code": frame["unit_code"],
            "status": frame["status"],
            "initial_date": frame["initial_date"],
            "changed_date": frame["changed_date"],
            "data_source": frame["data_source"],
            "street_code": grid["street_code"],
            "street_name": grid["street_name"],
            "community_code": grid["community_code"],
            "community_name": grid["community_name"],
            "county_code": frame["county_code"],
            "grid_index": frame["grid_index"],
            "urban": grid["urban"],
        }
    )
    points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return gpd.GeoDataFrame(columns, geometry=points, crs=grids.crs)
