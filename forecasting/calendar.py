"""Special days: public holidays (the ``holidays`` package, by country code) and a planner's
file of dated factors; and the clock changes of a time zone.

The special-days file is a CSV with ``date`` (``YYYY-MM-DD``, local date of ``--timezone``),
``factor`` (volume of that day relative to an ordinary day of its weekday: 0 = closed, 1.5 = half
as much again) and optional ``channel`` (blank or absent: every channel). A date in the history is
left out of pattern learning; a date in the forecast multiplies that day's volume.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from scenarios.csvinputs import records
from scenarios.files import read_text
from scenarios.problems import Collector, Problem

MAX_FACTOR = 100.0
"""Largest factor of a special day."""


@dataclass(frozen=True)
class SpecialDays:
    """Dates that are not ordinary days: public holidays (factor learned from the history) and
    the planner's dated factors (``factors[(date, channel)]``, channel "" = every channel)."""

    holidays: dict[dt.date, str] = field(default_factory=dict)
    factors: dict[tuple[dt.date, str], float] = field(default_factory=dict)

    def factor(self, day: dt.date, channel: str) -> float | None:
        """The planner's factor of ``day`` for ``channel``, if given."""
        found = self.factors.get((day, channel))
        return self.factors.get((day, "")) if found is None else found

    def is_special(self, day: dt.date, channel: str) -> bool:
        return day in self.holidays or self.factor(day, channel) is not None


def public_holidays(country: str, years: range, report: Collector) -> dict[dt.date, str] | None:
    """Public holidays of ``country`` (ISO 3166 code, optionally ``CC-SUBDIV``) in ``years``."""
    import holidays

    code, _, subdivision = country.upper().partition("-")
    try:
        found = holidays.country_holidays(code, subdiv=subdivision or None, years=list(years))
    except (NotImplementedError, KeyError):
        supported = holidays.list_supported_countries()
        if code not in supported:
            report("--holidays", "is not a country code the holidays package knows", country)
        else:
            subdivisions = ", ".join(supported[code][:12])
            report("--holidays", f"is not a subdivision of {code} (try {subdivisions})", country)
        return None
    return {day: str(name) for day, name in sorted(found.items())}


def read_special_days(path: Path, problems: list[Problem]) -> dict[tuple[dt.date, str], float]:
    """The planner's special days ``{(date, channel): factor}``; problems one line each."""
    report = Collector(str(path))
    text = read_text(path, report, "special-days file")
    found = None if text is None else records(text, report, ("date", "factor"), None)
    factors: dict[tuple[dt.date, str], float] = {}
    for line, row in found or []:
        try:
            day = dt.date.fromisoformat(row["date"])
        except ValueError:
            report(f"line {line}.date", "is not a date YYYY-MM-DD", row["date"])
            continue
        try:
            factor = float(row["factor"])
            if not 0.0 <= factor <= MAX_FACTOR:
                raise ValueError
        except ValueError:
            report(
                f"line {line}.factor", f"must be a number from 0 to {MAX_FACTOR:g}", row["factor"]
            )
            continue
        key = (day, row.get("channel", ""))
        if key in factors:
            report(f"line {line}.date", "is given twice for the same channel", row["date"])
        factors[key] = factor
    problems.extend(report.problems)
    return factors


def clock_changes(timezone: ZoneInfo, first: dt.date, last: dt.date) -> list[dict[str, str]]:
    """The clock changes of ``timezone`` from ``first`` to ``last`` (local dates): date and
    shift (``+1h`` forward, ``-1h`` back)."""
    start = pd.Timestamp(first).tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)
    end = pd.Timestamp(last + dt.timedelta(days=1)).tz_localize(
        timezone, nonexistent="shift_forward", ambiguous=True
    )
    hours = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq="1h")
    local = list(hours.tz_convert(timezone))
    offsets = np.array(
        [pd.Timedelta(pd.Timestamp(h).utcoffset() or 0).total_seconds() for h in local]
    )
    changes = []
    for index in np.flatnonzero(np.diff(offsets)):
        shift = (offsets[index + 1] - offsets[index]) / 3600
        day = local[int(index) + 1].date()
        changes.append({"date": day.isoformat(), "shift": f"{shift:+g}h"})
    return changes
