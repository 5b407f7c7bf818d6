"""What the bench scripts share: the demo store, a served app, wrk and its numbers.

Run from the project root with the project's virtualenv; bench scripts import this
file as a sibling module.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from geoplatform.catalog import LayerCatalog, load_catalog
from geoplatform.settings import PROJECT_ROOT, StoreSettings
from geoplatform.store import open_store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wrk(url: str, duration: int, script: Path | None = None) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk --latency (-t2 -c16, loopback).

    With ``script`` (a wrk Lua file) the requests are the script's; any non-2xx
    answer fails the measurement instead of being counted as served.
    """
    extra = ["--script", str(script)] if script is not None else []
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{duration}s", "--timeout", "30s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if script is not None and "Non-2xx" in out:
        raise RuntimeError(f"wrk saw refused requests:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, percentile("50"), percentile("99")


def served_arguments(description: str) -> argparse.Namespace:
    """Options of the benches that serve the demo city: duration, store, workers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "var" / "bench.gpkg")
    parser.add_argument("--postgis-dsn", default=None, help="bench the PostGIS store instead")
    parser.add_argument("--workers", type=int, default=1)
    return parser.parse_args()


def bench_store(
    gpkg: Path, postgis_dsn: str | None, schema: str = "bench"
) -> tuple[StoreSettings, dict[str, str]]:
    """Store settings and server environment for the GeoPackage file or a PostGIS schema."""
    env = {**os.environ, "GEOPLATFORM_STORE__GPKG_PATH": str(gpkg)}
    if not postgis_dsn:
        return StoreSettings(gpkg_path=gpkg), env
    env |= {
        "GEOPLATFORM_STORE__BACKEND": "postgis",
        "GEOPLATFORM_STORE__POSTGIS_DSN": postgis_dsn,
        "GEOPLATFORM_STORE__POSTGIS_SCHEMA": schema,
    }
    return StoreSettings(backend="postgis", postgis_dsn=postgis_dsn, postgis_schema=schema), env


def prepare_demo(settings: StoreSettings, env: dict[str, str]) -> LayerCatalog:
    """Migrate the store to this release and build the demo city into it when empty."""
    catalog = load_catalog(PROJECT_ROOT / "layers")
    with open_store(settings, catalog, check_version=False) as probe:
        probe.migrate(lambda label: lambda done, total: None)
        probe.ensure_layers(list(catalog))
        empty = probe.count("component") == 0
    if empty:
        subprocess.run(
            [sys.executable, "-m", "geoplatform.cli", "demo", "--force"], env=env, check=True
        )
    return catalog


@dataclass(frozen=True)
class Server:
    """A running ``geoplatform serve``: its base URL and process id."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its worker processes.

        Reports per second depend on how much of the machine the bench gets (this
        one's speed varies by a third from minute to minute); the CPU a request
        costs the server does not, so the benches print both.
        """
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in _process_tree(self.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # exited meanwhile
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick


def _process_tree(root: int) -> list[int]:
    """``root`` and every process below it (Linux ``/proc``)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                pending += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


@contextmanager
def served(env: dict[str, str], generated: Path, workers: int = 1) -> Iterator[str]:
    """``geoplatform serve`` on a free port until the block ends; yields its base URL."""
    with serving(env, generated, workers) as server:
        yield server.url


@contextmanager
def serving(env: dict[str, str], generated: Path, workers: int = 1) -> Iterator[Server]:
    """``geoplatform serve`` on a free port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env={**env, "GEOPLATFORM_GENERATED_DIR": str(generated)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Server(base, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)


SERIAL = "SET max_parallel_workers_per_gather = 0;\n"
"""Prefix of a pgbench script: plan serially, as geoplatform's connections do
(``postgis_parallel_workers``). With 16 clients on 2 cores a parallel plan's worker
start-up costs more than it saves (a polygon tile: 46 tiles/s with PostgreSQL's
default, 304 without), so the database's rate is its best, not its default one."""


def pgbench(dsn: str, sql: str, duration: int, clients: int = 16) -> float:
    """The database's own rate for one statement: pgbench -c16 -j2 (transactions/s)."""
    with tempfile.TemporaryDirectory(prefix="geoplatform-pgbench-") as folder:
        script = Path(folder) / "statement.sql"
        script.write_text(sql.rstrip().rstrip(";") + ";\n", encoding="utf-8")
        out = subprocess.run(
            [
                "/usr/lib/postgresql/15/bin/pgbench",
                "-n",
                "-c",
                str(clients),
                "-j",
                "2",
                f"-T{duration}",
                "-f",
                str(script),
                dsn,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    found = re.search(r"tps = ([\d.]+)", out)
    if found is None:
        raise SystemExit(f"pgbench printed no rate:\n{out}")
    return float(found.group(1))
