"""Benchmark OGC API - Features on the embedded GeoPackage store (prints a table).

Serves the demo city with ``geoplatform serve`` (one worker), loads it with wrk
(-t2 -c16, loopback only), and measures the store's own rate for the same
answers in-process, so the HTTP and pygeoapi overhead is visible.

    .venv/bin/python bench/features.py [--duration 10] [--store var/bench.gpkg]
    .venv/bin/python bench/features.py --postgis-dsn "$(scripts/postgres)" [--workers 2]

Needs Debian's ``wrk``. The demo store is built first when missing (GeoPackage)
or empty (PostGIS schema ``bench``).
"""

from __future__ import annotations

import time

from common import bench_store, prepare_demo, served, served_arguments, wrk

from geoplatform.store import FeatureQuery, FeatureStore, open_store

BBOX = (120.85, 32.0, 120.9, 32.05)
SCENARIOS = [
    ("first page, limit 100", "/collections/component/items?limit=100", FeatureQuery(limit=100)),
    (
        "deep page, `next` link at 110 000",
        "/collections/component/items?limit=100&offset=110000&after=110000",
        FeatureQuery(limit=100, offset=110_000, after_fid=110_000),
    ),
    (
        "deep page, offset 110 000",
        "/collections/component/items?limit=100&offset=110000",
        FeatureQuery(limit=100, offset=110_000),
    ),
    (
        "bbox (~5 000 hits), limit 100",
        "/collections/component/items?limit=100&bbox=" + ",".join(map(str, BBOX)),
        FeatureQuery(limit=100, bbox=BBOX),
    ),
    ("one item", "/collections/component/items/4242", None),
    (
        "datetime + CQL2, limit 100",
        "/collections/city_case/items?limit=100&datetime=2026-03-01/2026-03-31"
        "&filter=class_code%3D%2706010%27",
        None,
    ),
]


def store_rate(store: FeatureStore, query: FeatureQuery | None, seconds: float = 3.0) -> float:
    """GeoJSON pages per second straight from the store (one thread), for the same page."""
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        if query is None:
            store.get("component", 4242)
        else:
            store.query_geojson("component", query, None)
        calls += 1
    return calls / (time.perf_counter() - started)


def main() -> None:
    args = served_arguments(__doc__.splitlines()[0])
    store_settings, env = bench_store(args.store, args.postgis_dsn)
    catalog = prepare_demo(store_settings, env)
    with served(env, args.store.parent / "bench-generated", args.workers) as base:
        store = open_store(store_settings, catalog)
        print(
            f"geoplatform on {store_settings.backend}, {args.workers} worker(s), "
            f"wrk -t2 -c16 -d{args.duration}s; store/s = the store's own rate, one thread"
        )
        print(
            f"| {'request':<34} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'store/s':>8} |"
        )
        print(f"|{'-' * 36}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
        for label, path, query in SCENARIOS:
            rate, p50, p99 = wrk(base + path, args.duration)
            own = (
                store_rate(store, query) if query is not None or "items/" in path else float("nan")
            )
            print(f"| {label:<34} | {rate:>8.1f} | {p50:>7.1f} | {p99:>7.1f} | {own:>8.0f} |")


if __name__ == "__main__":
    main()
