"""The ``h3_cell`` queryable: OGC API - Features filters that select by H3 cell."""

from __future__ import annotations

import h3
import pytest

from geoplatform.store.base import FeatureQuery


@pytest.fixture(scope="module")
def components(demo_store) -> list:
    records = demo_store.query(
        "component", FeatureQuery(limit=1_000_000, with_count=False)
    ).features
    for record in records:
        record.cell = h3.latlng_to_cell(record.geometry.y, record.geometry.x, 12)
    return records


def fine_cell(record) -> str:
    return record.cell


@pytest.mark.parametrize("res", [7, 9, 12])
def test_h3_cell_selects_the_features_of_a_zone(client, components, res: int) -> None:
    zone = h3.cell_to_parent(fine_cell(components[1234]), res)
    expected = {r.fid for r in components if h3.cell_to_parent(fine_cell(r), res) == zone}
    body = client.get(
        "/collections/component/items", params={"filter": f"h3_cell = '{zone}'", "limit": 10000}
    ).json()
    assert {f["id"] for f in body["features"]} == expected
    assert body["numberMatched"] == len(expected) > 0


def test_h3_cell_in_a_list_and_negated(client, components) -> None:
    zones = sorted({h3.cell_to_parent(fine_cell(r), 8) for r in components[:3000]})[:3]
    inside = sum(1 for r in components if h3.cell_to_parent(fine_cell(r), 8) in zones)
    listed = ", ".join(f"'{z}'" for z in zones)
    body = client.get(
        "/collections/component/items", params={"filter": f"h3_cell IN ({listed})", "limit": 1}
    ).json()
    assert body["numberMatched"] == inside > 0
    negated = client.get(
        "/collections/component/items",
        params={"filter": f"h3_cell <> '{zones[0]}' AND class_code = '01001'", "limit": 1},
    ).json()
    expected = sum(
        1
        for r in components
        if r.properties["class_code"] == "01001" and h3.cell_to_parent(fine_cell(r), 8) != zones[0]
    )
    assert negated["numberMatched"] == expected


def test_h3_cell_is_listed_as_a_queryable(client) -> None:
    properties = client.get(
        "/collections/city_case/queryables", headers={"Accept": "application/json"}
    ).json()["properties"]
    assert properties["h3_cell"]["type"] == "string"


@pytest.mark.parametrize(
    "condition",
    [
        "h3_cell = '8C309D5722D9DFF'",
        "h3_cell = '8d309d5722d9dbf'",
        "h3_cell > '88309d1ad1fffff'",
        "h3_cell = 42",
    ],
)
def test_bad_h3_conditions_are_400(client, condition: str) -> None:
    response = client.get("/collections/component/items", params={"filter": condition})
    assert response.status_code == 400, response.text
    assert response.json()["code"].startswith("Invalid")
