"""geoplatform.demo.timeline: when synthetic cases are reported.

Inspectors report during working hours on working days, so reports follow office
hours, drop at weekends and public holidays (2026 dates approximate the State
Council schedule), and vary mildly with the season. A few matters are seasonal
themselves (barbecues in summer, snow and ice in winter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ZONE = "Asia/Shanghai"
START = np.datetime64("2025-12-01")
DAYS = 365
NOW = pd.Timestamp("2026-12-01 00:00", tz=ZONE).tz_convert("UTC")
"""The demo's 'now': the end of the 12 reported months, fixed so the output never drifts."""

HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 8, 10, 10, 8, 4, 5, 8, 9, 9, 7, 3, 2, 1.5, 1, 0.5, 0.3]
)
HOLIDAYS = (
    ("2026-01-01", "2026-01-03", 0.5),
    ("2026-02-15", "2026-02-23", 0.3),
    ("2026-04-04", "2026-04-06", 0.6),
    ("2026-05-01", "2026-05-05", 0.5),
    ("2026-06-19", "2026-06-21", 0.6),
    ("2026-09-25", "2026-09-27", 0.6),
    ("2026-10-01", "2026-10-07", 0.5),
)
SEASONAL_MONTHS = {
    "06029": (0.3, 0.3, 0.5, 0.8, 1.5, 2.5, 3.0, 3.0, 2.0, 1.0, 0.5, 0.3),
    "10001": (4.0, 3.0, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.2, 2.0),
    "08004": (0.8, 0.8, 1.5, 1.6, 1.4, 0.8, 0.6, 0.6, 0.9, 1.5, 1.5, 1.0),
    "06020": (1.5, 1.2, 1.0, 0.8, 1.2, 1.4, 0.6, 0.6, 0.8, 1.4, 1.6, 1.5),
    "06021": (0.2, 0.2, 0.6, 1.2, 1.8, 2.0, 2.2, 2.0, 1.5, 0.8, 0.3, 0.2),
}
"""Month multipliers (January first) for matters that depend on the season."""


def day_weights() -> np.ndarray:
    """Relative report volume of each of the 365 days."""
    days = START + np.arange(DAYS)
    index = pd.DatetimeIndex(days)
    weights = 1.0 + 0.12 * np.sin(2.0 * np.pi * (index.day_of_year.to_numpy() - 105) / 365.25)
    weights *= np.where(index.day_of_week.to_numpy() >= 5, 0.55, 1.0)
    for first, last, factor in HOLIDAYS:
        weights[(days >= np.datetime64(first)) & (days <= np.datetime64(last))] *= factor
    return weights


def reported_times(class_codes: np.ndarray, rng: np.random.Generator) -> pd.DatetimeIndex:
    """One UTC report instant per case, drawn with the class's seasonal profile."""
    base = day_weights()
    months = pd.DatetimeIndex(START + np.arange(DAYS)).month.to_numpy() - 1
    day = np.empty(len(class_codes), dtype=np.int64)
    for code in sorted(set(class_codes.tolist())):
        rows = np.flatnonzero(class_codes == code)
        weights = base * np.asarray(SEASONAL_MONTHS.get(code, (1.0,) * 12))[months]
        day[rows] = rng.choice(DAYS, size=len(rows), p=weights / weights.sum())
    hour = rng.choice(24, size=len(class_codes), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, len(class_codes))
    local = pd.DatetimeIndex(START.astype("datetime64[s]") + second.astype("timedelta64[s]"))
    return local.tz_localize(ZONE).tz_convert("UTC")
