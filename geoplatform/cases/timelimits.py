"""Case time limits (处置时限) as data, and the deadlines they give.

Every city sets its limits per class in its own 《立案、处置和结案标准》, so the limits live in a
CSV (``data/time_limits.csv`` is the packaged default; a city passes its own file), not in code.
A row matches a case by kind, class code, stage and urgency, with ``*`` and two-digit major-class
prefixes as fall-backs, so a short file can cover all 403 classes and a city only writes the
exceptions.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from geoplatform.cases.calendar import WorkCalendar, as_shanghai

Kind = Literal["component", "matter"]
Stage = Literal["register", "dispatch", "dispose", "check"]
Urgency = Literal["urgent", "normal"]
Unit = Literal["minute", "work_hour", "work_day", "calendar_hour", "calendar_day"]

KINDS: frozenset[str] = frozenset(get_args(Kind))
STAGES: frozenset[str] = frozenset(get_args(Stage))
URGENCIES: frozenset[str] = frozenset(get_args(Urgency))
UNITS: frozenset[str] = frozenset(get_args(Unit))
COLUMNS = ("kind", "class_code", "stage", "urgency", "limit_value", "limit_unit", "note")

WILDCARD = "*"
_CODE = re.compile(r"\d{5}")
_RULE_CODE = re.compile(r"\d{5}|\d{2}|\*")
# Minutes per unit, to require whole minutes; work_day is counted in whole days instead.
_UNIT_MINUTES = {"minute": 1, "work_hour": 60, "calendar_hour": 60, "calendar_day": 1440}

type Key = tuple[str, str, str, str]


class NoTimeLimit(LookupError):
    """No row of the table matches a case: the table needs a row for it (or a ``*`` default)."""


def _choice(field: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValueError(
            f"unknown {field} {value!r} (expected one of {', '.join(sorted(allowed))})"
        )


@dataclass(frozen=True)
class TimeLimit:
    """One rule: how long a stage may take for the cases it matches.

    ``kind``, ``class_code`` and ``urgency`` may be ``*``; ``class_code`` may also be a two-digit
    major-class prefix. ``value`` is a Decimal so that 1.5 work hours stays exactly 90 minutes.
    """

    kind: str
    class_code: str
    stage: str
    urgency: str
    value: Decimal
    unit: str
    note: str = ""

    def __post_init__(self) -> None:
        _choice("kind", self.kind, KINDS | {WILDCARD})
        if not _RULE_CODE.fullmatch(self.class_code):
            raise ValueError(
                f"bad class_code {self.class_code!r} (expected 5 digits, a 2-digit prefix or *)"
            )
        _choice("stage", self.stage, STAGES)
        _choice("urgency", self.urgency, URGENCIES | {WILDCARD})
        _choice("limit_unit", self.unit, UNITS)
        if not isinstance(self.value, Decimal) or not self.value.is_finite() or self.value <= 0:
            raise ValueError(f"limit_value must be a positive number, got {self.value!r}")
        if self.unit == "work_day":
            if self.value != self.value.to_integral_value():
                raise ValueError(f"work_day limits must be whole days, got {self.value}")
        else:
            minutes = self.value * _UNIT_MINUTES[self.unit]
            if minutes != minutes.to_integral_value():
                raise ValueError(f"{self.value} {self.unit} is not a whole number of minutes")

    @property
    def key(self) -> Key:
        """The columns that identify the rule; a table holds at most one row per key."""
        return (self.kind, self.class_code, self.stage, self.urgency)


def _parse_value(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"limit_value must be a number, got {raw!r}") from None


def _parse(text: str, source: str) -> list[TimeLimit]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = tuple(cell.strip() for cell in next(reader, []))
    if header != COLUMNS:
        raise ValueError(f"{source}:1: header must be {','.join(COLUMNS)}, got {','.join(header)}")
    rows: list[TimeLimit] = []
    seen: dict[Key, int] = {}
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            raise ValueError(f"{source}:{line}: expected {len(COLUMNS)} fields, got {len(row)}")
        kind, code, stage, urgency, raw_value, unit, note = (cell.strip() for cell in row)
        try:
            limit = TimeLimit(kind, code, stage, urgency, _parse_value(raw_value), unit, note)
        except ValueError as error:
            raise ValueError(f"{source}:{line}: {error}") from None
        if limit.key in seen:
            raise ValueError(
                f"{source}:{line}: duplicate rule {','.join(limit.key)} (first on line "
                f"{seen[limit.key]})"
            )
        seen[limit.key] = line
        rows.append(limit)
    return rows


class TimeLimitTable:
    """The rules of one city, looked up by the most specific match."""

    def __init__(self, limits: Iterable[TimeLimit]) -> None:
        self._rules: dict[Key, TimeLimit] = {}
        for limit in limits:
            if limit.key in self._rules:
                raise ValueError(f"duplicate rule {','.join(limit.key)}")
            self._rules[limit.key] = limit

    @classmethod
    def load(cls, path: str | Path | None = None) -> TimeLimitTable:
        """Read and validate a rules CSV; ``None`` reads the packaged defaults.

        Any bad row (unknown unit, stage, kind or urgency, malformed code, non-positive value,
        duplicate key) raises ValueError naming the file and line.
        """
        if path is None:
            resource = resources.files(__package__).joinpath("data", "time_limits.csv")
            return cls(_parse(resource.read_text(encoding="utf-8-sig"), "time_limits.csv"))
        source = Path(path)
        return cls(_parse(source.read_text(encoding="utf-8-sig"), str(source)))

    def __len__(self) -> int:
        return len(self._rules)

    def __iter__(self) -> Iterator[TimeLimit]:
        return iter(self._rules.values())

    def limit(self, kind: str, class_code: str, stage: str, urgency: str) -> TimeLimit:
        """The rule for one case and stage.

        Specificity, strongest first: the class code (exact code, then its two-digit major class,
        then ``*``), then the kind (exact, then ``*``), then the urgency (exact, then ``*``). So a
        rule for code 06010 of any kind beats one for major class 06 of kind ``matter``.
        """
        _choice("kind", kind, KINDS)
        if not _CODE.fullmatch(class_code):
            raise ValueError(f"class_code must be 5 digits, got {class_code!r}")
        _choice("stage", stage, STAGES)
        _choice("urgency", urgency, URGENCIES)
        for code in (class_code, class_code[:2], WILDCARD):
            for rule_kind in (kind, WILDCARD):
                for rule_urgency in (urgency, WILDCARD):
                    found = self._rules.get((rule_kind, code, stage, rule_urgency))
                    if found is not None:
                        return found
        raise NoTimeLimit(
            f"no time limit for {kind} {class_code}, stage {stage}, urgency {urgency}: "
            f"add a matching row (or a '*,*,{stage},*' default) to the time-limit table"
        )


def due_at(calendar: WorkCalendar, limit: TimeLimit, start: datetime) -> datetime:
    """The deadline of a stage that started at ``start`` (aware), in Asia/Shanghai.

    ``minute`` and ``calendar_*`` limits run on the wall clock (the monitoring centre works in
    shifts, and a missing manhole cover is dangerous at night too); ``work_hour`` counts working
    minutes and ``work_day`` working days on ``calendar`` (see WorkCalendar.add_work_days).
    """
    local = as_shanghai(start)
    if limit.unit == "work_day":
        return calendar.add_work_days(local, int(limit.value))
    minutes = int(limit.value * _UNIT_MINUTES[limit.unit])
    if limit.unit == "work_hour":
        return calendar.add_work_minutes(local, minutes)
    return local + timedelta(minutes=minutes)


__all__ = [
    "COLUMNS",
    "KINDS",
    "STAGES",
    "UNITS",
    "URGENCIES",
    "Kind",
    "NoTimeLimit",
    "Stage",
    "TimeLimit",
    "TimeLimitTable",
    "Unit",
    "Urgency",
    "due_at",
]
