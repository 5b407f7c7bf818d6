"""geoplatform.indicators.cache: computed indicators, kept until the cases change.

A grouping is a pure function of the question and of two things that change
with the cases: the case layer's write counter, and the history of the cases
handled through the API. The second matters on its own: an extension (延期)
moves a case's disposal due time without touching its public feature, and so
changes 按期处置 without a write to the layer. Every action through the API
appends exactly one history row in the transaction that makes its changes, and
history rows are never deleted (a bulk import replaces them together with the
layer), so the number of history rows moves with every such change. Both
numbers are read on every request (cheap counts); a kept answer whose key no
longer matches is unreachable, in every worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from pygeofilter import ast

from geoplatform.indicators.compute import CASE_LAYER, IndicatorRow, case_indicators
from geoplatform.indicators.terms import Dimension
from geoplatform.store.base import FeatureStore, TimeInterval

CACHE_ENTRIES = 64


def cases_version(store: FeatureStore) -> tuple[int, int]:
    """What changes with any input of the indicators: layer writes and history rows."""
    rows = store.fetch_own(f"SELECT count(*) FROM {store.own_table('gp_case_event')}", [])
    return store.data_version(CASE_LAYER), int(rows[0][0])


class IndicatorCache:
    """``case_indicators`` answers, most recently used kept."""

    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self._kept: OrderedDict[tuple[object, ...], list[IndicatorRow]] = OrderedDict()
        self._lock = threading.Lock()

    def rows(
        self,
        by: Dimension,
        *,
        res: int | None = None,
        interval: TimeInterval | None = None,
        filter: ast.Node | None = None,
    ) -> list[IndicatorRow]:
        """The rows of one grouping (see ``case_indicators``), from memory when unchanged."""
        key = (by, res, interval, repr(filter), cases_version(self.store))
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        computed = case_indicators(self.store, by, res=res, interval=interval, filter=filter)
        with self._lock:
            self._kept[key] = computed
            while len(self._kept) > CACHE_ENTRIES:
                self._kept.popitem(last=False)
        return computed
