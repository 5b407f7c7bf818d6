"""geoplatform.ogcapi.runtime: the process-wide store that pygeoapi's providers use.

pygeoapi builds a provider object on every request; the store (connections,
catalog) must not be rebuilt each time, so the composition root registers it here
and providers look it up by the key written into the generated configuration.
"""

from __future__ import annotations

import threading

from geoplatform.errors import StoreUnavailable
from geoplatform.store.base import FeatureStore

_stores: dict[str, FeatureStore] = {}
_lock = threading.Lock()


def register_store(key: str, store: FeatureStore) -> None:
    """Make ``store`` available to providers whose ``data`` is ``key``."""
    with _lock:
        _stores[key] = store


def lookup_store(key: str) -> FeatureStore:
    """Return the registered store, or fail as a 503 (never a 500)."""
    try:
        return _stores[key]
    except KeyError:
        raise StoreUnavailable("the feature store is not open") from None
