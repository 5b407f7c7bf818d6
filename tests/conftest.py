"""Shared fixtures: settings on temporary paths, the demo city built once, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from geoplatform.catalog import LayerCatalog, load_catalog
from geoplatform.settings import (
    PROJECT_ROOT,
    MediaSettings,
    ServerSettings,
    Settings,
    StoreSettings,
    TileSettings,
)
from geoplatform.store import open_store
from geoplatform.store.base import FeatureStore
from geoplatform.store.gpkg import GeoPackageStore

LAYERS_DIR = PROJECT_ROOT / "layers"
STORE_BACKENDS = ["gpkg", "postgis"]
TEST_BACKEND = os.environ.get("GEOPLATFORM_TEST_BACKEND", "gpkg")


@pytest.fixture(scope="session")
def catalog() -> LayerCatalog:
    """The project's real layer registry."""
    return load_catalog(LAYERS_DIR)


@pytest.fixture(scope="session")
def postgis_dsn() -> str:
    """DSN of the project's PostgreSQL/PostGIS cluster, started on demand (never skipped)."""
    dsn = os.environ.get("GEOPLATFORM_TEST_POSTGIS_DSN")
    if dsn:
        return dsn
    started = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "postgres")], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise RuntimeError(f"cannot start PostgreSQL: {started.stderr[-2000:]}")
    return started.stdout.strip().splitlines()[-1]


def app_role_dsn(owner_dsn: str) -> str:
    """The same database, as the application role (rows only, no DDL)."""
    return owner_dsn.replace("geoplatform_owner@", "geoplatform_app@")


def drop_schema(dsn: str, schema: str) -> None:
    """Remove a test schema and everything in it."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=STORE_BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, catalog: LayerCatalog
) -> Iterator[FeatureStore]:
    """An empty store, once per backend: the contract tests run unchanged on each."""
    if request.param == "gpkg":
        with GeoPackageStore(tmp_path / "contract.gpkg", catalog) as opened:
            opened.ensure_layers(list(catalog))
            yield opened
        return
    from geoplatform.store.postgis import PostGISStore

    dsn = request.getfixturevalue("postgis_dsn")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        with PostGISStore(dsn, catalog, schema=schema, pool_size=2) as opened:
            opened.ensure_layers(list(catalog))
            yield opened
    finally:
        drop_schema(dsn, schema)


@pytest.fixture(scope="session")
def demo_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings whose store holds the demo city, built once per test session.

    ``GEOPLATFORM_TEST_BACKEND=postgis`` runs the API, client and demo tests on the
    PostGIS store instead of the GeoPackage (the test command runs both).
    """
    from geoplatform.app import open_catalog_and_store
    from geoplatform.demo.build import build_demo_city

    directory = tmp_path_factory.mktemp("demo")
    store_settings = StoreSettings(gpkg_path=directory / "nantong.gpkg")
    schema = None
    if TEST_BACKEND == "postgis":
        schema = f"demo_{uuid.uuid4().hex[:12]}"
        store_settings = StoreSettings(
            backend="postgis",
            postgis_dsn=request.getfixturevalue("postgis_dsn"),
            postgis_schema=schema,
        )
    settings = Settings(
        store=store_settings,
        generated_dir=directory / "generated",
        server=ServerSettings(port=free_port()),
        media=MediaSettings(media_dir=directory / "media"),
        tiles=TileSettings(cache_dir=directory / "tiles"),
        rasters_dir=directory / "rasters",
    )
    _, store = open_catalog_and_store(settings)
    with store:
        build_demo_city(store, rasters_dir=settings.rasters_dir)
    if schema is not None:  # the server reads and writes as the least-privileged role
        app_dsn = app_role_dsn(str(store_settings.postgis_dsn))
        settings = settings.model_copy(
            update={"store": store_settings.model_copy(update={"postgis_dsn": app_dsn})}
        )
    yield settings
    if schema is not None:
        drop_schema(str(store_settings.postgis_dsn), schema)


@pytest.fixture(scope="session")
def demo_store(demo_settings: Settings, catalog: LayerCatalog) -> Iterator[FeatureStore]:
    """Read access to the demo city."""
    with open_store(demo_settings.store, catalog) as opened:
        yield opened


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running server and the file its request log goes to."""

    url: str
    log: Path

    def requests_since(self, mark: int) -> list[str]:
        """Request lines logged after byte offset ``mark`` of the log."""
        with self.log.open("rb") as handle:
            handle.seek(mark)
            text = handle.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if '"GET ' in line]


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``geoplatform serve`` on a free port with ``env``, once its /health answers."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "geoplatform.cli", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.fixture(scope="session")
def server_url(live_server: LiveServer) -> str:
    """Base URL of the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def live_server(
    demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real ``geoplatform serve`` process on the demo city, for the external clients."""
    generated = tmp_path_factory.mktemp("server-generated")
    env = {
        **os.environ,
        "GEOPLATFORM_STORE__GPKG_PATH": str(demo_settings.store.gpkg_path),
        "GEOPLATFORM_STORE__BACKEND": demo_settings.store.backend,
        "GEOPLATFORM_STORE__POSTGIS_DSN": demo_settings.store.postgis_dsn or "",
        "GEOPLATFORM_STORE__POSTGIS_SCHEMA": demo_settings.store.postgis_schema,
        "GEOPLATFORM_GENERATED_DIR": str(generated),
        "GEOPLATFORM_MEDIA__MEDIA_DIR": str(demo_settings.media.media_dir),
        "GEOPLATFORM_TILES__CACHE_DIR": str(demo_settings.tiles.cache_dir),
        "GEOPLATFORM_RASTERS_DIR": str(demo_settings.rasters_dir),
        "GEOPLATFORM_SERVER__ACCESS_LOG": "true",
    }
    process, url = start_server(env, generated / "server.log")
    yield LiveServer(url, generated / "server.log")
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def client(demo_settings: Settings) -> Iterator[TestClient]:
    """In-process client on the app built by the real factory (one pygeoapi per session)."""
    from geoplatform.app import create_app

    with TestClient(create_app(demo_settings), base_url=demo_settings.server.base_url()) as c:
        yield c


# One case-loop server per session, for tests/cases and tests/indicators alike.
from tests.case_loop import loop  # noqa: E402, F401
