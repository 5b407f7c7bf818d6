"""Time-limit table: packaged data, lookup specificity, strict loading and deadlines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from geoplatform.cases.calendar import SHANGHAI, WorkCalendar
from geoplatform.cases.timelimits import (
    COLUMNS,
    STAGES,
    URGENCIES,
    NoTimeLimit,
    TimeLimit,
    TimeLimitTable,
    due_at,
)
from geoplatform.codelists import component_classes, matter_classes

HEADER = ",".join(COLUMNS) + "\n"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def table_from(tmp_path: Path, body: str) -> TimeLimitTable:
    path = tmp_path / "limits.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return TimeLimitTable.load(path)


@pytest.fixture(scope="module")
def packaged() -> TimeLimitTable:
    return TimeLimitTable.load()


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# --- the packaged table --------------------------------------------------------------------------


def test_packaged_rows_parse_and_are_documented(packaged: TimeLimitTable) -> None:
    rows = list(packaged)
    raw_lines = (
        Path(__file__)
        .parents[2]
        .joinpath("geoplatform/cases/data/time_limits.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    assert len(rows) == len([line for line in raw_lines[1:] if line.strip()])
    for row in rows:
        assert row.note == "project default" or "domain.md §5.2" in row.note, row


def test_packaged_codes_exist_in_the_code_lists(packaged: TimeLimitTable) -> None:
    codes = {
        "component": {c.code for c in component_classes()},
        "matter": {c.code for c in matter_classes()},
    }
    for row in packaged:
        if len(row.class_code) != 5:
            continue
        kinds = ("component", "matter") if row.kind == "*" else (row.kind,)
        for kind in kinds:
            assert row.class_code in codes[kind], row


def test_packaged_table_answers_every_class_and_stage(packaged: TimeLimitTable) -> None:
    classes = [("component", c.code) for c in component_classes()]
    classes += [("matter", c.code) for c in matter_classes()]
    for kind, code in classes:
        for stage in STAGES:
            for urgency in URGENCIES:
                assert packaged.limit(kind, code, stage, urgency).value > 0


@pytest.mark.parametrize(
    ("kind", "code", "stage", "urgency", "value", "unit"),
    [
        ("matter", "06010", "register", "normal", 30, "minute"),
        ("matter", "06010", "register", "urgent", 10, "minute"),
        ("component", "01002", "dispatch", "urgent", 10, "minute"),
        ("matter", "06010", "check", "normal", 1, "work_hour"),
        ("matter", "06010", "dispose", "normal", 4, "work_hour"),
        ("matter", "06012", "dispose", "urgent", 2, "work_hour"),
        ("matter", "06001", "dispose", "normal", 20, "work_day"),
        ("matter", "06011", "dispose", "normal", 3, "work_day"),
        ("matter", "06025", "dispose", "normal", 15, "work_day"),
        ("matter", "06013", "dispose", "normal", 5, "work_day"),  # project default
        ("component", "01037", "dispose", "normal", 1, "work_day"),
        ("matter", "01037", "dispose", "normal", 1, "work_day"),
        ("component", "01002", "dispose", "urgent", 2, "calendar_hour"),
        ("matter", "01002", "dispose", "normal", 6, "calendar_hour"),
        ("component", "01013", "dispose", "urgent", 5, "work_day"),  # 消防设施 is no cover
    ],
)
def test_packaged_limits(
    packaged: TimeLimitTable,
    kind: str,
    code: str,
    stage: str,
    urgency: str,
    value: int,
    unit: str,
) -> None:
    limit = packaged.limit(kind, code, stage, urgency)
    assert (limit.value, limit.unit) == (Decimal(value), unit)


# --- lookup specificity ------------------------------------------------------------------------


SPECIFICITY = (
    "*,*,dispose,*,5,work_day,default\n"
    "matter,06,dispose,*,3,work_day,major class of matters\n"
    "*,06,dispose,urgent,2,work_day,major class any kind urgent\n"
    "*,06010,dispose,*,4,work_hour,exact code\n"
    "matter,06010,dispose,urgent,1,work_hour,exact everything\n"
)


@pytest.mark.parametrize(
    ("kind", "code", "urgency", "note"),
    [
        ("matter", "06010", "urgent", "exact everything"),
        ("matter", "06010", "normal", "exact code"),  # exact code beats a kind match
        ("component", "06010", "urgent", "exact code"),  # exact code beats prefix+urgency
        ("matter", "06011", "normal", "major class of matters"),
        ("matter", "06011", "urgent", "major class of matters"),  # kind outranks urgency
        ("component", "06011", "urgent", "major class any kind urgent"),
        ("component", "06011", "normal", "default"),
        ("matter", "07001", "urgent", "default"),
    ],
)
def test_most_specific_row_wins(
    tmp_path: Path, kind: str, code: str, urgency: str, note: str
) -> None:
    table = table_from(tmp_path, SPECIFICITY)
    assert table.limit(kind, code, "dispose", urgency).note == note


def test_no_match_raises(tmp_path: Path) -> None:
    table = table_from(tmp_path, "matter,06,dispose,*,3,work_day,x\n")
    with pytest.raises(NoTimeLimit, match="stage check"):
        table.limit("matter", "06010", "check", "normal")
    with pytest.raises(LookupError):
        table.limit("component", "06010", "dispose", "normal")


def test_bad_query_refused(packaged: TimeLimitTable) -> None:
    with pytest.raises(ValueError, match="kind"):
        packaged.limit("*", "06010", "dispose", "normal")
    with pytest.raises(ValueError, match="class_code"):
        packaged.limit("matter", "06", "dispose", "normal")
    with pytest.raises(ValueError, match="stage"):
        packaged.limit("matter", "06010", "close", "normal")
    with pytest.raises(ValueError, match="urgency"):
        packaged.limit("matter", "06010", "dispose", "*")


# --- strict loading ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("*,*,dispose,*,5,work_day,ok\n*,*,check,*,1,hours,x\n", ":3: unknown limit_unit 'hours'"),
        ("*,*,closing,*,5,work_day,x\n", ":2: unknown stage 'closing'"),
        ("*,0601,dispose,*,5,work_day,x\n", ":2: bad class_code '0601'"),
        ("*,6A010,dispose,*,5,work_day,x\n", ":2: bad class_code"),
        ("event,06010,dispose,*,5,work_day,x\n", ":2: unknown kind 'event'"),
        ("*,06010,dispose,high,5,work_day,x\n", ":2: unknown urgency 'high'"),
        ("*,06010,dispose,*,0,work_day,x\n", ":2: limit_value must be a positive"),
        ("*,06010,dispose,*,-2,work_hour,x\n", ":2: limit_value must be a positive"),
        ("*,06010,dispose,*,abc,work_day,x\n", ":2: limit_value must be a number"),
        ("*,06010,dispose,*,1.5,work_day,x\n", ":2: work_day limits must be whole days"),
        ("*,06010,dispose,*,0.01,work_hour,x\n", ":2: 0.01 work_hour is not a whole number"),
        ("*,06010,dispose,*,5,work_day\n", ":2: expected 7 fields, got 6"),
        (
            "*,06010,dispose,*,5,work_day,a\n\n*,06010,dispose,*,3,work_day,b\n",
            ":4: duplicate rule \\*,06010,dispose,\\* \\(first on line 2\\)",
        ),
    ],
)
def test_bad_rows_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        table_from(tmp_path, body)


def test_bad_header_refused(tmp_path: Path) -> None:
    path = tmp_path / "limits.csv"
    path.write_text("kind,code,stage,urgency,value,unit,note\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":1: header"):
        TimeLimitTable.load(path)


def test_constructed_rows_are_validated_too() -> None:
    with pytest.raises(ValueError, match="limit_unit"):
        TimeLimit("matter", "06010", "dispose", "*", Decimal(1), "fortnight")
    with pytest.raises(ValueError, match="duplicate"):
        TimeLimitTable([TimeLimit("*", "*", "check", "*", Decimal(1), "work_hour")] * 2)


# --- deadlines ---------------------------------------------------------------------------------


def test_due_at_each_unit(cal: WorkCalendar) -> None:
    def limit(value: str, unit: str) -> TimeLimit:
        return TimeLimit("*", "*", "dispose", "*", Decimal(value), unit)

    saturday_night = at(2025, 3, 8, 23, 55)
    assert due_at(cal, limit("10", "minute"), saturday_night) == at(2025, 3, 9, 0, 5)
    assert due_at(cal, limit("2", "calendar_hour"), saturday_night) == at(2025, 3, 9, 1, 55)
    assert due_at(cal, limit("1", "calendar_day"), saturday_night) == at(2025, 3, 9, 23, 55)
    # Friday 16:00 + 4 working hours: 90 minutes on Friday, 150 on Monday from 08:30.
    assert due_at(cal, limit("4", "work_hour"), at(2025, 3, 7, 16, 0)) == at(2025, 3, 10, 11, 0)
    assert due_at(cal, limit("1.5", "work_hour"), at(2025, 3, 10, 11, 0)) == at(2025, 3, 10, 14, 0)
    assert due_at(cal, limit("1", "work_day"), at(2025, 3, 10, 10, 0)) == at(2025, 3, 11, 10, 0)


def test_due_at_from_packaged_rules(packaged: TimeLimitTable, cal: WorkCalendar) -> None:
    # 私搭乱建 registered on the Friday before National Day 2025: 20 working days, counting the
    # make-up Sunday 28 Sep and Saturday 11 Oct and skipping 1-8 Oct.
    demolish = packaged.limit("matter", "06001", "dispose", "normal")
    assert due_at(cal, demolish, at(2025, 9, 26, 10, 0)) == at(2025, 10, 30, 10, 0)
    # A missing manhole cover at night: calendar hours, not working hours.
    cover = packaged.limit("component", "01002", "dispose", "urgent")
    assert due_at(cal, cover, at(2025, 10, 1, 22, 0)) == at(2025, 10, 2, 0, 0)
    check = packaged.limit("matter", "06010", "check", "normal")
    assert due_at(cal, check, at(2025, 3, 10, 11, 30)) == at(2025, 3, 10, 14, 0)


def test_due_at_refuses_naive_start(packaged: TimeLimitTable, cal: WorkCalendar) -> None:
    register = packaged.limit("matter", "06010", "register", "normal")
    with pytest.raises(ValueError, match="naive"):
        due_at(cal, register, datetime(2025, 3, 10, 10, 0))
