"""A tour: one person's week under a contract, as the optimizer plans it.

A tour works one shift template at one site from one start time on the days of its days-off
pattern in one week of the horizon (weeks are Monday to Sunday in the site's time zone, counted
from the week of the horizon's first day and wrapped around the cyclic horizon). The optimizer
chooses how many people work each tour; ``optimizer.tours.people`` then gives each person one
tour per week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Tour:
    """One week's work for one person: ``shift`` at ``site`` from ``start_min`` (minutes after
    site-local midnight) on the dates of ``pattern`` (7 values of 0/1, Monday first) in week
    ``week`` (0-based).

    ``columns`` names the shift columns it works (``optimizer.shifts.columns.column_name``), one
    per date in ``dates`` (site-local, ascending); ``cost`` is the expected labour cost of one
    person on it [currency] (the sum of its columns' costs); ``nights`` counts its shifts that
    overlap the site's night window; ``overnight`` says that a shift runs past the midnight
    after its start (so a Friday shift works into Saturday).
    """

    name: str
    contract: str
    site: str
    shift: str
    start_min: int
    pattern: tuple[int, ...]
    week: int
    columns: tuple[str, ...]
    dates: tuple[dt.date, ...]
    cost: float
    nights: int
    overnight: bool = False

    @property
    def weekend_off(self) -> bool:
        """Whether the tour leaves the whole weekend free, Saturday 00:00 to Monday 00:00
        (site-local), as ``scenarios.rules`` judges ``weekends_off``."""
        p = self.pattern
        return not p[5] and not p[6] and not (p[4] and self.overnight)
