"""Side-by-side benchmark: geoplatform, pygeoapi alone and tipg on the same PostGIS tables.

One run, on this machine: installs pygeoapi (PostgreSQL provider, Starlette app under
uvicorn) and tipg in their own virtual environments under var/bench-peers/, loads a
deterministic synthetic city into the schema ``peers`` (1 M asset points with 8
attributes, 300 k timestamped cases, 100 k polygons; like a real city, 60 % of the
assets and 20 % of the parcels crowd a centre about 10 km across, the rest spread over
the whole 170 x 130 km, so the centre's z14 tile is dense: about 4 400 assets, all of
them drawn by every server, geoplatform's 5 000-feature tile limit included), serves
it with each server (one
worker each, the order alternating over the rounds), loads each with wrk (-t2 -c16,
loopback only), measures the database's own rate for the same answers with pgbench,
and prints one table: req/s, p50, p99 and ratios.

    .venv/bin/python bench/peers.py [--duration 15] [--rounds 3]

Vector tiles (f) compare geoplatform and tipg (pygeoapi's PostgreSQL provider serves no
tiles) with the database's own ST_AsMVT for the same tile, geoplatform's tile cache
off (every tile drawn by the database, as tipg does). The tables are in CGCS2000
(SRID 4490), as the platform stores Chinese data. pygeoapi is given its best case:
no ``storage_crs`` (its default, CRS84; CGCS2000 and WGS84 differ by centimetres).
Declared as EPSG:4490, pygeoapi 0.24 builds a PROJ transformer on every request
(about 0.6 s each here; one item then runs at about 1 request/s with 16 clients).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import yaml

from geoplatform.catalog import load_catalog
from geoplatform.settings import PROJECT_ROOT
from geoplatform.store.postgis import PostGISStore

sys.path.insert(0, str(Path(__file__).parent))
from common import SERIAL, free_port, pgbench, wrk

SCHEMA = "peers"
WORK = PROJECT_ROOT / "var" / "bench-peers"
LAYERS = Path(__file__).parent / "layers"
BBOX_1000 = "121.50,32.40,121.5735,32.4735"  # ~1 000 assets, in the outskirts
BBOX_CASES = "120.8,31.9,121.0,32.1"
MONTH = "2026-03-01T00:00:00Z/2026-03-31T23:59:59Z"
LOAD_SQL = f"""
SELECT setseed(0.42);
INSERT INTO {SCHEMA}.assets (fid, geom, asset_code, class_code, status, dept_code,
  install_year, height_m, inspected_on, note)
SELECT g, ST_SetSRID(ST_MakePoint(
    CASE WHEN core THEN 120.95 + 0.095 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
      ELSE 120.2 + random() * 1.8 END,
    CASE WHEN core THEN 32.0 + 0.095 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
      ELSE 31.6 + random() * 1.2 END), 4490),
  lpad(g::text, 17, '0'),
  (ARRAY['01001','01002','01037','04002','03005','01013'])[1 + floor(random() * 6)::int],
  (ARRAY['完好','完好','完好','破损','丢失'])[1 + floor(random() * 5)::int],
  '11320600MB000000' || (g % 9)::text || 'X', 2000 + (g % 24), round((random() * 12)::numeric, 2),
  date '2024-01-01' + (g % 700), 'synthetic asset ' || g
FROM (SELECT g, random() < 0.6 AS core FROM generate_series(1, 1000000) AS g) AS s;
INSERT INTO {SCHEMA}.cases (fid, geom, case_code, class_code, status, reported_at, closed)
SELECT g, ST_SetSRID(ST_MakePoint(120.2 + random() * 1.8, 31.6 + random() * 1.2), 4490),
  '320600-' || lpad(g::text, 8, '0'),
  (ARRAY['06010','06012','09009','01001'])[1 + floor(random() * 4)::int],
  (ARRAY['已结案','处置中','已派遣'])[1 + floor(random() * 3)::int],
  timestamptz '2025-12-01 00:00:00+00' + random() * interval '365 days', random() < 0.8
FROM generate_series(1, 300000) AS g;
INSERT INTO {SCHEMA}.parcels (fid, geom, parcel_code, land_use, area_m2)
SELECT g, ST_SetSRID(ST_MakeEnvelope(x, y, x + 0.0005, y + 0.0005), 4490),
  'P' || lpad(g::text, 8, '0'), (ARRAY['R','C','M','G'])[1 + floor(random() * 4)::int], 2300.0
