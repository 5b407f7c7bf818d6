"""The city's working time: which days are working days and when work happens on them.

Case time limits (处置时限) are counted in 工作时 and 工作日, so a deadline depends on the State
Council's yearly holiday notice: public holidays are days off, and some weekend days are working
days (调休 make-up days). That data comes from the ``holidays`` package (its China calendar carries
each year's official arrangement), and a city may override single days from a CSV file, both for
its own arrangements and for a year whose notice the installed package does not know yet.

A year that neither source covers is refused with :class:`CalendarOutOfRange` instead of being
guessed: a Mon-Fri guess would put deadlines on Spring Festival days.

All instants are timezone-aware; the city works in Asia/Shanghai (UTC+8, no DST since 1991), and
every instant returned is expressed in that zone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.china import ChinaStaticHolidays

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Morning and afternoon working periods of a working day: 3.5 h + 4 h = 450 working minutes.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

#: The ``holidays`` package checks its China data against the official notices from 2001 on.
PACKAGE_FIRST_YEAR = 2001

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_ONE_DAY = timedelta(days=1)


class CalendarOutOfRange(ValueError):
    """A date falls in a year whose holiday arrangement neither the package nor overrides know."""


def as_shanghai(instant: datetime) -> datetime:
    """Return ``instant`` in Asia/Shanghai; a naive datetime is refused: its zone is a guess."""
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()} refused: give it a timezone")
    return instant.astimezone(SHANGHAI)


def _package_last_year() -> int:
    """Last year whose official arrangement the installed ``holidays`` release carries.

    The package computes statutory holidays for any year, but make-up working days exist only for
    the years whose State Council notice it has transcribed (its table of substituted days).
    """
    table = getattr(ChinaStaticHolidays, "special_public_holidays", None)
    if not isinstance(table, dict) or not table or not all(isinstance(y, int) for y in table):
        raise RuntimeError(
            "holidays.countries.china.ChinaStaticHolidays.special_public_holidays is not the "
            "year table this module expects; check the installed holidays release"
        )
    return max(table)


@lru_cache(maxsize=1)
def _package_calendar() -> tuple[range, holidays.HolidayBase]:
    years = range(PACKAGE_FIRST_YEAR, _package_last_year() + 1)
    # Populate every year up front: a year's notice can move a working day into the previous
    # December (it did in 2001, 2005, 2006 and 2011), and expand=False keeps the shared object
    # from growing when a caller asks about another year.
    return years, holidays.China(years=years, expand=False)


def read_overrides(path: str | Path) -> dict[date, bool]:
    """Read a ``date,is_workday,note`` CSV; any malformed row raises ValueError naming its line."""
    source = Path(path)
    overrides: dict[date, bool] = {}
    first_line: dict[date, int] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader, [])]
        if header[:2] != ["date", "is_workday"] or header[2:] not in ([], ["note"]):
            raise ValueError(f"{source}:1: header must be 'date,is_workday,note', got {header!r}")
        for row in reader:
            line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) or len(row) < 2:
                raise ValueError(f"{source}:{line}: expected {len(header)} fields, got {len(row)}")
            raw_date, raw_flag = row[0].strip(), row[1].strip().lower()
            try:
                day = date.fromisoformat(raw_date)
            except ValueError:
                raise ValueError(f"{source}:{line}: bad ISO date {raw_date!r}") from None
            if len(raw_date) != 10:
                raise ValueError(f"{source}:{line}: date must be YYYY-MM-DD, got {raw_date!r}")
            if raw_flag in _TRUE:
                flag = True
            elif raw_flag in _FALSE:
                flag = False
            else:
                raise ValueError(
                    f"{source}:{line}: is_workday must be true/false (or 1/0), got {row[1]!r}"
                )
            if day in overrides:
                raise ValueError(f"{source}:{line}: {day} already given on line {first_line[day]}")
            overrides[day] = flag
            first_line[day] = line
    return overrides


def _check_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    checked = tuple((start, end) for start, end in periods)
    if not checked:
        raise ValueError("a working day needs at least one working period")
    previous_end: time | None = None
    for start, end in checked:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods are local wall-clock times: drop the tzinfo")
        if not start < end:
            raise ValueError(f"working period {start}-{end} must end after it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"working period {start}-{end} overlaps or precedes the one before")
        previous_end = end
    return checked


class WorkCalendar:
    """Working days and working periods of one city, in Asia/Shanghai.

    ``override_path`` names an optional ``date,is_workday,note`` CSV whose rows win over the
    package. A year with at least one override row counts as covered: for such a year outside the
    package's range, every day the file does not list follows the plain rule (Monday-Friday work),
    so the file must list all of that year's holidays and make-up working days.

    ``periods`` are the working periods of every working day, in order and not overlapping.
    """

    def __init__(
        self,
        override_path: str | Path | None = None,
        *,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
    ) -> None:
        self._package_years, self._package = _package_calendar()
        self._overrides = read_overrides(override_path) if override_path is not None else {}
        self._override_years = frozenset(day.year for day in self._overrides)
        self._periods = _check_periods(periods)
        self._day_length = sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in self._periods
            ),
            timedelta(),
        )

    @property
    def covered_years(self) -> tuple[int, ...]:
        """The years this calendar answers for, ascending."""
        return tuple(sorted(set(self._package_years) | self._override_years))

    @property
    def periods(self) -> tuple[tuple[time, time], ...]:
        """The working periods of each working day."""
        return self._periods

    @property
    def minutes_per_day(self) -> float:
        """Working minutes in one working day (450 with the default periods)."""
        return self._day_length.total_seconds() / 60

    def is_workday(self, day: date | datetime) -> bool:
        """Whether ``day`` is a working day; an aware datetime is read as its Shanghai date."""
        if isinstance(day, datetime):
            day = as_shanghai(day).date()
        if day in self._overrides:
            return self._overrides[day]
        if day.year in self._package_years:
            return self._package.is_working_day(day)
        if day.year in self._override_years:
            return day.weekday() < 5
        years = self._package_years
        extra = sorted(self._override_years.difference(years))
        raise CalendarOutOfRange(
            f"{day.isoformat()}: the work calendar covers {years[0]}-{years[-1]}"
            + (f" and {extra}" if extra else "")
            + f"; year {day.year} is unknown: list its holidays and make-up working days in the "
            "override CSV, or install a newer holidays release"
        )

    def add_work_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant when ``minutes`` of working time have elapsed since ``start``.

        A start outside working time counts from the next working period's start. A result that
        falls exactly on a period boundary is the end of the earlier period (11:00 + 60 = 12:00).
        """
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        return self._add_work(as_shanghai(start), timedelta(minutes=minutes))

    def add_work_days(self, start: datetime, days: int) -> datetime:
        """The deadline ``days`` working days after ``start``.

        Rule: the instant when ``days`` full working days of working time (``days`` times
        :attr:`minutes_per_day`) have elapsed since ``start``. As every working day has the same
        periods, this is the same working-time offset on the Nth following working day: Monday
        10:00 + 1 is Tuesday 10:00, Friday 15:00 + 2 is Tuesday 15:00. A start outside working
        time counts from the next working period's start, and a deadline on a period boundary is
        the end of the earlier period: Saturday 10:00 + 1 is Monday 17:30 (all of Monday), and a
        start in the lunch break (counted from 13:30) + 1 is 12:00 on the next working day.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        return self._add_work(as_shanghai(start), self._day_length * days)

    def work_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes elapsed from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
        start, end = as_shanghai(a), as_shanghai(b)
        if end <= start:
            return 0
        total = timedelta()
        day = start.date()
        while day <= end.date():
            for period_start, period_end in self._periods_on(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta():
                    total += overlap
            day += _ONE_DAY
        return int(total.total_seconds() // 60)

    def _add_work(self, cursor: datetime, remaining: timedelta) -> datetime:
        # One pass per calendar day: a 20-working-day deadline takes about 30 iterations.
        day = cursor.date()
        while True:
            for period_start, period_end in self._periods_on(day):
                if period_end <= cursor:
                    continue
                begin = max(period_start, cursor)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += _ONE_DAY

    def _periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return
        for start, end in self._periods:
            yield (
                datetime.combine(day, start, tzinfo=SHANGHAI),
                datetime.combine(day, end, tzinfo=SHANGHAI),
            )


__all__ = [
    "DEFAULT_PERIODS",
    "SHANGHAI",
    "CalendarOutOfRange",
    "WorkCalendar",
    "as_shanghai",
    "read_overrides",
]
