"""Several server workers over one store: every worker serves, and sees every write."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyogrio
import pytest

from tests.common import poi_frame
from tests.conftest import TEST_BACKEND, drop_schema, free_port


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geoplatform.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(scope="module")
def store_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Environment for a fresh store of the backend under test (one per module: the
    tests share one two-worker server, each server start costs seconds)."""
    directory = tmp_path_factory.mktemp("workers")
    env = {
        **os.environ,
        "GEOPLATFORM_STORE__GPKG_PATH": str(directory / "city.gpkg"),
        "GEOPLATFORM_GENERATED_DIR": str(directory / "generated"),
    }
    if TEST_BACKEND != "postgis":
        yield env
        return
    dsn = request.getfixturevalue("postgis_dsn")
    schema = f"workers_{uuid.uuid4().hex[:10]}"
    env |= {
        "GEOPLATFORM_STORE__BACKEND": "postgis",
        "GEOPLATFORM_STORE__POSTGIS_DSN": dsn,
        "GEOPLATFORM_STORE__POSTGIS_SCHEMA": schema,
    }
    yield env
    drop_schema(dsn, schema)


def test_two_workers_serve_and_see_an_import(
    two_workers: tuple[subprocess.Popen[str], str], store_env: dict[str, str], tmp_path: Path
) -> None:
    _, base = two_workers
    url = f"{base}/collections/poi/items?limit=1"
    # a new connection per request, so the kernel spreads them over both workers
    counts = {httpx.get(url, timeout=10).json()["numberMatched"] for _ in range(40)}
    assert counts == {5}
    source = tmp_path / "poi.geojson"
    pyogrio.write_dataframe(poi_frame().iloc[:3], source)
    _cli("import", str(source), "--layer", "poi", env=store_env)
    counts = {httpx.get(url, timeout=10).json()["numberMatched"] for _ in range(40)}
    assert counts == {3}


def _workers(parent: int) -> list[int]:
    """Worker processes of a ``serve --workers N`` (spawned children, not the tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    found = []
    for pid in map(int, children):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.append(pid)
    return found


def _sockets(pid: int) -> int:
    folder = Path(f"/proc/{pid}/fd")
    count = 0
    for entry in folder.iterdir():
        try:
            count += os.readlink(entry).startswith("socket:")
        except FileNotFoundError:
            continue
    return count


def _wait_ready(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


@pytest.fixture(scope="module")
def two_workers(
    store_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``serve --workers 2`` on a small store (one imported layer), shared by the tests
    of this module (the one that kills a worker runs last)."""
    source = tmp_path_factory.mktemp("poi") / "poi.geojson"
    pyogrio.write_dataframe(poi_frame(), source)
    _cli("import", str(source), "--layer", "poi", env=store_env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port), "--workers", "2"],
        env=store_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url + "/health")
        deadline = time.monotonic() + 60
        while len(_workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        yield server, url
    finally:
        server.terminate()
        assert server.wait(timeout=40) == 0


def test_kept_alive_connections_spread_over_every_worker(
    two_workers: tuple[subprocess.Popen[str], str],
) -> None:
    """Each worker listens on its own SO_REUSEPORT socket: connections are spread by
    the kernel, not all handed to the worker that happens to be waiting."""
    server, url = two_workers
    workers = _workers(server.pid)
    assert len(workers) == 2
    for pid in workers:  # both have started (each answers once its socket listens)
        deadline = time.monotonic() + 60
        while _sockets(pid) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    before = {pid: _sockets(pid) for pid in workers}
    clients = [httpx.Client(base_url=url, timeout=10) for _ in range(24)]
    try:
        for client in clients:
            assert client.get("/health").status_code == 200
        after = {pid: _sockets(pid) for pid in workers}
        gained = {pid: after[pid] - before[pid] for pid in workers}
        assert sum(gained.values()) >= 20, gained  # (other sockets may close meanwhile)
        assert min(gained.values()) >= 3, gained  # all 24 on one worker: p = 2^-23
    finally:
        for client in clients:
            client.close()


def test_a_worker_that_dies_is_replaced(two_workers: tuple[subprocess.Popen[str], str]) -> None:
    server, url = two_workers
    victim = _workers(server.pid)[0]
    os.kill(victim, 9)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        workers = _workers(server.pid)
        if len(workers) == 2 and victim not in workers:
            break
        time.sleep(0.3)
    assert len(workers) == 2 and victim not in workers, workers
    for _ in range(20):  # new connections reach both, the replacement included
        assert httpx.get(url + "/health", timeout=30).status_code == 200


def test_workers_refuse_a_port_already_taken(store_env: dict[str, str], tmp_path: Path) -> None:
    import socket

    source = tmp_path / "poi.geojson"
    pyogrio.write_dataframe(poi_frame(), source)
    _cli("import", str(source), "--layer", "poi", env=store_env)

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port),
             "--workers", "2"],
            env=store_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        taken.close()
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