FROM (SELECT g,
        CASE WHEN core THEN 120.95 + 0.095 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
          ELSE 120.2 + random() * 1.8 END AS x,
        CASE WHEN core THEN 32.0 + 0.095 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
          ELSE 31.6 + random() * 1.2 END AS y
      FROM (SELECT g, random() < 0.2 AS core FROM generate_series(1, 100000) AS g) AS c) AS s;
"""
COUNTS = {"assets": 1_000_000, "cases": 300_000, "parcels": 100_000}
POINT_TILE = (14, 6653, 13696)
"""(z, row, col) in WebMercatorQuad: the z14 tile of the city centre (120.95 E, 32.0 N)."""
POLYGON_TILE = (13, 3326, 6848)
"""The z13 tile around the same place."""
TILE_ROWS = {
    "f dense z14 point tile": ("assets", POINT_TILE),
    "f polygon tile": ("parcels", POLYGON_TILE),
}


@dataclass
class Server:
    """One server under test and how to reach each request on it."""

    name: str
    command: list[str]
    env: dict[str, str]
    paths: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    results: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)


def load_city(dsn: str) -> None:
    """Create the three tables through geoplatform's store and fill them once, in SQL."""
    catalog = load_catalog(LAYERS)
    with PostGISStore(dsn, catalog, schema=SCHEMA, check_version=False) as store:
        store.migrate(lambda label: lambda done, total: None)
        store.ensure_layers(list(catalog))
        recipe = "recipe " + hashlib.sha256(LOAD_SQL.encode()).hexdigest()[:16]
        with psycopg.connect(dsn, autocommit=True) as connection:
            loaded = connection.execute(
                "SELECT obj_description(%s::regclass, 'pg_class')", (f"{SCHEMA}.assets",)
            ).fetchone()
            if (
                loaded is not None
                and loaded[0] == recipe
                and all(store.count(layer) == n for layer, n in COUNTS.items())
            ):
                return
            for layer in COUNTS:
                connection.execute(f"TRUNCATE {SCHEMA}.{layer}")
            print("loading 1.4 M synthetic features...", file=sys.stderr)
            with connection.transaction():
                for statement in filter(str.strip, LOAD_SQL.split(";\n")):
                    connection.execute(statement)
            for layer in COUNTS:
                connection.execute(f"ANALYZE {SCHEMA}.{layer}")
        for layer in COUNTS:
            store.refresh_stats(layer)
            store.reindex(layer)
        with psycopg.connect(dsn, autocommit=True) as connection:  # loaded whole: mark it
            connection.execute(f"COMMENT ON TABLE {SCHEMA}.assets IS '{recipe}'")


def install(name: str, packages: list[str]) -> Path:
    """A virtual environment of the peer, created once."""
    venv = WORK / name
    if not (venv / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
    return venv


def pygeoapi_server(dsn: str, port: int) -> Server:
    venv = install(
        "pygeoapi",
        ["pygeoapi", "starlette", "psycopg2-binary", "SQLAlchemy", "GeoAlchemy2", "uvicorn"],
    )
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    data = {
        "host": info.get("host"),
        "port": int(info.get("port", 5432)),
        "dbname": info["dbname"],
        "user": info["user"],
        "password": info.get("password", ""),
        "search_path": [SCHEMA, "public"],
    }
    resources = {}
    for table, time_field in (("assets", None), ("cases", "reported_at"), ("parcels", None)):
        provider = {
            "type": "feature",
            "name": "PostgreSQL",
            "data": data,
            "id_field": "fid",
            "table": table,
            "geom_field": "geom",
        }
        if time_field:
            provider["time_field"] = time_field
        resources[table] = {
            "type": "collection",
            "title": table,
            "description": table,
            "keywords": [table],
            "links": [],
            "extents": {"spatial": {"bbox": [120.2, 31.6, 122.0, 32.8]}},
            "providers": [provider],
        }
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://example.org/{z}/{x}/{y}.png", "attribution": "none"},
            "admin": False,
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "peers",
                "description": "peers",
                "keywords": ["peers"],
                "keywords_type": "theme",
                "terms_of_service": "none",
                "url": "https://example.org",
            },
            "license": {"name": "CC0", "url": "https://example.org"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": {
                "name": "bench",
                "position": "bench",
                "address": "none",
                "city": "none",
                "stateorprovince": "none",
                "postalcode": "0",
                "country": "none",
                "phone": "0",
                "fax": "0",
                "email": "bench@example.org",
                "url": "https://example.org",
                "hours": "none",
                "instructions": "none",
                "role": "pointOfContact",
            },
        },
        "resources": resources,
    }
    config_path, openapi_path = WORK / "pygeoapi.yml", WORK / "pygeoapi-openapi.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    with openapi_path.open("w") as handle:
        subprocess.run(
            [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config_path)],
            env=env,
            stdout=handle,
            check=True,
        )
    return Server(
        "pygeoapi",
        uvicorn(venv, "pygeoapi.starlette_app:APP", port),
        env,
        peer_paths("/collections/{layer}", "f=json&"),
    )


