"""Benchmark vector tiles: a dense z14 point tile and a polygon tile, drawn and cached (a table).

    .venv/bin/python bench/tiles.py [--duration 10] [--store var/bench.gpkg]
    .venv/bin/python bench/tiles.py --postgis-dsn "$(scripts/postgres)"

The tiles are the demo city's densest z14 WebMercatorQuad tiles of the assets
(``component``, points) and of the unit grids (polygons), found from the stored
rows. "store alone" is ``mvt_tile`` called in-process (the GeoPackage encodes in
Python, PostGIS runs ST_AsMVT): what any server of these rows pays per tile.
The HTTP columns serve the city with ``geoplatform serve`` (1 and 2 workers,
``--workers N`` adds N) and load one tile URL with wrk (-t2 -c16, loopback):
"drawn" with the tile cache off (every request asks the store), "cached" with
it on, after one request wrote the file (each request reads it from disk).
On PostGIS, "database" is pgbench (-c16 -j2) running the very statement the
store runs for the tile (``PostGISStore.mvt_statement``, values inlined): the
database's own rate for these tiles, which a server asking it cannot exceed.
Needs Debian's ``wrk`` (and PostgreSQL's ``pgbench`` on PostGIS).
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from common import SERIAL, bench_store, pgbench, prepare_demo, served, served_arguments, wrk

from geoplatform.store import open_store
from geoplatform.store.base import FeatureQuery, FeatureStore
from geoplatform.tiles.grid import TileAddress, tile_request
from geoplatform.tiles.matrixsets import matrix_set

TMS = matrix_set("WebMercatorQuad")
ZOOM = 14


@dataclass(frozen=True)
class Scenario:
    """One tile to load."""

    label: str
    layer: str
    address: TileAddress
    features: int
    size: int

    @property
    def path(self) -> str:
        tile = self.address.tile
        return f"/collections/{self.layer}/tiles/{TMS.id}/{tile.z}/{tile.y}/{tile.x}"


def densest(store: FeatureStore, layer: str, label: str) -> Scenario:
    """The z14 tile holding the most features of ``layer`` (by representative point)."""
    page = store.query(layer, FeatureQuery(limit=1_000_000, properties=(), with_count=False))
    counts: Counter = Counter()
    for record in page.features:
        point = record.geometry.representative_point()
        counts[TMS.tms.tile(point.x, point.y, ZOOM)] += 1
    tile, _ = counts.most_common(1)[0]
    address = TileAddress(TMS, tile)
    request = tile_request(address, layer)
    candidates = store.query(
        layer, FeatureQuery(bbox=request.select_bbox, limit=request.limit, with_count=False)
    )
    body = store.mvt_tile(layer, request)
    return Scenario(label, layer, address, len(candidates.features), len(body))


def store_rate(store: FeatureStore, scenario: Scenario, seconds: float = 3.0) -> float:
    """Tiles per second that ``mvt_tile`` builds in this process, one at a time."""
    request = tile_request(scenario.address, scenario.layer)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        store.mvt_tile(scenario.layer, request)
        calls += 1
    return calls / (time.perf_counter() - started)


def database_rate(
    store: FeatureStore, dsn: str | None, scenario: Scenario, duration: int
) -> float | None:
    """pgbench on the store's own tile statement (PostGIS only; None elsewhere)."""
    statement = getattr(store, "mvt_statement", None)
    if statement is None or dsn is None:
        return None
    import psycopg

    sql, params = statement(scenario.layer, tile_request(scenario.address, scenario.layer))
    with psycopg.connect(dsn) as connection:
        literal = psycopg.ClientCursor(connection).mogrify(sql, params)
    return pgbench(dsn, SERIAL + literal, duration)


def measure(
    base: str, scenario: Scenario, duration: int, cache_dir: Path, cached: bool
) -> tuple[float, float, float]:
    """wrk on one tile, after checking the server uses (or does not use) the cache."""
    first = httpx.get(base + scenario.path, timeout=120)
    if first.status_code != 200 or "etag" not in first.headers:
        raise SystemExit(f"{scenario.path} answered {first.status_code} without an ETag")
    files = list(cache_dir.rglob(f"{scenario.address.tile.y}.mvt"))
    if cached != bool(files):
        raise SystemExit(
            "the server does not use the tile cache (is tile_cache wired in app.py?)"
            if cached
            else "the server kept a tile with the cache off"
        )
    return wrk(base + scenario.path, duration)


def main() -> None:
    args = served_arguments(__doc__.splitlines()[0])
    settings, env = bench_store(args.store, args.postgis_dsn)
    catalog = prepare_demo(settings, env)
    with open_store(settings, catalog) as store:
        scenarios = [
            densest(store, "component", f"dense z{ZOOM} point tile (assets)"),
            densest(store, "unit_grid", f"polygon tile z{ZOOM} (unit grids)"),
        ]
        alone = [store_rate(store, s) for s in scenarios]
        database = [database_rate(store, args.postgis_dsn, s, args.duration) for s in scenarios]
    cache_dir = args.store.parent / "bench-tiles"
    workers = sorted({1, 2, args.workers})
    columns = [(mode, n) for n in workers for mode in ("drawn", "cached")]
    results: dict[tuple[str, int], list[str]] = {}
    for mode, n in columns:
        shutil.rmtree(cache_dir, ignore_errors=True)
        run_env = {
            **env,
            "GEOPLATFORM_TILES__CACHE": "true" if mode == "cached" else "false",
            "GEOPLATFORM_TILES__CACHE_DIR": str(cache_dir),
        }
        with served(run_env, args.store.parent / "bench-generated", n) as base:
            cells = []
            for scenario in scenarios:
                rate, p50, p99 = measure(base, scenario, args.duration, cache_dir, mode == "cached")
                cells.append(f"{rate:.0f} ({p50:.1f} / {p99:.0f} ms)")
            results[(mode, n)] = cells
    shutil.rmtree(cache_dir, ignore_errors=True)
    print(
        f"geoplatform vector tiles on {settings.backend}, wrk -t2 -c16 -d{args.duration}s, "
        "tiles/s (p50 / p99); drawn = tile cache off, cached = read from the cache folder"
    )
    heads = [
        "tile",
        "features",
        "bytes",
        "store alone",
        "database",
        *(f"{m} {n}w" for m, n in columns),
    ]
    widths = [46, 8, 7, 11, 9, *([21] * len(columns))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for i, scenario in enumerate(scenarios):
        tile = scenario.address.tile
        row = [
            f"{scenario.label} {tile.z}/{tile.y}/{tile.x}",
            str(scenario.features),
            str(scenario.size),
            f"{alone[i]:.1f}/s",
            "n/a" if database[i] is None else f"{database[i]:.1f}/s",
            *(results[column][i] for column in columns),
        ]
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
