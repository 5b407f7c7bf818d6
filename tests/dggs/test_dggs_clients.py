"""A real client on a running server: GDAL reads the DGGS GeoJSON encodings."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlencode

import h3.api.basic_int as h3
import httpx
import pytest

from tests.dggs.support import busiest_zone


def _ogr_features(url: str) -> int:
    """Feature count GDAL's GeoJSON driver reports for ``url``."""
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    found = re.search(r"Feature Count: (\d+)", out)
    assert found, out
    return int(found.group(1))


@pytest.mark.client
def test_gdal_reads_zone_query_and_zone_data_geojson(server_url: str, demo_store) -> None:
    zone = busiest_zone(demo_store, "city_case", 8)
    text = h3.int_to_str(zone)
    query = {"parent-zone": text, "zone-level": 10, "compact-zones": "false", "f": "geojson"}
    zones_url = f"{server_url}/collections/city_case/dggs/H3/zones?{urlencode(query)}"
    listed = httpx.get(zones_url, timeout=30).json()
    assert 0 < listed["numberMatched"] == len(listed["features"])
    assert _ogr_features(zones_url) == listed["numberMatched"]

    data = {"zone-depth": "1-2", "f": "geojson"}
    data_url = f"{server_url}/collections/city_case/dggs/H3/zones/{text}/data?{urlencode(data)}"
    sub_zones = len(h3.cell_to_children(zone, 9)) + len(h3.cell_to_children(zone, 10))
    assert _ogr_features(data_url) == sub_zones
