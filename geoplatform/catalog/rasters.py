"""geoplatform.catalog.rasters: raster layers (elevation, imagery) in the same registry.

A raster is declared by a ``layers/<id>.yml`` file with ``kind: raster``, beside
the vector layers, so that one registry decides what exists and who may see it:
a raster that is not ``public`` is invisible on every route, exactly as a vector
layer. Its pixels live in a Cloud-Optimized GeoTIFF named by ``file`` inside the
configured rasters folder (``GEOPLATFORM_RASTERS_DIR``), not in the feature store.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from geoplatform.catalog.models import (
    IDENTIFIER_PATTERN,
    Access,
    Department,
    Frozen,
    LocalizedText,
    Provenance,
)

FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.tif$"
"""A plain file name inside the rasters folder: no separators, so no way out of it."""


class Band(Frozen):
    """One band of the raster, as the coverage's range type describes it."""

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    title: LocalizedText
    unit: str | None = None
    """UCUM symbol of the values (``m`` for elevations); None for plain colour values."""


class RenderMode(StrEnum):
    """How map tiles draw the raster."""

    elevation = "elevation"
    """One band through a colour ramp, shaded by a hillshade."""
    rgb = "rgb"
    """Three 8-bit bands drawn as they are."""


class Rendering(Frozen):
    """What map tiles and PNG coverages look like; the GeoTIFF always carries the values."""

    mode: RenderMode
    colormap: str = "terrain"
    """A rio-tiler colour map name (elevation only)."""
    range: tuple[float, float] | None = None
    """Values mapped onto the two ends of the colour ramp (elevation only)."""
    hillshade_exaggeration: float = Field(default=0.0, ge=0.0, le=1000.0)
    """Vertical exaggeration of the hillshade; 0 draws the colour ramp alone."""

    @model_validator(mode="after")
    def _check(self) -> Rendering:
        if self.mode is RenderMode.elevation:
            if self.range is None or not self.range[0] < self.range[1]:
                raise ValueError("an elevation rendering needs a range [low, high] with low < high")
            from rio_tiler.colormap import cmap

            if self.colormap not in cmap.list():
                raise ValueError(f"unknown colour map {self.colormap!r}")
        return self


class RasterDefinition(Frozen):
    """One published raster: the single source for its metadata, access and rendering."""

    id: str = Field(pattern=IDENTIFIER_PATTERN)
    kind: Literal["raster"]
    title: LocalizedText
    description: LocalizedText
    file: str = Field(pattern=FILE_PATTERN)
    bands: tuple[Band, ...] = Field(min_length=1)
    render: Rendering
    access: Access
    owner: Department
    keywords: tuple[str, ...] = ()
    licence: str = Field(min_length=1)
    provenance: Provenance

    @model_validator(mode="after")
    def _check_bands(self) -> RasterDefinition:
        names = [band.name for band in self.bands]
        if len(set(names)) != len(names):
            raise ValueError("band names must be unique")
        if self.render.mode is RenderMode.rgb and len(self.bands) != 3:
            raise ValueError("an rgb rendering needs exactly three bands")
        if self.render.mode is RenderMode.elevation and len(self.bands) != 1:
            raise ValueError("an elevation rendering needs exactly one band")
        return self

    @property
    def is_public(self) -> bool:
        """True when anyone may read the raster."""
        return self.access is Access.public
