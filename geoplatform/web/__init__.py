"""geoplatform.web: the HTTP edge (validation, errors, additions to pygeoapi's routes)."""
