"""A raster that is not public does not exist on any route, as for vector layers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from geoplatform.settings import PROJECT_ROOT, Settings
from tests.case_loop import server_env
from tests.conftest import start_server
from tests.rasters.support import CITY, tile_url

SECRET = "survey_dem"


@pytest.fixture(scope="module")
def guarded(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose registry adds a restricted raster over the demo's elevation file."""
    directory = tmp_path_factory.mktemp("restricted-raster")
    layers = directory / "layers"
    layers.mkdir()
    for path in (PROJECT_ROOT / "layers").glob("*.yml"):
        shutil.copy(path, layers / path.name)
    text = (layers / "dem.yml").read_text(encoding="utf-8")
    text = text.replace("id: dem\n", f"id: {SECRET}\n").replace(
        "access: public", "access: restricted"
    )
    (layers / f"{SECRET}.yml").write_text(text, encoding="utf-8")
    env = server_env(demo_settings, directory) | {"GEOPLATFORM_LAYERS_DIR": str(layers)}
    (directory / "generated").mkdir()
    process, url = start_server(env, directory / "generated" / "server.log")
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_a_restricted_raster_is_invisible_everywhere(guarded: str) -> None:
    listing = httpx.get(guarded + "/collections", headers={"Accept": "application/json"}).json()
    ids = {c["id"] for c in listing["collections"]}
    assert "dem" in ids and SECRET not in ids
    assert SECRET not in httpx.get(guarded + "/collections", headers={"Accept": "text/html"}).text
    assert (
        SECRET not in httpx.get(guarded + "/openapi", headers={"Accept": "application/json"}).text
    )
    for path in (
        f"/collections/{SECRET}",
        f"/collections/{SECRET}/coverage",
        f"/collections/{SECRET}/coverage?f=png",
        f"/collections/{SECRET}/coverage/domainset",
        f"/collections/{SECRET}/map/tiles",
        f"/collections/{SECRET}/map/tiles/WebMercatorQuad",
        tile_url(SECRET, "WebMercatorQuad", *CITY, 10),
        f"/collections/{SECRET}/schema",
    ):
        response = httpx.get(guarded + path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "NotFound"
    public = httpx.get(guarded + tile_url("dem", "WebMercatorQuad", *CITY, 10))
    assert public.status_code == 200
