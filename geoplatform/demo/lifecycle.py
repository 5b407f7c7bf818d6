"""geoplatform.demo.lifecycle: where each synthetic case stands at the demo's 'now'.

Each case gets a time limit by class (calendar hours standing in for the city's
working-hour limits) and a disposal time drawn so that about 80 % beat it. A
case whose disposal would end after 'now' is still open, at a stage matching how
far it has got; a few are cancelled, and a few old ones are stuck (挂账).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoplatform.demo.timeline import NOW

CANCELLED = {"已作废": 0.5, "不予立案": 0.5}
STUCK = {"处置中": 0.5, "已派遣": 0.2, "待核查": 0.3}
STAGES = (
    (0.05, "已上报"),
    (0.15, "已立案"),
    (0.35, "已派遣"),
    (0.85, "处置中"),
    (np.inf, "待核查"),
)
"""Open cases: the stage reached once this fraction of the disposal time has passed."""
CLOSED = "已结案"
P_CANCELLED = 0.03
P_STUCK = 0.04
OLD_AFTER = pd.Timedelta(days=10)

LIMIT_HOURS = {
    **dict.fromkeys(("06010", "06012", "06014", "06042", "10001"), 12.0),
    **dict.fromkeys(("07001", "07002", "09001", "09005", "09006", "09009", "09010", "09011"), 24.0),
    **dict.fromkeys(("06001", "06002", "06003", "08016"), 480.0),
}
"""Time limits of the classes whose limits differ from their major class's default."""
MAJOR_LIMIT_HOURS = {"08": 120.0}
DEFAULT_LIMIT_HOURS = 72.0
MANHOLE_LIMIT_HOURS = 24.0


@dataclass(frozen=True)
class Outcome:
    """Status, closing instant (NaT when open) and on-time flag (None when not closed)."""

    status: np.ndarray
    closed_at: pd.DatetimeIndex
    on_time: np.ndarray


def limit_hours(class_code: str) -> float:
    """Disposal time limit of a class, in hours."""
    if class_code in LIMIT_HOURS:
        return LIMIT_HOURS[class_code]
    if class_code[:2] == "01" and int(class_code[2:]) <= 23 and class_code != "01013":
        return MANHOLE_LIMIT_HOURS
    return MAJOR_LIMIT_HOURS.get(class_code[:2], DEFAULT_LIMIT_HOURS)


def _pick(rng: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    return rng.choice(np.array(list(options)), size=size, p=np.array(list(options.values())))


def outcomes(
    class_codes: np.ndarray, reported: pd.DatetimeIndex, rng: np.random.Generator
) -> Outcome:
    """Status, closed_at and on_time for every case."""
    size = len(class_codes)
    limits = np.array([limit_hours(code) for code in class_codes])
    hours = np.maximum(0.5, limits * 0.5 * rng.lognormal(0.0, 0.8, size))
    duration = pd.to_timedelta(np.round(hours * 3600.0), unit="s")
    ends = reported + duration
    fate = rng.random(size)
    cancelled = fate < P_CANCELLED
    stuck = ~cancelled & (fate < P_CANCELLED + P_STUCK) & (reported < NOW - OLD_AFTER)
    closed = ~cancelled & ~stuck & (ends <= NOW)
    progress = ((NOW - reported) / duration).to_numpy()
    thresholds = np.array([t for t, _ in STAGES])
    stage = np.array([name for _, name in STAGES])[np.searchsorted(thresholds, progress)]
    status = np.where(closed, CLOSED, stage).astype(object)
    status[stuck] = _pick(rng, STUCK, int(stuck.sum()))
    status[cancelled] = _pick(rng, CANCELLED, int(cancelled.sum()))
    on_time = np.full(size, None, dtype=object)
    on_time[closed] = (hours <= limits)[closed].tolist()
    return Outcome(status, ends.where(closed), on_time)
