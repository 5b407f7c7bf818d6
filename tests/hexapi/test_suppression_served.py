"""Small counts of a sensitive layer stay unpublished on every hexagon route of a real server.

The registry is copied with the case layer marked sensitive (``hexbin.min_count: 3``),
a store is filled with known cases, and a ``geoplatform serve`` process answers: the
DGGS zone query and zone data, ``/hex`` and the hexbin collection must all hide
counts below 3, where the expected counts come from h3-py on the same points.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator

import h3
import httpx
import pytest

from geoplatform.catalog import load_catalog
from geoplatform.settings import PROJECT_ROOT
from geoplatform.store.gpkg import GeoPackageStore
from tests.common import many_cases_frame
from tests.conftest import start_server

THRESHOLD = 3


@pytest.fixture(scope="module")
def sensitive_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Counter]]:
    root = tmp_path_factory.mktemp("sensitive")
    layers = root / "layers"
    shutil.copytree(PROJECT_ROOT / "layers", layers)
    cases = layers / "city_case.yml"
    text = cases.read_text(encoding="utf-8")
    assert "hexbin:\n  resolutions:" in text
    cases.write_text(
        text.replace("hexbin:\n", f"hexbin:\n  min_count: {THRESHOLD}\n", 1), encoding="utf-8"
    )
    catalog = load_catalog(layers)
    assert catalog.get("city_case").hexbin.min_count == THRESHOLD
    frame = many_cases_frame(3000)
    with GeoPackageStore(root / "city.gpkg", catalog) as store:
        store.ensure_layers(list(catalog))
        store.replace_all("city_case", frame)
    expected = Counter(
        h3.cell_to_parent(h3.latlng_to_cell(p.y, p.x, 12), 9) for p in frame.geometry
    )
    env = {
        **os.environ,
        "GEOPLATFORM_LAYERS_DIR": str(layers),
        "GEOPLATFORM_STORE__BACKEND": "gpkg",
        "GEOPLATFORM_STORE__GPKG_PATH": str(root / "city.gpkg"),
        "GEOPLATFORM_GENERATED_DIR": str(root / "generated"),
    }
    process, url = start_server(env, root / "server.log")
    try:
        yield url, expected
    finally:
        process.terminate()
        process.wait(timeout=20)


def published(n: int) -> int | None:
    return n if n >= THRESHOLD else None


def test_the_fixture_has_both_kinds_of_zone(sensitive_server) -> None:
    _, expected = sensitive_server
    assert any(n < THRESHOLD for n in expected.values())
    assert any(n >= THRESHOLD for n in expected.values())


def test_hexbin_collection_hides_small_counts(sensitive_server) -> None:
    url, expected = sensitive_server
    page = httpx.get(
        f"{url}/collections/city_case_hex9/items", params={"limit": 10000}, timeout=30
    ).json()
    seen = {f["properties"]["zone_id"]: f["properties"] for f in page["features"]}
    assert {z: p["count"] for z, p in seen.items()} == {
        z: published(n) for z, n in expected.items()
    }
    for zone, properties in seen.items():
        if expected[zone] < THRESHOLD:
            assert all(properties[m] is None for m in ("open", "closed", "closed_late"))


def numbers(value: object) -> list[int]:
    """Every integer inside a JSON value (counts, measures, breakdowns)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return []


def test_hex_route_hides_small_counts(sensitive_server) -> None:
    url, expected = sensitive_server
    small = sorted(z for z, n in expected.items() if n < THRESHOLD)[:5]
    large = sorted(z for z, n in expected.items() if n >= THRESHOLD)[:5]
    for zone in small + large:
        cases = httpx.get(f"{url}/hex/{zone}", timeout=30).json()["counts"]["city_case"]
        assert cases["count"] == published(expected[zone]), zone
        # no count, measure or breakdown value of the sensitive layer lies in 1..2
        assert all(n == 0 or n >= THRESHOLD for n in numbers(cases)), cases


def test_dggs_zone_data_hides_small_counts(sensitive_server) -> None:
    url, expected = sensitive_server
    parents = Counter(h3.cell_to_parent(z, 8) for z in expected)
    parent = max(parents, key=parents.get)
    body = httpx.get(
        f"{url}/collections/city_case/dggs/H3/zones/{parent}/data",
        params={"zone-depth": "1", "f": "geojson"},
        timeout=30,
    ).json()
    seen = {f["properties"].get("zoneID") or f["id"]: f["properties"] for f in body["features"]}
    assert set(seen) == set(h3.cell_to_children(parent, 9))
    for zone, properties in seen.items():
        assert properties["count"] == (published(expected[zone]) if zone in expected else 0)


def test_dggs_zone_query_lists_no_zone_whose_count_is_hidden(sensitive_server) -> None:
    url, expected = sensitive_server
    body = httpx.get(
        f"{url}/collections/city_case/dggs/H3/zones",
        params={"zone-level": "9", "compact-zones": "false", "limit": "10000"},
        timeout=30,
    ).json()
    assert set(body["zones"]) == {z for z, n in expected.items() if n >= THRESHOLD}


def test_dggs_breakdowns_hide_small_counts(sensitive_server) -> None:
    url, expected = sensitive_server
    parents = Counter(h3.cell_to_parent(z, 8) for z in expected)
    for parent in sorted(parents, key=parents.get, reverse=True)[:3]:
        body = httpx.get(
            f"{url}/collections/city_case/dggs/H3/zones/{parent}/data",
            params={
                "zone-depth": "1",
                "f": "geojson",
                "properties": "count,open,count_by_status,count_by_class_code",
            },
            timeout=30,
        )
        assert body.status_code == 200, body.text
        for feature in body.json()["features"]:
            counted = {
                k: v for k, v in feature["properties"].items() if k not in ("level", "depth")
            }
            values = numbers(counted)
            assert all(n == 0 or n >= THRESHOLD for n in values), feature["properties"]
