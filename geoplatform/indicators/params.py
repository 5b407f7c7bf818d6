"""geoplatform.indicators.params: the strict grammar of ``GET /indicators/cases``.

Every value is matched against an explicit grammar before the store sees it;
unknown or repeated parameters are refused, so a misspelt ``datetime`` never
silently widens the window an evaluation is made over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pygeofilter import ast

from geoplatform.errors import InvalidParameter, QueryTooComplex
from geoplatform.indicators.compute import check_resolution
from geoplatform.indicators.terms import INDICATORS, Dimension
from geoplatform.ogcapi import params as grammar
from geoplatform.ogcapi.filters import parse_filter
from geoplatform.store.base import SortKey, TimeInterval
from geoplatform.web.edge import MAX_FILTER_BYTES, MAX_FILTER_DEPTH
from geoplatform.web.query import single_values

PARAMETERS = frozenset(
    {"by", "res", "datetime", "filter", "filter-lang", "limit", "offset", "sortby", "f"}
)
DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
SORT_NAMES = frozenset({"key", "name", *(i.name for i in INDICATORS)})
_SMALL_UINT = re.compile(r"^[0-9]{1,2}$")


@dataclass(frozen=True)
class IndicatorQuery:
    """A checked ``/indicators/cases`` request."""

    by: Dimension
    res: int | None
    datetime: str | None
    interval: TimeInterval | None
    filter_text: str | None
    filter: ast.Node | None
    limit: int
    offset: int
    sortby: tuple[SortKey, ...]


def parse_indicator_query(pairs: Iterable[tuple[str, str]]) -> IndicatorQuery:
    """Check the query parameters; raise the first fault as a 400."""
    values = single_values(pairs, PARAMETERS)
    if values.get("f", "json") != "json":
        raise InvalidParameter("f: only json is offered", parameter="f")
    if "by" not in values:
        raise InvalidParameter(
            "by: required, one of " + ", ".join(d.value for d in Dimension), parameter="by"
        )
    try:
        by = Dimension(values["by"])
    except ValueError:
        raise InvalidParameter(
            "by: expected one of " + ", ".join(d.value for d in Dimension), parameter="by"
        ) from None
    res = None
    if "res" in values:
        if not _SMALL_UINT.fullmatch(values["res"]):
            raise InvalidParameter("res: expected an integer from 7 to 10", parameter="res")
        res = int(values["res"])
    res = check_resolution(by, res)
    text = values.get("datetime")
    limit = grammar.parse_uint(values.get("limit", str(DEFAULT_LIMIT)), "limit", minimum=1)
    if limit > MAX_LIMIT:
        raise InvalidParameter(f"limit: at most {MAX_LIMIT}", parameter="limit")
    return IndicatorQuery(
        by=by,
        res=res,
        datetime=text,
        interval=None if text is None else grammar.parse_datetime(text),
        filter_text=values.get("filter"),
        filter=_filter(values),
        limit=limit,
        offset=grammar.parse_uint(values.get("offset", "0"), "offset"),
        sortby=_sortby(values.get("sortby")),
    )


def _filter(values: dict[str, str]) -> ast.Node | None:
    """A CQL2 text condition on the case properties (choosing which cases are counted)."""
    if values.get("filter-lang", "cql2-text") != "cql2-text":
        raise InvalidParameter("filter-lang: expected cql2-text", parameter="filter-lang")
    text = values.get("filter")
    if text is None:
        return None
    if len(text.encode()) > MAX_FILTER_BYTES:
        raise QueryTooComplex(f"filter longer than {MAX_FILTER_BYTES} bytes", parameter="filter")
    if grammar.nesting_depth(text) > MAX_FILTER_DEPTH:
        raise QueryTooComplex(f"filter nests deeper than {MAX_FILTER_DEPTH}", parameter="filter")
    return parse_filter(text)


def _sortby(text: str | None) -> tuple[SortKey, ...]:
    """``sortby=-closure_rate,key``: row fields, ``-`` for descending (default: by key)."""
    if text is None:
        return ()
    keys = []
    for term in text.split(","):
        name = term[1:] if term[:1] in ("+", "-", " ") else term  # "+" arrives as a space
        if name not in SORT_NAMES:
            raise InvalidParameter(
                "sortby: expected key, name or an indicator name", parameter="sortby"
            )
        keys.append(SortKey(name, not term.startswith("-")))
    return tuple(keys)
