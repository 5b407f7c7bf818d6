"""geoplatform.ingest: import vector files into a layer, atomically."""

from geoplatform.ingest.pipeline import ImportOptions, ImportReport, import_layer

__all__ = ["ImportOptions", "ImportReport", "import_layer"]
