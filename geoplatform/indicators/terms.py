"""geoplatform.indicators.terms: what each indicator and each grouping means, in zh and en.

One table serves the computation's column order, the API's ``definitions``, the
OGC collections' attribute titles and the README, so a published number and
its published definition cannot drift apart. The formulas follow domain.md
§5.3 (结案率 = 结案数 / 应结案数, 按期结案率 = 按期结案数 / 应结案数).

The disposal and rework measures (``managed_closed``, ``disposed``,
``disposed_on_time``, ``reworked`` and their rates) come only from cases
managed through the API: they rest on the history rows the API writes when a
department feeds back a disposal (``feedback``) and when a case is closed
(``close``). The demo's 60 000 synthetic cases have no such history, so there
these counts are 0 and their rates null, never a false 0 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geoplatform.cases.lifecycle import STATUS_LABELS, State
from geoplatform.catalog.models import LocalizedText

UNREGISTERED_STATES = (State.reported, State.verifying, State.rejected, State.cancelled)
"""States of a case that was never registered (立案): not due to be closed."""
UNREGISTERED_LABELS = tuple(STATUS_LABELS[s] for s in UNREGISTERED_STATES)
CLOSED_LABEL = STATUS_LABELS[State.closed]


@dataclass(frozen=True)
class Indicator:
    """One published measure: a count, or a rate of two counts."""

    name: str
    title: LocalizedText
    definition: LocalizedText
    managed_only: bool = False
    """Computed from the cases managed through the API only (they alone have a history)."""
    ratio: tuple[str, str] | None = None
    """(numerator, denominator) of a rate; None for a count."""

    @property
    def is_rate(self) -> bool:
        """True for a rate (a number from 0 to 1, null when the denominator is 0)."""
        return self.ratio is not None


def _t(zh: str, en: str) -> LocalizedText:
    return LocalizedText(zh=zh, en=en)


_REGISTERED_ZH = "窗口内上报、已立案的案件（状态不为 " + "、".join(UNREGISTERED_LABELS) + "）"
_REGISTERED_EN = (
    "cases reported in the window that were registered (status not "
    + ", ".join(UNREGISTERED_LABELS)
    + ")"
)
MANAGED_NOTE = _t(
    "纳管类指标（managedOnly）仅统计经 API 办理的案件：处置以处置反馈（feedback）历史为准，"
    "返工与其分母以经 API 结案（close）的历史为准。合成演示案件没有这些历史，因此这些计数为 0、"
    "比率为空。",
    "Indicators marked managedOnly count only cases managed through the API: disposal rests "
    "on the disposal feedback history (feedback), rework and its denominator on closure "
    "through the API (close). The synthetic demo cases have no such history, so there these "
    "counts are 0 and their rates null.",
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "cases_due",
        _t("应结案数", "Cases due to be closed"),
        _t(_REGISTERED_ZH + "。", _REGISTERED_EN.capitalize() + "."),
    ),
    Indicator(
        "cases_closed",
        _t("结案数", "Cases closed"),
        _t(
            f"应结案案件中状态为{CLOSED_LABEL}的案件。",
            f"Due cases whose status is {CLOSED_LABEL}.",
        ),
    ),
    Indicator(
        "closed_on_time",
        _t("按期结案数", "Cases closed on time"),
        _t(
            "结案案件中 on_time = true（处置反馈不晚于处置时限）的案件。",
            "Closed cases with on_time = true (disposal fed back within its time limit).",
        ),
    ),
    Indicator(
        "closed_late",
        _t("超期结案数", "Cases closed late"),
        _t("结案案件中 on_time = false 的案件。", "Closed cases with on_time = false."),
    ),
    Indicator(
        "cases_open",
        _t("未结案数", "Cases not yet closed"),
        _t("应结案数 − 结案数。", "Cases due minus cases closed."),
    ),
    Indicator(
        "closure_rate",
        _t("结案率", "Closure rate"),
        _t(
            "结案数 / 应结案数；应结案数为 0 时为空。",
            "Cases closed / cases due; null when none due.",
        ),
        ratio=("cases_closed", "cases_due"),
    ),
    Indicator(
        "on_time_closure_rate",
        _t("按期结案率", "On-time closure rate"),
        _t(
            "按期结案数 / 应结案数；应结案数为 0 时为空。",
            "Cases closed on time / cases due; null when none due.",
        ),
        ratio=("closed_on_time", "cases_due"),
    ),
    Indicator(
        "managed_closed",
        _t("纳管结案数", "Cases closed through the API"),
        _t(
            "结案案件中经 API 结案（有 close 历史）的案件。",
            "Closed cases that were closed through the API (with a close history row).",
        ),
        managed_only=True,
    ),
    Indicator(
        "disposed",
        _t("处置数", "Cases disposed"),
        _t(
            "应结案案件中至少有一次经 API 处置反馈（feedback 历史）的案件。",
            "Due cases with at least one disposal feedback through the API (feedback history).",
        ),
        managed_only=True,
    ),
    Indicator(
        "disposed_on_time",
        _t("按期处置数", "Cases disposed on time"),
        _t(
            "处置案件中最后一次处置反馈时间不晚于当前处置时限（due_dispose，含延期与返工重计）的案件。",
            "Disposed cases whose last feedback came at or before the disposal due time "
            "(due_dispose, as moved by extensions and rework).",
        ),
        managed_only=True,
    ),
    Indicator(
        "on_time_disposal_rate",
        _t("按期处置率", "On-time disposal rate"),
        _t(
            "按期处置数 / 处置数；处置数为 0 时为空。",
            "Disposed on time / disposed; null when none.",
        ),
        managed_only=True,
        ratio=("disposed_on_time", "disposed"),
    ),
    Indicator(
        "reworked",
        _t("返工数", "Cases reworked"),
        _t(
            "纳管结案案件中曾核查不通过（返工，rework_count > 0）的案件。",
            "Cases closed through the API that failed a check at least once (rework_count > 0).",
        ),
        managed_only=True,
    ),
    Indicator(
        "rework_rate",
        _t("返工率", "Rework rate"),
        _t(
            "返工数 / 纳管结案数；纳管结案数为 0 时为空。",
            "Cases reworked / cases closed through the API; null when none.",
        ),
        managed_only=True,
        ratio=("reworked", "managed_closed"),
    ),
)
"""Every indicator, in the order rows and features list them."""

COUNTS = tuple(i.name for i in INDICATORS if not i.is_rate and i.name != "cases_open")
"""The counts computed in the database, in the order its rows carry them."""
BY_NAME = {i.name: i for i in INDICATORS}


class Dimension(StrEnum):
    """What the cases are grouped by."""

    county = "county"
    street = "street"
    community = "community"
    unit = "unit"
    department = "department"
    h3 = "h3"
    period = "period"


DIMENSION_TITLES: dict[Dimension, LocalizedText] = {
    Dimension.county: _t("县级行政区（county_code）", "County-level division (county_code)"),
    Dimension.street: _t("街道（乡镇）（street_code）", "Street or town (street_code)"),
    Dimension.community: _t(
        "社区（村）（community_code）", "Community or village (community_code)"
    ),
    Dimension.unit: _t("单元网格（unit_code）", "Unit grid (unit_code)"),
    Dimension.department: _t(
        "责任部门（gp_case.responsible_org，有案卷记录且已派遣的案件）",
        "Responsible department (gp_case.responsible_org; cases with a case record, dispatched)",
    ),
    Dimension.h3: _t(
        "H3 六边形（res = 7..10，案件 H3 索引的父格）",
        "H3 hexagon (res = 7..10, parent of the case's H3 index cell)",
    ),
    Dimension.period: _t("上报月份（YYYY-MM，UTC）", "Month reported (YYYY-MM, UTC)"),
}
