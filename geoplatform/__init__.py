"""geoplatform: spatial base database, OGC API, H3 link and grid management for cities."""

__version__ = "0.1.0"
