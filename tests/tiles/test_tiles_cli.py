"""``geoplatform tiles seed`` and ``tiles clear`` on a private GeoPackage and cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from geoplatform.catalog import LayerCatalog
from geoplatform.cli import cli
from geoplatform.settings import StoreSettings
from geoplatform.store.gpkg import GeoPackageStore
from geoplatform.tiles.cache import TileCache
from geoplatform.tiles.matrixsets import matrix_set
from tests.common import many_cases_frame

BOX = "120.861,31.982,120.913,32.021"


@pytest.fixture
def environment(tmp_path: Path, catalog: LayerCatalog) -> dict[str, str]:
    path = tmp_path / "city.gpkg"
    with GeoPackageStore(path, catalog) as store:
        store.ensure_layers(list(catalog))
        store.replace_all("city_case", many_cases_frame(300))
    return {
        "GEOPLATFORM_STORE__GPKG_PATH": str(path),
        "GEOPLATFORM_TILES__CACHE_DIR": str(tmp_path / "tiles"),
        "GEOPLATFORM_GENERATED_DIR": str(tmp_path / "generated"),
    }


def _cache(environment: dict[str, str]) -> TileCache:
    store = StoreSettings(gpkg_path=Path(environment["GEOPLATFORM_STORE__GPKG_PATH"]))
    return TileCache.for_store(Path(environment["GEOPLATFORM_TILES__CACHE_DIR"]), store)


def test_seed_reports_progress_and_writes_each_tile_once(environment: dict[str, str]) -> None:
    runner = CliRunner()
    arguments = ["tiles", "seed", "--layer", "city_case", "--bbox", BOX, "--zooms", "12-15"]
    result = runner.invoke(cli, arguments, env=environment)
    assert result.exit_code == 0, result.output
    total = len(
        list(
            matrix_set("WebMercatorQuad").tms.tiles(
                *map(float, BOX.split(",")), zooms=range(12, 16)
            )
        )
    )
    assert f"seeding city_case WebMercatorQuad z12-15: {total}/{total}" in result.stderr
    assert f"{total} tiles, {total} written" in result.stdout
    files = [p for p in (_cache(environment).root / "city_case").rglob("*") if p.is_file()]
    assert len(files) == total
    again = runner.invoke(cli, arguments, env=environment)
    assert f"0 written (0 empty), {total} already cached" in again.stdout


def test_seed_refuses_what_has_no_tiles(environment: dict[str, str]) -> None:
    runner = CliRunner()
    for arguments, message in (
        (["--layer", "water_pipe", "--bbox", BOX, "--zooms", "12"], "with tiles"),
        (["--layer", "city_case", "--bbox", "1,2,3", "--zooms", "12"], "bbox"),
        (["--layer", "city_case", "--bbox", BOX, "--zooms", "12-19"], "zooms"),
        (["--layer", "city_case", "--bbox", BOX, "--zooms", "12", "--tms", "Nope"], "Nope"),
    ):
        result = runner.invoke(cli, ["tiles", "seed", *arguments], env=environment)
        assert result.exit_code != 0 and message in str(result.exception or result.output)


def test_clear_drops_the_layer(environment: dict[str, str]) -> None:
    runner = CliRunner()
    seeded = runner.invoke(
        cli,
        [
            "tiles",
            "seed",
            "--layer",
            "city_case",
            "--bbox",
            BOX,
            "--zooms",
            "13",
            "--tms",
            "CGCS2000Quad",
        ],
        env=environment,
    )
    assert seeded.exit_code == 0, seeded.output
    root = _cache(environment).root
    assert any((root / "city_case").rglob("*.mvt"))
    cleared = runner.invoke(cli, ["tiles", "clear", "city_case"], env=environment)
    assert cleared.exit_code == 0, cleared.output
    assert not (root / "city_case").exists()
