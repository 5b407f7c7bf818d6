"""geoplatform.features.etag: one strong validator per feature state.

The tag is the SHA-256 of the feature's canonical GeoJSON text (CRS84, as the
store builds it), so it changes exactly when a property or the geometry does,
whichever representation (CRS, links) a client fetched it in.
"""

from __future__ import annotations

import hashlib

from geoplatform.store.base import FeatureStore


def etag_of(canonical: bytes) -> str:
    """The strong ETag of a feature's canonical GeoJSON text."""
    return '"' + hashlib.sha256(canonical).hexdigest()[:32] + '"'


def current_etag(store: FeatureStore, layer_id: str, fid: int) -> str | None:
    """The ETag of a stored feature, None when it does not exist."""
    canonical = store.item_geojson(layer_id, fid, None)
    return None if canonical is None else etag_of(canonical)
