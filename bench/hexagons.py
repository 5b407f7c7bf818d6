"""Benchmark the H3 index: indexing speed, DGGS zone data and queries, hexbins, /hex (a table).

    .venv/bin/python bench/hexagons.py [--duration 10] [--store var/bench.gpkg]
    .venv/bin/python bench/hexagons.py --postgis-dsn "$(scripts/postgres)" [--workers 2]

Indexing is timed in-process on 1 M deterministic points around Nantong (best of
3): geoplatform's ``hexgrid.cells_at`` against h3-py's own loop over integers.
The HTTP rows serve the demo city with ``geoplatform serve`` and load it with wrk
(-t2 -c16, loopback only). The last rows give the store's own rate for the
whole-city resolution-8 counts, from the kept aggregates and by grouping the rows
(what a server without aggregates does on every request). Needs Debian's ``wrk``.
"""

from __future__ import annotations

import time

import h3.api.basic_int as h3
import httpx
import numpy as np
from common import bench_store, prepare_demo, served, served_arguments, wrk
from pygeofilter.parsers.cql2_text import parse

from geoplatform import hexgrid
from geoplatform.store import open_store
from geoplatform.store.base import FeatureQuery, FeatureStore, HexCountQuery

POINTS = 1_000_000


def best_of(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    """Shortest wall time of ``runs`` calls, seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def indexing_rows() -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(20261202)
    lons = rng.uniform(120.2, 122.0, POINTS)
    lats = rng.uniform(31.6, 32.8, POINTS)
    ours = best_of(3, lambda: hexgrid.cells_at(lons, lats, 12))
    lat_list, lon_list = lats.tolist(), lons.tolist()
    reference = best_of(
        3, lambda: [h3.latlng_to_cell(a, b, 12) for a, b in zip(lat_list, lon_list, strict=True)]
    )
    sample = slice(0, 20_000)
    pairs = zip(lats[sample], lons[sample], strict=True)
    expected = [h3.latlng_to_cell(a, b, 12) for a, b in pairs]
    same = np.array_equal(hexgrid.cells_at(lons[sample], lats[sample], 12), expected)
    return [
        ("H3 res 12 of 1 M points: geoplatform hexgrid", f"{ours:.3f} s", "<= 0.5 s"),
        (
            "H3 res 12 of 1 M points: h3-py loop (ints)",
            f"{reference:.3f} s",
            "same cells" if same else "CELLS DIFFER",
        ),
    ]


def store_rate(work, seconds: float = 3.0) -> float:  # type: ignore[no-untyped-def]
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        work()
        calls += 1
    return calls / (time.perf_counter() - started)


def store_rows(store: FeatureStore) -> list[tuple[str, str, str]]:
    cases = store.count("city_case")
    aggregated = store_rate(lambda: store.hex_counts("city_case", HexCountQuery(res=8)))
    grouped = store_rate(
        lambda: store.hex_counts(
            "city_case", HexCountQuery(res=8, filter=parse("case_id IS NOT NULL"))
        )
    )
    return [
        (f"store: city res-8 counts, aggregates ({cases} cases)", f"{aggregated:.1f}/s", ""),
        (f"store: the same grouped from the rows ({cases} cases)", f"{grouped:.1f}/s", ""),
    ]


def scenarios(store: FeatureStore) -> list[tuple[str, str, str]]:
    """(label, path, goal) of the HTTP rows; zones picked from the stored cases."""
    case = store.query("city_case", FeatureQuery(offset=30_000, limit=1)).features[0].geometry
    zone9 = hexgrid.cell_at(case.x, case.y, 9)
    zone10 = hexgrid.children(zone9, 10)[0]
    return [
        (
            "DGGS zone data, one res-9 zone (7 children)",
            f"/collections/city_case/dggs/H3/zones/{hexgrid.cell_text(zone9)}/data",
            ">= 700 req/s (PostGIS)",
        ),
        (
            "DGGS zone query, whole city at res 8",
            "/collections/city_case/dggs/H3/zones?zone-level=8&compact-zones=false&limit=10000",
            "",
        ),
        (
            "hexbin items, whole city res 8 with counts",
            "/collections/city_case_hex8/items?limit=10000&skipGeometry=true",
            ">= 200 req/s (PostGIS)",
        ),
        ("hexbin page, res 9, limit 100", "/collections/city_case_hex9/items?limit=100", ""),
        ("what is here, /hex/{res-10 cell}", f"/hex/{hexgrid.cell_text(zone10)}", ""),
    ]


def main() -> None:
    args = served_arguments(__doc__.splitlines()[0])
    indexing = indexing_rows()
    settings, env = bench_store(args.store, args.postgis_dsn)
    catalog = prepare_demo(settings, env)
    with open_store(settings, catalog) as store:
        plan = scenarios(store)
        own = store_rows(store)
    measured: dict[str, list[str]] = {label: [] for label, _, _ in plan}
    for cache in ("false", "true"):
        cache_env = {**env, "GEOPLATFORM_SERVER__RESPONSE_CACHE": cache}
        with served(cache_env, args.store.parent / "bench-generated", args.workers) as base:
            for label, path, _ in plan:
                if httpx.get(base + path, timeout=60).status_code != 200:
                    raise SystemExit(f"{path} does not answer 200")
                rate, p50, p99 = wrk(base + path, args.duration)
                measured[label].append(f"{rate:.0f} ({p50:.1f} / {p99:.0f} ms)")
    print(
        f"geoplatform H3 on {settings.backend}, {args.workers} worker(s), "
        f"wrk -t2 -c16 -d{args.duration}s. HTTP rows: req/s (p50 / p99); computed = response "
        "cache off; repeated = answered by the response cache, which every write empties"
    )
    print(f"| {'measure':<52} | {'computed':<20} | {'repeated':<20} | {'goal':<22} |")
    print(f"|{'-' * 54}|{'-' * 22}|{'-' * 22}|{'-' * 24}|")
    for label, result, goal in indexing + own:
        print(f"| {label:<52} | {result:<20} | {'':<20} | {goal:<22} |")
    for label, _, goal in plan:
        computed, repeated = measured[label]
        print(f"| {label:<52} | {computed:<20} | {repeated:<20} | {goal:<22} |")


if __name__ == "__main__":
    main()
