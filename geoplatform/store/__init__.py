"""geoplatform.store: the feature store contract and its backends."""

from __future__ import annotations

from geoplatform.catalog import LayerCatalog
from geoplatform.errors import StoreUnavailable
from geoplatform.settings import StoreSettings
from geoplatform.store.base import (
    FeaturePage,
    FeatureQuery,
    FeatureRecord,
    FeatureStore,
    LayerExtent,
    SortKey,
    TimeInterval,
    WriteReport,
)


def open_store(
    settings: StoreSettings, catalog: LayerCatalog, *, check_version: bool = True
) -> FeatureStore:
    """Open the configured backend: the embedded GeoPackage or PostGIS.

    ``check_version=False`` opens an older store so that it can be migrated.
    """
    if settings.backend == "postgis":
        from geoplatform.store.postgis import PostGISStore

        if not settings.postgis_dsn:
            raise StoreUnavailable("GEOPLATFORM_STORE__POSTGIS_DSN is not set")
        return PostGISStore(
            settings.postgis_dsn,
            catalog,
            schema=settings.postgis_schema,
            statement_timeout=settings.statement_timeout_s,
            parallel_workers=settings.postgis_parallel_workers,
            check_version=check_version,
        )
    from geoplatform.store.gpkg import GeoPackageStore

    return GeoPackageStore(
        settings.gpkg_path,
        catalog,
        statement_timeout=settings.statement_timeout_s,
        check_version=check_version,
    )


__all__ = [
    "FeaturePage",
    "FeatureQuery",
    "FeatureRecord",
    "FeatureStore",
    "LayerExtent",
    "SortKey",
    "TimeInterval",
    "WriteReport",
    "open_store",
]
