"""CRS rules: EPSG axis order on output, and GCJ-02 / BD-09 against a reference."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoplatform import crs

KUNSHAN = (120.981, 31.385)


@pytest.mark.parametrize(
    ("code", "north_first"),
    [(None, False), (4326, True), (4490, True), (3857, False), (4549, True), (4550, True)],
)
def test_axis_order_follows_epsg(code, north_first) -> None:
    assert crs.is_north_first(code) is north_first


def test_from_storage_gauss_kruger_matches_reference() -> None:
    point = np.array([shapely.Point(*KUNSHAN)])
    northing, easting = crs.from_storage(point, 4549)[0].coords[0]
    # domain reference: Kunshan centre -> EPSG:4549 (593 313.3, 3 474 076.4)
    assert easting == pytest.approx(593313.3, abs=0.5)
    assert northing == pytest.approx(3474076.4, abs=0.5)


def test_from_storage_epsg4490_is_lat_lon() -> None:
    lat, lon = crs.from_storage(np.array([shapely.Point(*KUNSHAN)]), 4490)[0].coords[0]
    assert (lon, lat) == pytest.approx(KUNSHAN)


def test_to_storage_round_trip_with_epsg_axis_order() -> None:
    original = np.array([shapely.Point(*KUNSHAN)])
    for code in (4326, 4490, 3857, 4549, 4551):
        back = crs.to_storage(crs.from_storage(original, code), code, axis_as_epsg=True)
        assert back[0].coords[0] == pytest.approx(KUNSHAN, abs=1e-8)


def test_parse_crs_rejects_unknown_forms() -> None:
    assert crs.parse_crs(crs.CRS84) is None
    assert crs.parse_crs("EPSG:4549") == 4549
    for bad in ("EPSG:abc", "http://example.org/4490", "4490", ""):
        with pytest.raises(ValueError):
            crs.parse_crs(bad)


def test_gcj02_matches_cnmaps_reference() -> None:
    from cnmaps import geo as cnmaps_geo

    lon, lat = np.array([120.894, 121.6, 120.25]), np.array([31.98, 31.8, 32.6])
    ours = crs.wgs84_to_gcj02(lon, lat)
    for i in range(len(lon)):
        ref = cnmaps_geo.wgs84_to_gcj02(lon[i], lat[i])
        assert (ours[0][i], ours[1][i]) == pytest.approx(ref, abs=1e-9)


def _metres(lon_a, lat_a, lon_b, lat_b) -> float:
    to_gk = Transformer.from_crs(4490, 4549, always_xy=True)
    xa, ya = to_gk.transform(lon_a, lat_a)
    xb, yb = to_gk.transform(lon_b, lat_b)
    return float(np.hypot(xa - xb, ya - yb))


def test_gcj02_offset_is_about_465_m_at_nantong_and_inverts_to_a_millimetre() -> None:
    lon, lat = np.array([120.894]), np.array([31.98])
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert 400 < _metres(lon[0], lat[0], glon[0], glat[0]) < 560
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    assert _metres(lon[0], lat[0], wlon[0], wlat[0]) < 0.001


def test_bd09_round_trip() -> None:
    lon, lat = np.array([120.894]), np.array([31.98])
    blon, blat = crs.gcj02_to_bd09(lon, lat)
    glon, glat = crs.bd09_to_gcj02(blon, blat)
    assert _metres(lon[0], lat[0], glon[0], glat[0]) < 0.01


@pytest.mark.parametrize(
    ("declared", "position"),
    [
        (crs.CRS84, (120.9, 32.0)),
        (crs.epsg_uri(4326), (32.0, 120.9)),
        (crs.epsg_uri(4490), (32.0, 120.9)),
        (crs.epsg_uri(3857), (13_460_000.0, 3_760_000.0)),
        (crs.epsg_uri(4549), (3_543_000.0, 490_000.0)),
        (crs.epsg_uri(4551), (3_543_000.0, 290_000.0)),
        (crs.GCJ02, (120.9, 32.0)),
        (crs.BD09, (120.9, 32.0)),
    ],
)
def test_one_position_lands_where_the_array_path_puts_it(declared, position) -> None:
    """A case report's scalar path and ``POST /hex/lookup``'s array path agree exactly."""
    from geoplatform.hexapi.lookup import storage_lonlat, storage_position

    expected = storage_lonlat(np.asarray([position], dtype=np.float64), declared)[0]
    assert storage_position(*position, declared) == (float(expected[0]), float(expected[1]))


@pytest.mark.parametrize(
    ("declared", "position"),
    [(crs.epsg_uri(4326), (120.9, 32.0)), (crs.CRS84, (200.0, 32.0)), (crs.epsg_uri(2000), (1, 2))],
)
def test_one_position_is_refused_as_the_array_path_refuses_it(declared, position) -> None:
    from geoplatform.errors import InvalidParameter
    from geoplatform.hexapi.lookup import storage_lonlat, storage_position

    with pytest.raises(InvalidParameter):
        storage_lonlat(np.asarray([position], dtype=np.float64), declared)
    with pytest.raises(InvalidParameter):
        storage_position(*position, declared)


@pytest.mark.parametrize("code", [c for c in crs.PUBLISHED_EPSG if c != crs.STORAGE_EPSG])
def test_shared_transformers_compute_what_proj_chooses(code) -> None:
    """The pipeline-built transformers (cheap for every new thread) give exactly the
    numbers of PROJ's own choice for the two CRSs, both ways."""
    import threading

    lon = np.linspace(118.5, 122.5, 9)
    lat = np.linspace(30.8, 33.2, 9)
    there = Transformer.from_crs(crs.STORAGE_EPSG, code, always_xy=True).transform(lon, lat)
    assert np.array_equal(crs.transformer(crs.STORAGE_EPSG, code).transform(lon, lat), there)
    back = Transformer.from_crs(code, crs.STORAGE_EPSG, always_xy=True).transform(*there)
    seen = []
    worker = threading.Thread(
        target=lambda: seen.append(crs.transformer(code, crs.STORAGE_EPSG).transform(*there))
    )
    worker.start()
    worker.join()
    assert np.array_equal(seen[0], back)
