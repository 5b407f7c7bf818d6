"""geoplatform.rasters.tilecache: raster map tiles drawn once, then read from disk.

A raster changes only when its file is replaced, so a tile is keyed by the
file's size and modification time: replacing the file starts a new folder (the
old one is removed when the first tile of the new file is kept), and no write
through the store ever touches these tiles. Layout under the tile cache folder::

    <cache_dir>/rasters/<raster id>/<size>-<mtime ns>/<tms>/<z>/<x>/<y>.<png|webp>

A tile with no data is kept as an empty file (answered 204). Paths are built
only from registry identifiers, served tile matrix set ids and integers already
checked against the tile matrix; a file is written to ``_tmp`` and renamed into
place, so a reader sees a whole tile or none, in any worker.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import morecantile

from geoplatform.rasters.sources import RasterSource
from geoplatform.tiles.matrixsets import MatrixSet, matrix_sets

LOGGER = logging.getLogger("geoplatform.rasters")


class RasterTileCache:
    """Map tiles of the served rasters, kept as files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root / "rasters"
        self._tmp = self.root / "_tmp"

    def tile(
        self,
        source: RasterSource,
        matrix_set: MatrixSet,
        tile: morecantile.Tile,
        image_format: str,
        draw: Callable[[], bytes],
    ) -> bytes:
        """The kept tile, or ``draw()``'s bytes, kept for the next request."""
        path = self._path(source, matrix_set, tile, image_format)
        if path is None:  # the raster's file is gone: draw (the read will say why)
            return draw()
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        body = draw()
        try:
            self._keep(source, path, body)
        except OSError:  # a full disk costs speed, never an answer
            LOGGER.warning("raster tile not kept: %s", path, exc_info=True)
        return body

    def _path(
        self, source: RasterSource, matrix_set: MatrixSet, tile: morecantile.Tile, image_format: str
    ) -> Path | None:
        if matrix_sets().get(matrix_set.id) is not matrix_set or image_format not in (
            "png",
            "webp",
        ):
            raise ValueError(f"not a served tile matrix set or format: {matrix_set.id[:64]!r}")
        try:
            status = source.path.stat()
        except FileNotFoundError:
            return None
        version = f"{status.st_size:x}-{status.st_mtime_ns:x}"
        x, y, z = int(tile.x), int(tile.y), int(tile.z)
        return (
            self.root
            / source.id
            / version
            / matrix_set.id
            / str(z)
            / str(x)
            / f"{y}.{image_format}"
        )

    def _keep(self, source: RasterSource, path: Path, body: bytes) -> None:
        version_dir = self.root / source.id / path.relative_to(self.root / source.id).parts[0]
        if not version_dir.exists():
            self._drop_other_versions(source.id, version_dir.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        temporary = self._tmp / uuid.uuid4().hex
        try:
            temporary.write_bytes(body)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    def _drop_other_versions(self, raster_id: str, current: str) -> None:
        """Tiles of a replaced file are never read again: remove them."""
        folder = self.root / raster_id
        if not folder.is_dir():
            return
        for entry in folder.iterdir():
            if entry.name != current:
                shutil.rmtree(entry, ignore_errors=True)
