"""geoplatform.codelists: GB/T 47678.5-2026 component classes and matters, read once.

The CSVs in ``data/`` are the single source (see data/NOTICE.md for their origin);
code that needs a class name or major class asks here instead of keeping a copy.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class ClassCode:
    """One row of a class list: a 5-digit code, its major class and its name."""

    code: str
    major_code: str
    major_name: str
    name: str
    legacy_code: str | None
    is_local_extension: bool


def _read(file_name: str) -> tuple[ClassCode, ...]:
    with (DATA / file_name).open(encoding="utf-8", newline="") as handle:
        return tuple(
            ClassCode(
                code=row["code"],
                major_code=row["major_code"],
                major_name=row["major_name"],
                name=row["name"],
                legacy_code=row["legacy_code"] or None,
                is_local_extension=row["is_local_extension"].strip().lower() == "true",
            )
            for row in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def component_classes() -> tuple[ClassCode, ...]:
    """The management-component classes (附录A 表A.1), in code order."""
    return _read("component_classes.csv")


@lru_cache(maxsize=1)
def matter_classes() -> tuple[ClassCode, ...]:
    """The management matters (附录C 表C.1), in code order."""
    return _read("matter_classes.csv")


@lru_cache(maxsize=2)
def codes(kind: str) -> frozenset[str]:
    """Every code of a class list: ``component`` or ``matter``."""
    rows = component_classes() if kind == "component" else matter_classes()
    return frozenset(row.code for row in rows)


__all__ = ["ClassCode", "codes", "component_classes", "matter_classes"]
