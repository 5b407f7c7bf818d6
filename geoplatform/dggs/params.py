"""geoplatform.dggs.params: strict grammars for the DGGS query parameters.

An unknown or repeated parameter is refused rather than ignored: a misspelt
``zone_level`` silently falling back to the default would answer a different
question than the one asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pygeofilter.ast import Node

from geoplatform.catalog import LayerDefinition
from geoplatform.dggs.vocabulary import LIMIT_DEFAULT, LIMIT_MAX
from geoplatform.errors import InvalidParameter, QueryTooComplex
from geoplatform.hexgrid import parse_cell, resolution
from geoplatform.ogcapi import params as grammar
from geoplatform.ogcapi.filters import parse_filter
from geoplatform.web.edge import MAX_FILTER_BYTES, MAX_FILTER_DEPTH

_LEVEL = re.compile(r"[0-9]{1,2}")
_DEPTH_RANGE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_DEPTH_LIST = re.compile(r"[0-9]{1,2}(?:,[0-9]{1,2})+")
_REPEATABLE = frozenset({"subset"})


class QueryValues:
    """A request's query parameters, each allowed here and given once (``subset`` may repeat)."""

    def __init__(self, pairs: Iterable[tuple[str, str]], allowed: frozenset[str]) -> None:
        self.pairs: list[tuple[str, str]] = []
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            if key not in allowed:
                raise InvalidParameter(f"unknown query parameter '{key[:64]}'", parameter=key[:64])
            if key in self._values and key not in _REPEATABLE:
                raise InvalidParameter(f"{key}: given more than once", parameter=key)
            self._values.setdefault(key, []).append(value)
            self.pairs.append((key, value))

    def get(self, name: str) -> str | None:
        """The value of a single-valued parameter, or None when absent."""
        values = self._values.get(name)
        return values[0] if values else None

    def every(self, name: str) -> list[str]:
        """All values of a repeatable parameter, in request order."""
        return list(self._values.get(name, ()))

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def replaced(self, **changes: str | None) -> list[tuple[str, str]]:
        """The request's pairs with some parameters set (or dropped when None), for links."""
        names = {key.replace("_", "-"): value for key, value in changes.items()}
        kept = [(k, v) for k, v in self.pairs if k not in names]
        return kept + [(k, v) for k, v in names.items() if v is not None]


def parse_level(text: str, high: int, name: str = "zone-level") -> int:
    """A zone level from 0 to ``high`` (the origin's finest level)."""
    if not _LEVEL.fullmatch(text) or int(text) > high:
        raise InvalidParameter(f"{name}: expected an integer from 0 to {high}", parameter=name)
    return int(text)


def parse_zone(text: str, name: str) -> int:
    """A zone id given as a parameter (``parent-zone``): the canonical H3 spelling only."""
    return parse_cell(text, parameter=name)


def parse_boolean(text: str, name: str) -> bool:
    """``true`` or ``false``, nothing else."""
    if text not in ("true", "false"):
        raise InvalidParameter(f"{name}: expected true or false", parameter=name)
    return text == "true"


def parse_limit(text: str | None) -> int:
    """Zones a page may hold: 1000 by default; above 10 000 means 10 000 (not an error)."""
    if text is None:
        return LIMIT_DEFAULT
    return min(grammar.parse_uint(text, "limit", minimum=1), LIMIT_MAX)


def parse_offset(text: str | None) -> int:
    """Zones skipped before the page starts (the ``next`` links carry it)."""
    return 0 if text is None else grammar.parse_uint(text, "offset")


def parse_zone_depth(text: str) -> tuple[int, ...]:
    """Relative depths: ``2``, a range ``1-3`` or a list of at least two ``0,2`` (ascending)."""
    if _LEVEL.fullmatch(text):
        return (int(text),)
    found = _DEPTH_RANGE.fullmatch(text)
    if found:
        low, high = int(found.group(1)), int(found.group(2))
        if low > high:
            raise InvalidParameter("zone-depth: range starts above its end", parameter="zone-depth")
        return tuple(range(low, high + 1))
    if _DEPTH_LIST.fullmatch(text):
        return tuple(sorted({int(part) for part in text.split(",")}))
    raise InvalidParameter(
        "zone-depth: expected a depth (2), a range (1-3) or a list (0,2)", parameter="zone-depth"
    )


def parse_names(text: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of names, in request order, without repeats."""
    names = tuple(dict.fromkeys(part for part in text.split(",")))
    if not names or any(not part for part in names):
        raise InvalidParameter(f"{name}: expected a comma-separated list", parameter=name)
    return names


def parse_filter_values(values: QueryValues, layer: LayerDefinition | None) -> Node | None:
    """The CQL2 text filter of a collection request, within the R5 size and nesting budget."""
    language = values.get("filter-lang")
    if language is not None and language != "cql2-text":
        raise InvalidParameter("filter-lang: only cql2-text is supported", parameter="filter-lang")
    text = values.get("filter")
    if text is None:
        return None
    if layer is None:
        raise InvalidParameter(
            "filter: only the DGGS resources of a collection can be filtered", parameter="filter"
        )
    if len(text.encode()) > MAX_FILTER_BYTES:
        raise QueryTooComplex(f"filter longer than {MAX_FILTER_BYTES} bytes", parameter="filter")
    if grammar.nesting_depth(text) > MAX_FILTER_DEPTH:
        raise QueryTooComplex(f"filter nests deeper than {MAX_FILTER_DEPTH}", parameter="filter")
    return parse_filter(text)


def check_parent_level(parent: int, level: int) -> None:
    """A parent zone must be at the listed level or coarser to have sub-zones there."""
    if resolution(parent) > level:
        raise InvalidParameter(
            f"parent-zone is finer than zone-level {level}", parameter="parent-zone"
        )