def uvicorn(venv: Path, app: str, port: int) -> list[str]:
    """Command serving a peer's ASGI app with one worker from its own environment."""
    return [
        str(venv / "bin" / "uvicorn"),
        app,
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]


def tipg_server(dsn: str, port: int) -> Server:
    venv = install("tipg", ["tipg", "uvicorn"])
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "TIPG_DB_SCHEMAS": f'["{SCHEMA}"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
    }
    paths = peer_paths("/collections/" + SCHEMA + ".{layer}", "")
    for label, (layer, (z, row, col)) in TILE_ROWS.items():
        paths[label] = f"/collections/{SCHEMA}.{layer}/tiles/WebMercatorQuad/{z}/{col}/{row}"
    return Server("tipg", uvicorn(venv, "tipg.main:app", port), env, paths)


def peer_paths(collection: str, prefix: str) -> dict[str, str]:
    items = collection + "/items?" + prefix
    return {
        "a first page, limit 100": items.format(layer="assets") + "limit=100",
        "b deep page (offset 500 000)": items.format(layer="assets") + "limit=100&offset=500000",
        "c bbox, ~1 000 hits": items.format(layer="assets") + f"limit=100&bbox={BBOX_1000}",
        "d one item": collection.format(layer="assets")
        + "/items/424242"
        + ("?f=json" if prefix else ""),
        "e bbox + datetime": items.format(layer="cases")
        + f"limit=100&bbox={BBOX_CASES}&datetime={MONTH}",
    }


def geoplatform_server(dsn: str, port: int) -> Server:
    env = {
        **os.environ,
        "GEOPLATFORM_LAYERS_DIR": str(LAYERS),
        "GEOPLATFORM_STORE__BACKEND": "postgis",
        "GEOPLATFORM_STORE__POSTGIS_DSN": dsn,
        "GEOPLATFORM_STORE__POSTGIS_SCHEMA": SCHEMA,
        "GEOPLATFORM_GENERATED_DIR": str(WORK / "geoplatform-generated"),
        "GEOPLATFORM_TILES__CACHE": "false",  # row (f) compares tiles drawn per request
    }
    paths = peer_paths("/collections/{layer}", "")
    paths["b deep page (offset 500 000)"] = (
        "/collections/assets/items?limit=100&offset=500000&after=500000"
    )
    for label, (layer, (z, row, col)) in TILE_ROWS.items():
        paths[label] = f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{row}/{col}"
    return Server(
        "geoplatform",
        [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port)],
        env,
        paths,
    )


_ENVELOPE = f"ST_MakeEnvelope({BBOX_1000}, 4490)"
PGBENCH_SQL = {
    "a first page, limit 100": (
        "SELECT fid, ST_AsGeoJSON(geom), asset_code, class_code, status, dept_code, "
        "install_year, height_m, inspected_on, note FROM peers.assets ORDER BY fid LIMIT 100;"
    ),
    "b deep page (offset 500 000)": (
        "SELECT fid, ST_AsGeoJSON(geom), asset_code, class_code, status, dept_code, "
        "install_year, height_m, inspected_on, note FROM peers.assets "
        "WHERE fid > 500000 ORDER BY fid LIMIT 100;"
    ),
    "c bbox, ~1 000 hits": (
        f"SELECT count(*) FROM peers.assets WHERE geom && {_ENVELOPE} "
        f"AND ST_Intersects(geom, {_ENVELOPE});"
    ),
    "d one item": (
        "SELECT fid, ST_AsGeoJSON(geom), asset_code, class_code, status, dept_code, "
        "install_year, height_m, inspected_on, note FROM peers.assets WHERE fid = 424242;"
    ),
    "e bbox + datetime": (
        "SELECT count(*) FROM peers.cases "
        "WHERE geom && ST_MakeEnvelope(120.8, 31.9, 121.0, 32.1, 4490) "
        "AND reported_at BETWEEN '2026-03-01T00:00:00Z' AND '2026-03-31T23:59:59Z';"
    ),
}


