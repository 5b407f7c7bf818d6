"""geoplatform.demo.registry: Nantong's real division codes and names (NBS 2023).

Read from data/nantong_divisions.csv (see data/NOTICE.md); everything the demo
says about a division's code, name or parent comes from here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
CITY_CODE = "320600"

_COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居民委委会", "居委会", "村委会")


@dataclass(frozen=True)
class Division:
    """One row of the division table."""

    code: str
    level: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class DivisionTable:
    """Divisions by level, each list in code order, and children by parent."""

    counties: tuple[Division, ...]
    streets: tuple[Division, ...]
    communities: tuple[Division, ...]

    def children(self, parent_code: str) -> list[Division]:
        """Streets of a county or communities of a street, in code order."""
        pool = self.streets if len(parent_code) == 6 else self.communities
        return [d for d in pool if d.parent_code == parent_code]

    def county(self, code: str) -> Division:
        """The county with this 6-digit code."""
        return next(d for d in self.counties if d.code == code)


@lru_cache(maxsize=1)
def load_divisions() -> DivisionTable:
    """Parse the CSV once."""
    with (DATA / "nantong_divisions.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            Division(r["code"], r["level"], r["name"], r["parent_code"] or None)
            for r in csv.DictReader(handle)
        ]
    rows.sort(key=lambda d: d.code)

    def level(name: str) -> tuple[Division, ...]:
        return tuple(d for d in rows if d.level == name)

    return DivisionTable(level("county"), level("street"), level("community"))


def street_kind(name: str) -> str:
    """street / town / township / other, from the name's suffix."""
    if name.endswith("街道"):
        return "street"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡"):
        return "township"
    return "other"


def is_urban(community_name: str) -> bool:
    """Residents' committees (社区, 居委会) are urban; village committees are not."""
    return "社区" in community_name or "居委会" in community_name


def community_short_name(name: str) -> str:
    """'东市社区居委会' -> '东市社区', '张家村委会' -> '张家村': the name people use."""
    for suffix in _COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("村") and not stem.endswith("村"):
                return stem + "村"
            return stem
    return name


def street_place_name(name: str) -> str:
    """'金沙街道' -> '金沙', '石港镇' stays: the stem used in facility names."""
    return name[:-2] if name.endswith("街道") and len(name) > 2 else name
