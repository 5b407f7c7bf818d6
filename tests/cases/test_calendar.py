"""WorkCalendar: official holidays and make-up days, working periods, overrides and range checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from geoplatform.cases.calendar import SHANGHAI, CalendarOutOfRange, WorkCalendar


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --- which days are working days -------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 4),  # Sunday, Spring Festival make-up
        date(2024, 10, 12),  # Saturday, National Day make-up
        date(2025, 1, 26),  # Sunday, Spring Festival make-up
        date(2025, 2, 8),  # Saturday, Spring Festival make-up
        date(2025, 4, 27),  # Sunday, Labour Day make-up
        date(2025, 9, 28),  # Sunday, National Day make-up
        date(2025, 10, 11),  # Saturday, National Day make-up
        date(2026, 1, 4),  # Sunday, New Year make-up
        date(2026, 2, 14),  # Saturday, Spring Festival make-up
        date(2026, 2, 28),  # Saturday, Spring Festival make-up
        date(2026, 5, 9),  # Saturday, Labour Day make-up
        date(2026, 9, 20),  # Sunday, National Day make-up
        date(2026, 10, 10),  # Saturday, National Day make-up
    ],
)
def test_make_up_weekend_days_are_workdays(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_workday(day)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 1, 1), date(2025, 1, 1)),
        (date(2025, 1, 28), date(2025, 2, 4)),  # Spring Festival, 8 days
        (date(2025, 5, 1), date(2025, 5, 5)),
        (date(2025, 10, 1), date(2025, 10, 8)),  # National Day + Mid-Autumn
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival, 9 days
        (date(2026, 4, 4), date(2026, 4, 6)),  # Qingming (Sunday 5th, Monday off)
        (date(2026, 5, 1), date(2026, 5, 5)),
        (date(2026, 6, 19), date(2026, 6, 21)),
        (date(2026, 9, 25), date(2026, 9, 27)),
        (date(2026, 10, 1), date(2026, 10, 7)),
    ],
)
def test_public_holidays_are_days_off(cal: WorkCalendar, first: date, last: date) -> None:
    assert [d for d in days(first, last) if cal.is_workday(d)] == []


def test_plain_weekdays_and_weekends(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 3, 10))  # Monday
    assert not cal.is_workday(date(2025, 3, 8))  # Saturday
    assert not cal.is_workday(date(2025, 10, 12))  # Sunday after the make-up Saturday
    assert cal.is_workday(date(2025, 10, 9))  # first day back after National Day
    assert cal.is_workday(date(2026, 10, 8))  # 2026: Mid-Autumn is separate, so the 8th is worked


def test_aware_datetime_is_read_as_its_shanghai_date(cal: WorkCalendar) -> None:
    # 2025-09-30 17:00 UTC is 2025-10-01 01:00 in Shanghai: National Day.
    assert not cal.is_workday(datetime(2025, 9, 30, 17, 0, tzinfo=UTC))
    assert cal.is_workday(datetime(2025, 9, 30, 15, 0, tzinfo=UTC))


def test_covered_years_and_out_of_range(cal: WorkCalendar) -> None:
    covered = cal.covered_years
    assert covered[0] == 2001
    assert {2024, 2025, 2026} <= set(covered)
    assert list(covered) == list(range(covered[0], covered[-1] + 1))
    assert issubclass(CalendarOutOfRange, ValueError)
    with pytest.raises(CalendarOutOfRange, match=str(covered[-1] + 1)):
        cal.is_workday(date(covered[-1] + 1, 3, 1))
    with pytest.raises(CalendarOutOfRange):
        cal.is_workday(date(1999, 6, 1))
    with pytest.raises(CalendarOutOfRange):
        cal.add_work_days(at(covered[-1], 12, 31, 10), 10)


# --- adding working time -----------------------------------------------------------------------


def test_minutes_across_lunch(cal: WorkCalendar) -> None:
    assert cal.add_work_minutes(at(2025, 3, 10, 11, 50), 30) == at(2025, 3, 10, 13, 50)
    assert cal.add_work_minutes(at(2025, 3, 10, 11, 0), 60) == at(2025, 3, 10, 12, 0)
    assert cal.add_work_minutes(at(2025, 3, 10, 12, 30), 30) == at(2025, 3, 10, 14, 0)


def test_start_outside_working_time_begins_at_next_period(cal: WorkCalendar) -> None:
    assert cal.add_work_minutes(at(2025, 3, 10, 7, 0), 30) == at(2025, 3, 10, 9, 0)
    # Friday evening -> Monday morning.
    assert cal.add_work_minutes(at(2025, 3, 7, 18, 0), 30) == at(2025, 3, 10, 9, 0)
    assert cal.add_work_minutes(at(2025, 3, 8, 10, 0), 0) == at(2025, 3, 10, 8, 30)


def test_start_on_saturday_make_up_day(cal: WorkCalendar) -> None:
    saturday = at(2025, 2, 8, 9, 0)
    assert cal.add_work_minutes(saturday, 60) == at(2025, 2, 8, 10, 0)
    # The next working day after the make-up Saturday is Monday.
    assert cal.add_work_days(saturday, 1) == at(2025, 2, 10, 9, 0)
    # Sunday make-up day, spilling into Monday.
    assert cal.add_work_minutes(at(2025, 1, 26, 16, 30), 120) == at(2025, 1, 27, 9, 30)


def test_work_days_rule(cal: WorkCalendar) -> None:
    assert cal.add_work_days(at(2025, 3, 10, 10, 0), 1) == at(2025, 3, 11, 10, 0)
    assert cal.add_work_days(at(2025, 3, 7, 15, 0), 2) == at(2025, 3, 11, 15, 0)
    # Ordinary Saturday: one working day is all of Monday.
    assert cal.add_work_days(at(2025, 3, 15, 10, 0), 1) == at(2025, 3, 17, 17, 30)
    # Lunch break counts from 13:30; the deadline lands on the end of the morning.
    assert cal.add_work_days(at(2025, 3, 10, 12, 30), 1) == at(2025, 3, 11, 12, 0)
    assert cal.add_work_days(at(2025, 3, 10, 10, 0), 0) == at(2025, 3, 10, 10, 0)


def test_due_over_2025_national_day_week(cal: WorkCalendar) -> None:
    # Working days after Tue 30 Sep: Oct 9, 10, 11 (Saturday make-up), 13, 14.
    assert cal.add_work_days(at(2025, 9, 30, 10, 0), 5) == at(2025, 10, 14, 10, 0)
    # Four working hours from 16:00 on the last day before the holiday.
    assert cal.add_work_minutes(at(2025, 9, 30, 16, 0), 240) == at(2025, 10, 9, 11, 0)
    assert cal.add_work_days(at(2025, 9, 28, 16, 0), 1) == at(2025, 9, 29, 16, 0)


def test_results_are_in_shanghai_whatever_the_input_zone(cal: WorkCalendar) -> None:
    start = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = cal.add_work_minutes(start, 30)
    assert due == at(2025, 3, 10, 9, 30)
    assert due.utcoffset() == timedelta(hours=8)


def test_twenty_work_days_loop_by_day() -> None:
    calls: list[date] = []

    class Counting(WorkCalendar):
        def is_workday(self, day: date | datetime) -> bool:
            calls.append(day)  # type: ignore[arg-type]
            return super().is_workday(day)

    due = Counting().add_work_days(at(2025, 9, 26, 10, 0), 20)
    assert due == at(2025, 10, 30, 10, 0)
    assert len(calls) <= 40


# --- elapsed working time ----------------------------------------------------------------------


def test_work_minutes_between(cal: WorkCalendar) -> None:
    # Friday 16:00 -> Monday 09:00: 90 minutes on Friday, 30 on Monday.
    assert cal.work_minutes_between(at(2025, 3, 7, 16, 0), at(2025, 3, 10, 9, 0)) == 120
    # 11:00 -> 14:00 skips the lunch break.
    assert cal.work_minutes_between(at(2025, 3, 10, 11, 0), at(2025, 3, 10, 14, 0)) == 90
    assert cal.work_minutes_between(at(2025, 9, 30, 17, 0), at(2025, 10, 9, 9, 0)) == 60
    assert cal.work_minutes_between(at(2025, 3, 10, 14, 0), at(2025, 3, 10, 11, 0)) == 0
    assert cal.work_minutes_between(at(2025, 3, 10, 10, 0), at(2025, 3, 17, 10, 0)) == 5 * 450


@pytest.mark.parametrize("minutes", [1, 29, 210, 211, 450, 451, 2000, 9000])
def test_elapsed_inverts_add(cal: WorkCalendar, minutes: int) -> None:
    start = at(2025, 9, 29, 10, 17)
    assert cal.work_minutes_between(start, cal.add_work_minutes(start, minutes)) == minutes


# --- configuration and refusals ----------------------------------------------------------------


def test_default_and_custom_periods() -> None:
    assert WorkCalendar().minutes_per_day == 450
    custom = WorkCalendar(periods=[(time(9, 0), time(12, 0)), (time(14, 0), time(18, 0))])
    assert custom.minutes_per_day == 420
    assert custom.add_work_minutes(at(2025, 3, 10, 11, 50), 30) == at(2025, 3, 10, 14, 20)
    with pytest.raises(ValueError, match="overlaps"):
        WorkCalendar(periods=[(time(9, 0), time(12, 0)), (time(11, 0), time(13, 0))])
    with pytest.raises(ValueError, match="end after"):
        WorkCalendar(periods=[(time(12, 0), time(9, 0))])
    with pytest.raises(ValueError):
        WorkCalendar(periods=[])


def test_naive_datetimes_refused(cal: WorkCalendar) -> None:
    naive = datetime(2025, 3, 10, 10, 0)
    with pytest.raises(ValueError, match="naive"):
        cal.add_work_minutes(naive, 30)
    with pytest.raises(ValueError, match="naive"):
        cal.add_work_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.work_minutes_between(naive, at(2025, 3, 11))
    with pytest.raises(ValueError, match="naive"):
        cal.is_workday(naive)


def test_negative_amounts_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_work_minutes(at(2025, 3, 10, 10), -1)
    with pytest.raises(ValueError):
        cal.add_work_days(at(2025, 3, 10, 10), -1)


# --- overrides -----------------------------------------------------------------------------------


def test_override_changes_days_and_deadlines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "date,is_workday,note\n"
        "2025-03-10,false,city sports day\n"
        "2025-03-08,true,city make-up day\n",
    )
    cal = WorkCalendar(path)
    assert not cal.is_workday(date(2025, 3, 10))
    assert cal.is_workday(date(2025, 3, 8))
    assert cal.is_workday(date(2025, 3, 11))  # the package still answers for other days
    assert cal.add_work_days(at(2025, 3, 7, 10, 0), 1) == at(2025, 3, 8, 10, 0)
    assert cal.add_work_days(at(2025, 3, 8, 10, 0), 1) == at(2025, 3, 11, 10, 0)


def test_override_extends_covered_years(tmp_path: Path) -> None:
    year = WorkCalendar().covered_years[-1] + 1
    saturday = next(d for d in days(date(year, 2, 1), date(year, 2, 7)) if d.weekday() == 5)
    path = write(
        tmp_path,
        "\ufeffdate,is_workday,note\n"  # a BOM as written by spreadsheet programs
        f"{year}-01-01,false,New Year\n"
        f"{saturday.isoformat()},1,make-up Saturday\n",
    )
    cal = WorkCalendar(path)
    assert cal.covered_years[-1] == year
    assert not cal.is_workday(date(year, 1, 1))
    assert cal.is_workday(saturday)
    # Unlisted days of an override-only year follow Monday-Friday.
    monday = next(d for d in days(date(year, 3, 1), date(year, 3, 7)) if d.weekday() == 0)
    assert cal.is_workday(monday)
    assert not cal.is_workday(monday - timedelta(days=1))
    with pytest.raises(CalendarOutOfRange):
        cal.is_workday(date(year + 1, 3, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,is_workday,note\n2025-03-10,false,ok\n2025-13-01,true,bad\n", ":3: bad ISO date"),
        ("date,is_workday,note\n20250310,false,compact\n", ":2: date must be YYYY-MM-DD"),
        ("date,is_workday,note\n2025-03-10,maybe,x\n", ":2: is_workday"),
        (
            "date,is_workday,note\n2025-03-10,false,a\n\n2025-03-10,true,b\n",
            ":4: 2025-03-10 already given on line 2",
        ),
        ("date,is_workday,note\n2025-03-10,false,a,extra\n", ":2: expected 3 fields"),
        ("day,workday\n2025-03-10,false\n", ":1: header"),
    ],
)
def test_bad_override_rows_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(write(tmp_path, text))
