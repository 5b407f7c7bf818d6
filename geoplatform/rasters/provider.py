"""geoplatform.rasters.provider: pygeoapi's view of a raster, for its collection documents.

pygeoapi lists a coverage collection (``/collections``, HTML and JSON), its
schema and queryables from a provider of type ``coverage``; this one reads
only the file's grid and the registry's band names, written into the generated
configuration. The coverage itself is answered by geoplatform.rasters.router,
mounted before pygeoapi, so ``query`` is never reached through the API.
"""

from __future__ import annotations

from typing import Any

import rasterio
from pygeoapi.provider.base import BaseProvider, ProviderConnectionError, ProviderQueryError


class RasterCoverageProvider(BaseProvider):
    """Grid and bands of a COG, as pygeoapi's coverage providers describe them."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self._bands: list[dict[str, Any]] = list(provider_def.get("bands", []))
        try:
            with rasterio.open(self.data) as dataset:
                west, south, east, north = dataset.bounds
                self._coverage_properties = {
                    "bbox": [west, south, east, north],
                    "bbox_crs": f"http://www.opengis.net/def/crs/EPSG/0/{dataset.crs.to_epsg()}",
                    "width": dataset.width,
                    "height": dataset.height,
                    "resx": dataset.res[0],
                    "resy": dataset.res[1],
                    "num_bands": dataset.count,
                    "dtype": dataset.dtypes[0],
                }
        except rasterio.errors.RasterioError as error:
            raise ProviderConnectionError(f"raster not readable: {error}") from None
        self.num_bands = self._coverage_properties["num_bands"]
        self.get_fields()

    def get_fields(self) -> dict[str, Any]:
        """One numeric field per band, titled from the registry."""
        if not self._fields:
            kind = "integer" if self._coverage_properties["dtype"].startswith("uint") else "number"
            for band in self._bands:
                field: dict[str, Any] = {"title": band["title"], "type": kind}
                if band.get("unit"):
                    field["x-ogc-unit"] = band["unit"]
                self._fields[band["name"]] = field
        return self._fields

    def query(self, **kwargs: Any) -> Any:
        """Not used: geoplatform.rasters.router answers ``/coverage``."""
        raise ProviderQueryError("coverages are answered by geoplatform.rasters.router")