def _tile_sql(layer: str, columns: str, tile: tuple[int, int, int]) -> str:
    z, row, col = tile
    envelope = f"ST_TileEnvelope({z}, {col}, {row})"
    return (
        f"SELECT ST_AsMVT(t, '{layer}', 4096, 'geom', 'fid') FROM (SELECT fid, "
        f"ST_AsMVTGeom(ST_Transform(geom, 3857), {envelope}, 4096, 64, true) AS geom, {columns} "
        f"FROM peers.{layer} WHERE geom && ST_Transform({envelope}, 4490)) AS t;"
    )


PGBENCH_SQL["f dense z14 point tile"] = _tile_sql(
    "assets",
    "asset_code, class_code, status, dept_code, install_year, height_m, inspected_on, note",
    POINT_TILE,
)
PGBENCH_SQL["f polygon tile"] = _tile_sql("parcels", "parcel_code, land_use, area_m2", POLYGON_TILE)


def start(server: Server) -> None:
    server.process = subprocess.Popen(
        server.command, env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(server: Server) -> None:
    """Terminate, and kill what does not stop within 10 s (slow requests in flight)."""
    assert server.process is not None
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    dsn = (
        subprocess.run(
            [str(PROJECT_ROOT / "scripts" / "postgres")], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    load_city(dsn)
    servers = [
        geoplatform_server(dsn, free_port()),
        pygeoapi_server(dsn, free_port()),
        tipg_server(dsn, free_port()),
    ]
    for round_number in range(args.rounds):
        order = servers if round_number % 2 == 0 else list(reversed(servers))
        for server in order:
            start(server)
            base = f"http://127.0.0.1:{server.command[server.command.index('--port') + 1]}"
            try:
                wait_ready(base + server.paths["d one item"])
                for label, path in server.paths.items():
                    server.results.setdefault(label, []).append(wrk(base + path, args.duration))
            finally:
                stop(server)
    database = {
        label: pgbench(dsn, SERIAL + sql, args.duration) for label, sql in PGBENCH_SQL.items()
    }
    report(servers, database)


def report(servers: list[Server], database: dict[str, float]) -> None:
    names = [s.name for s in servers]
    rounds = len(servers[0].results["d one item"])
    print(f"medians of {rounds} rounds; wrk -t2 -c16; one worker each; same PostGIS tables")
    print(
        f"| request | {' | '.join(f'{n} req/s (p50/p99 ms)' for n in names)} | database q/s | "
        "geoplatform / pygeoapi | geoplatform / tipg | geoplatform / database |"
    )
    print("|---" * (len(names) + 5) + "|")
    for label in servers[0].paths:
        medians = []
        cells = []
        for server in servers:
            runs = server.results.get(label)
            if not runs:
                medians.append(0.0)
                cells.append("n/a (no tiles)")
                continue
            rate = statistics.median(r[0] for r in runs)
            p50 = statistics.median(r[1] for r in runs)
            p99 = statistics.median(r[2] for r in runs)
            medians.append(rate)
            cells.append(f"{rate:.1f} ({p50:.1f}/{p99:.1f})")
        db = database[label]
        ours, pyg, tipg = medians
        print(
            f"| {label} | {' | '.join(cells)} | {db:.0f} | {_ratio(ours, pyg)} | "
            f"{_ratio(ours, tipg)} | {_ratio(ours, db)} |"
        )


def _ratio(ours: float, other: float) -> str:
    return f"{ours / other:.2f}x" if other > 0 else "n/a"


if __name__ == "__main__":
    main()
