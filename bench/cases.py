"""Benchmark case intake: durable reports per second (a table).

    .venv/bin/python bench/cases.py [--duration 10]
    .venv/bin/python bench/cases.py --postgis-dsn "$(scripts/postgres)" [--workers 2]

Every request is ``POST /cases`` with a fresh Idempotency-Key, at positions
spread over central Nantong: the server locates it (unit grid, community,
street, county), computes the H3 cell and due time, and commits the public
feature (with its H3 cover and hexbin counts), the private row, the history row,
the idempotency record and the audit row in one transaction before answering
201 (GeoPackage WAL ``synchronous=FULL``; PostgreSQL ``synchronous_commit=on``).
Load: wrk -t2 -c16 on loopback (Debian's ``wrk``); the run fails on any non-2xx
answer. Afterwards the store is counted: every acknowledged case must be there.
Two passes of ``--duration`` seconds each (see ``PASSES``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from common import bench_store, prepare_demo, served_arguments, serving, wrk

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.store import open_store
from geoplatform.store.backup import backup_gpkg
from geoplatform.store.base import FeatureQuery

SCRIPT = Path(__file__).with_name("intake.lua")
POSITIONS = 2000
"""Report positions: components' positions (inside unit grids, as inspectors report)."""
PASSES = ("first", "again")
"""Two runs over the same positions: in the first the server meets each position's
unit grids for the first time (read from the store); in the second it has them
(kept per H3 cell), as a running city's daily reports from the same streets do."""


def main() -> None:
    """Serve a copy of the demo city and load its intake."""
    args = served_arguments("Durable case intake: reports per second.")
    settings, env = bench_store(args.store, args.postgis_dsn, schema="bench_cases")
    catalog = prepare_demo(settings, env)
    work = Path(tempfile.mkdtemp(prefix="geoplatform-bench-cases-"))
    try:
        if not args.postgis_dsn:  # write into a copy: the bench store stays the demo city
            copy = work / "cases.gpkg"
            backup_gpkg(args.store, copy, catalog)
            settings = settings.model_copy(update={"gpkg_path": copy})
            env = env | {"GEOPLATFORM_STORE__GPKG_PATH": str(copy)}
        with open_store(settings, catalog) as store:
            _, key = PrincipalRegistry(store).add("bench inspector", [Role.supervisor])
            before = store.count("city_case")
            spots = store.query(
                "component", FeatureQuery(limit=POSITIONS, with_count=False, properties=())
            ).features
        positions = work / "positions.txt"
        positions.write_text(
            "".join(f"{r.geometry.x:.7f} {r.geometry.y:.7f}\n" for r in spots), encoding="ascii"
        )
        with serving(env, work / "generated", args.workers) as server:
            os.environ["GEOPLATFORM_BENCH_KEY"] = key
            os.environ["GEOPLATFORM_BENCH_POSITIONS"] = str(positions)
            passes = []
            for label in PASSES:
                cpu = server.cpu_seconds()
                rate, p50, p99 = wrk(server.url, args.duration, SCRIPT)
                cpu_ms = 1000 * (server.cpu_seconds() - cpu) / (rate * args.duration)
                passes.append((label, rate, p50, p99, cpu_ms))
        with open_store(settings, catalog) as store:
            stored = store.count("city_case") - before
        backend = "PostGIS" if args.postgis_dsn else "GeoPackage"
        print(f"stored: {stored} cases (every acknowledged report is counted in the store)")
        print(
            "| store | workers | pass | durable reports/s | p50 ms | p99 ms "
            "| server CPU ms/report |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, rate, p50, p99, cpu_ms in passes:
            print(
                f"| {backend} | {args.workers} | {label} | {rate:.0f} | {p50:.1f} | {p99:.1f} "
                f"| {cpu_ms:.2f} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
