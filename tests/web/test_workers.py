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


@pytest.fixture
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a fresh store of the backend under test."""
    env = {
        **os.environ,
        "GEOPLATFORM_STORE__GPKG_PATH": str(tmp_path / "city.gpkg"),
        "GEOPLATFORM_GENERATED_DIR": str(tmp_path / "generated"),
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


def test_two_workers_serve_and_see_an_import(tmp_path: Path, store_env: dict[str, str]) -> None:
    env = store_env
    source = tmp_path / "poi.geojson"
    pyogrio.write_dataframe(poi_frame(), source)
    _cli("import", str(source), "--layer", "poi", env=env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/collections/poi/items?limit=1"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        # a new connection per request, so the kernel spreads them over both workers
        counts = {httpx.get(url, timeout=10).json()["numberMatched"] for _ in range(40)}
        assert counts == {5}
        pyogrio.write_dataframe(poi_frame().iloc[:3], source)
        _cli("import", str(source), "--layer", "poi", env=env)
        counts = {httpx.get(url, timeout=10).json()["numberMatched"] for _ in range(40)}
        assert counts == {3}
    finally:
        server.terminate()
        server.wait(timeout=20)
