"""geoplatform.demo.build: generate the synthetic Nantong and write every catalog layer.

Progress goes through the caller's callback (one line per step, with its time),
so the CLI, a test or a notebook each decide how to show it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

from geoplatform.demo.cases import build_cases
from geoplatform.demo.components import build_components
from geoplatform.demo.divisions import build_divisions
from geoplatform.demo.pipes import build_pipes
from geoplatform.demo.pois import build_pois
from geoplatform.demo.rasters import build_demo_rasters
from geoplatform.demo.registry import load_divisions
from geoplatform.demo.schema import conform
from geoplatform.demo.units import build_unit_grids
from geoplatform.demo.workflow import manage_demo_cases
from geoplatform.store.base import FeatureStore

Report = Callable[[str], None]
CASE_LAYER = "city_case"


class _Clock:
    """Times each step and reports it."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.started = self.last = time.perf_counter()

    def lap(self, message: str) -> None:
        now = time.perf_counter()
        self.report(f"{message} ({now - self.last:.1f} s)")
        self.last = now

    def total(self, message: str) -> None:
        self.report(f"{message} ({time.perf_counter() - self.started:.1f} s in all)")


def generate_city(report: Report | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every demo layer by layer id, with helper columns still attached."""
    clock = _Clock(report or (lambda _message: None))
    divisions = build_divisions()
    clock.lap(
        f"divisions: {len(divisions.counties)} counties, {len(divisions.streets)} streets, "
        f"{len(divisions.communities)} communities"
    )
    grids = build_unit_grids(divisions.communities)
    clock.lap(f"unit grids: {len(grids)}")
    components = build_components(grids)
    clock.lap(f"components: {len(components)}")
    cases = build_cases(grids, components)
    clock.lap(f"cases: {len(cases)}")
    county_names = {c.code: c.name for c in load_divisions().counties}
    pois = build_pois(county_names, divisions.streets, divisions.communities, grids)
    clock.lap(f"POIs: {len(pois)}")
    pipes = build_pipes(grids)
    clock.lap(f"water pipes: {len(pipes)}")
    return {
        "admin_county": divisions.counties,
        "admin_street": divisions.streets,
        "admin_community": divisions.communities,
        "unit_grid": grids,
        "component": components,
        "city_case": cases,
        "poi": pois,
        "water_pipe": pipes,
    }


def build_demo_city(
    store: FeatureStore, progress: Report | None = None, rasters_dir: Path | None = None
) -> dict[str, int]:
    """Replace every catalog layer the demo knows with the synthetic city; counts by layer.

    Catalog layers the demo has no generator for are reported and left untouched.
    With ``rasters_dir`` the catalog's demo rasters (elevation, imagery) are
    written there too, as Cloud-Optimized GeoTIFFs.
    """
    report = progress or (lambda _message: None)
    clock = _Clock(report)
    frames = generate_city(report)
    clock.lap("generated")
    counts: dict[str, int] = {}
    for layer in store.catalog:
        frame = frames.get(layer.id)
        if frame is None:
            report(f"{layer.id}: no demo data, left as it is")
            continue
        shaped, filled = conform(frame, layer)
        if filled:
            report(f"{layer.id}: no demo values for {', '.join(filled)}, written as null")
        counts[layer.id] = store.replace_all(layer.id, shaped).written
        clock.lap(f"wrote {layer.id}: {counts[layer.id]} features")
        if layer.id == CASE_LAYER:
            managed = manage_demo_cases(store, shaped)
            clock.lap(f"case loop: {managed} demo cases under management")
    if rasters_dir is not None:
        build_demo_rasters(
            store.catalog, frames["admin_county"], frames["admin_community"], rasters_dir, report
        )
        clock.lap("rasters written")
    clock.total("demo city built")
    return counts
