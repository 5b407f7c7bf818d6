"""Small counts on a sensitive layer are never published: hexbins, DGGS zones and /hex alike."""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType

import h3

from geoplatform.catalog import LayerCatalog
from geoplatform.hexapi.service import HexService
from geoplatform.hexbins.definitions import hexbin_layers
from geoplatform.hexbins.store import HexbinStore
from geoplatform.store.base import FeatureQuery, HexCountQuery
from geoplatform.store.gpkg import GeoPackageStore
from tests.common import many_cases_frame

THRESHOLD = 3


def sensitive(catalog: LayerCatalog) -> LayerCatalog:
    """The registry with city cases marked sensitive (counts below 3 suppressed)."""
    cases = catalog.get("city_case")
    hexbin = cases.hexbin.model_copy(update={"min_count": THRESHOLD})
    layers = dict(catalog.layers)
    layers["city_case"] = cases.model_copy(update={"hexbin": hexbin})
    return LayerCatalog(MappingProxyType(layers))


def test_counts_below_the_threshold_are_null_everywhere(tmp_path, catalog) -> None:
    registry = sensitive(catalog)
    frame = many_cases_frame(3000)
    expected = Counter(
        h3.cell_to_parent(h3.latlng_to_cell(p.y, p.x, 12), 9) for p in frame.geometry
    )
    with GeoPackageStore(tmp_path / "sensitive.gpkg", registry) as store:
        store.ensure_layers(list(registry))
        store.replace_all("city_case", frame)
        service = HexService(registry, store)
        rows, _ = service.counts("city_case", HexCountQuery(res=9))
        published = {h3.int_to_str(r.cell): r.count for r in rows}
        assert published == {zone: (n if n >= THRESHOLD else None) for zone, n in expected.items()}
        assert any(n is None for n in published.values())
        assert any(n is not None for n in published.values())
        for row in rows:
            if row.count is None:
                assert all(value is None for value in row.measures.values())
        reading = HexbinStore(store, hexbin_layers(registry), service)
        page = reading.query("city_case_hex9", FeatureQuery(limit=10_000))
        shown = {r.properties["zone_id"]: r.properties["count"] for r in page.features}
        assert shown == published
        from pygeofilter.parsers.cql2_text import parse

        positive = reading.query(
            "city_case_hex9", FeatureQuery(filter=parse("count >= 1"), limit=10_000)
        )
        assert {r.properties["zone_id"] for r in positive.features} == {
            zone for zone, n in expected.items() if n >= THRESHOLD
        }
