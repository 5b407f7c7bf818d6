"""geoplatform.cases: the grid-management case loop."""
