"""History as local-time day tables: one row per local day of ``--timezone``, one column per
interval of the local clock (``00:00``, ``00:30``, ...).

Demand follows the local clock, so patterns are learned and forecast per local clock interval.
A cell holds the contacts of that clock interval; on the day clocks go back the repeated
interval occurs twice and the cell holds the mean of the two (contacts per clock interval); on
the day clocks go forward the skipped interval has no cell value (NaN). Written back to UTC, a
forecast gives each real interval its clock interval's value: the repeated hour twice, the
skipped hour never, every other hour at the same local time before and after the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasting.calendar import SpecialDays
from forecasting.history import History

GAP_SHARE = 0.0
"""A day is a gap in the history when it has at most this share of its weekday's median
volume (over every channel) and is not a special day: no contacts at all."""
PARTIAL_SHARE = 0.5
"""The first or last day of the history is taken as cut short (an export that starts or ends
within the day) when it has less than this share of its weekday's median volume."""


@dataclass(frozen=True)
class Grid:
    """The UTC intervals of the local days ``first`` .. ``first + days - 1``."""

    first: dt.date
    days: int
    interval_s: int
    start_s: np.ndarray
    """Start of each interval [s since 1970-01-01 UTC]."""
    day: np.ndarray
    """Local day of each interval (0 = ``first``)."""
    slot: np.ndarray
    """Clock interval of each interval (0 = the one starting at local midnight)."""

    @property
    def slots(self) -> int:
        return 86400 // self.interval_s

    def occurrences(self) -> np.ndarray:
        """How often each (day, clock interval) occurs: 1; 2 when clocks go back; 0 forward."""
        count = np.zeros((self.days, self.slots))
        np.add.at(count, (self.day, self.slot), 1.0)
        return count


def midnight_s(day: dt.date, timezone: ZoneInfo) -> int:
    """Local midnight of ``day`` [s since 1970-01-01 UTC] (the first instant of the day where
    midnight itself is skipped)."""
    stamp = pd.Timestamp(day).tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)
    return int(stamp.value // 10**9)


def local_grid(first: dt.date, days: int, timezone: ZoneInfo, interval_s: int) -> Grid:
    """Every UTC interval of ``days`` local days from ``first``, with its local day and slot."""
    begin = midnight_s(first, timezone)
    end = midnight_s(first + dt.timedelta(days=days), timezone)
    starts = np.arange(begin, end, interval_s, dtype=np.int64)
    local = pd.DatetimeIndex(pd.to_datetime(starts, unit="s", utc=True)).tz_convert(timezone)
    dates = local.tz_localize(None).normalize()
    day = ((dates - pd.Timestamp(first)) // pd.Timedelta(days=1)).to_numpy()
    seconds = (local.hour * 3600 + local.minute * 60 + local.second).to_numpy()
    slot = seconds // interval_s
    return Grid(first, days, interval_s, starts, day.astype(np.int64), slot.astype(np.int64))


def local_dates(history: History, timezone: ZoneInfo) -> tuple[dt.date, dt.date]:
    """First and last local day of the history (whole local days are used)."""
    first = pd.Timestamp(history.first_s, unit="s", tz="UTC").tz_convert(timezone).date()
    last = pd.Timestamp(history.end_s - 1, unit="s", tz="UTC").tz_convert(timezone).date()
    return first, last


@dataclass(frozen=True)
class DayTables:
    """The day tables of one channel (rows: local days; columns: clock intervals).

    ``volume``: contacts per clock interval, NaN on gap days and skipped intervals.
    ``aht_sum_s`` and ``aht_n``: handle time summed over the contacts with a known handle time
    [s], and those contacts (sums, not divided by occurrences).
    ``by_region``: contacts per region and clock interval (region -> table), where the history
    names regions.
    """

    volume: np.ndarray
    aht_sum_s: np.ndarray
    aht_n: np.ndarray
    by_region: dict[str, np.ndarray]


def day_tables(history: History, grid: Grid) -> dict[str, DayTables]:
    """The day tables of every channel of ``history`` on ``grid``."""
    rows = history.rows
    index = ((rows["start_s"].to_numpy() - grid.start_s[0]) // grid.interval_s).astype(np.int64)
    inside = (index >= 0) & (index < len(grid.start_s))
    occurrences = grid.occurrences()
    shape = (grid.days, grid.slots)

    def table(weights: np.ndarray, where: np.ndarray, mean: bool) -> np.ndarray:
        sums = np.bincount(index[where], weights=weights[where], minlength=len(grid.start_s))
        out = np.zeros(shape)
        np.add.at(out, (grid.day, grid.slot), sums)
        if not mean:
            return out
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(occurrences > 0, out / occurrences, np.nan)

    volume = rows["volume"].to_numpy(dtype=float)
    out: dict[str, DayTables] = {}
    for channel in sorted(rows["channel"].unique()):
        mine = inside & (rows["channel"] == channel).to_numpy()
        by_region = {}
        if history.has_region:
            for region in sorted(rows.loc[mine, "region"].unique()):
                where = mine & (rows["region"] == region).to_numpy()
                by_region[str(region)] = table(volume, where, True)
        out[str(channel)] = DayTables(
            volume=table(volume, mine, True),
            aht_sum_s=table(rows["aht_sum_s"].to_numpy(dtype=float), mine, False),
            aht_n=table(rows["aht_n"].to_numpy(dtype=float), mine, False),
            by_region=by_region,
        )
    return out


def find_gaps(
    tables: dict[str, DayTables], first: dt.date, special: SpecialDays
) -> list[tuple[dt.date, dt.date, float]]:
    """Runs of days without any contact whose weekday usually has some (each run: first day,
    last day, the weekday's median volume over every channel). These are most likely missing
    data (an export gap, an outage of the logging), not days without customers. The first and
    last day count as missing too when they have less than ``PARTIAL_SHARE`` of their weekday's
    usual volume (cut short by the export)."""
    totals = sum(np.nansum(t.volume, axis=1) for t in tables.values())
    assert isinstance(totals, np.ndarray)
    days = len(totals)
    dates = [first + dt.timedelta(days=d) for d in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    ordinary = np.array([not special.is_special(d, "") for d in dates])
    gaps: list[tuple[dt.date, dt.date, float]] = []
    usual = np.zeros(days)
    for wd in range(7):
        mine = ordinary & (weekday == wd)
        if mine.any():
            usual[weekday == wd] = np.median(totals[mine])
    gap = ordinary & (totals <= GAP_SHARE * usual) & (usual > 0)
    for end in (0, days - 1):
        gap[end] |= ordinary[end] and totals[end] < PARTIAL_SHARE * usual[end]
    start = None
    for d in range(days + 1):
        if d < days and gap[d]:
            start = d if start is None else start
        elif start is not None:
            gaps.append((dates[start], dates[d - 1], float(usual[start])))
            start = None
    return gaps
