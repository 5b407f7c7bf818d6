"""A real client: GDAL's MVT driver reads a tile served by the running server."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from geoplatform.store.base import FeatureQuery, FeatureStore
from tests.tiles.support import decode, tile_of

pytestmark = pytest.mark.client


@pytest.mark.parametrize("layer", ["component", "unit_grid"])
def test_ogrinfo_reads_a_served_tile(
    server_url: str, demo_store: FeatureStore, tmp_path: Path, layer: str
) -> None:
    first = demo_store.query(layer, FeatureQuery(limit=1, with_count=False)).features[0]
    point = first.geometry.representative_point()
    tile = tile_of("WebMercatorQuad", point.x, point.y, 14)
    url = f"{server_url}/collections/{layer}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200
    expected = len(decode(response.content)[layer]["features"])
    target = tmp_path / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    target.parent.mkdir(parents=True)
    target.write_bytes(response.content)
    summary = subprocess.run(
        ["/usr/bin/ogrinfo", "-ro", "-al", "-so", str(target)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Layer name: {layer}" in summary
    counts = re.findall(r"Feature Count: (\d+)", summary)
    assert counts == [str(expected)], summary
