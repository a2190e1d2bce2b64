"""A person's shifts against their contract: which rule a schedule breaks, and where.

One checker for every schedule: a planner's own export (``validate`` warns at the lines that
break their contract) and the schedules the optimizer will write (tests assert it finds
nothing). The rules of a ``[[contracts]]`` row, for each person on it:

- **where**: every shift at one of the contract's sites, on one of its templates;
- **days**: in every whole week (Monday to Sunday of the person's site) the person works,
  exactly ``days_per_week`` working days (a week with no shift at all is leave, not a breach);
  with ``days_off = "consecutive"`` the week's days off are one block, Sunday next to Monday;
- **hours**: paid time in each whole week worked within ``hours_per_week`` (the maximum also
  in the partial weeks at the ends of the horizon);
- **start band**: the starts of one week at most ``start_band`` apart (time of day);
- **rest**: at least ``min_rest`` from the end of one shift to the start of the next, across
  week boundaries, and across the end of a cyclic horizon into its start when ``cyclic``;
- **nights**: at most ``max_nights_per_week`` shifts a week that overlap the site's night window;
- **weekends off**: among any ``every`` consecutive weekends (Saturday and Sunday, both inside
  the horizon, or wrapping around it when ``cyclic``), one with no working time at all; a
  horizon with fewer than ``every`` weekends is not judged (it shows part of a rotation that
  runs longer: the optimizer then keeps one in ``every`` of the people off each weekend).

Times are site-local for calendars (weeks, nights, weekends) and absolute for rest [s].
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scenarios.schema import Scenario, ScheduleRow
from scenarios.schema_people import Contract
from scenarios.units import format_duration

DAY_MIN = 1440
"""Minutes in a day."""


@dataclass(frozen=True)
class Breach:
    """One rule broken: ``row`` indexes the schedule rows (the shift where it shows, or the
    first of the week), ``rule`` is its name (``where``, ``days``, ``days_off``, ``hours``,
    ``start_band``, ``rest``, ``nights``, ``weekends_off``), ``message`` says what and by how
    much."""

    row: int
    rule: str
    message: str


@dataclass(frozen=True)
class _Shift:
    index: int
    row: ScheduleRow
    start_s: float
    end_s: float
    paid_s: float
    minute: int
    """Start, minutes from the site-local midnight of ``row.date``."""
    length_min: float


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def cyclic_week(day: dt.date, first: dt.date, weeks: int) -> int:
    """The week (0 .. ``weeks`` - 1) of ``day`` on a cyclic horizon of ``weeks`` weeks that
    begins on ``first``: Monday-to-Sunday weeks counted from ``first``'s, wrapped around (a
    site ahead of the planning clock works the first hours of a Monday after the horizon's
    last date, in its first week; one behind, the evening before its first date, in its last).
    The tours (``optimizer.tours.columns``) and this module's checks share it."""
    return ((_monday(day) - _monday(first)).days // 7) % weeks


def overlaps_night(start_min: float, length_min: float, night: tuple[int, int]) -> bool:
    """Whether a shift from ``start_min`` (minutes after site-local midnight) lasting
    ``length_min`` [min] overlaps the night window ``(from, to)`` [min after midnight, ``to``
    at or before ``from`` wraps past midnight] on any day."""
    begin, end = night
    for day in (-1, 0, 1, 2):
        low = day * DAY_MIN + begin
        high = day * DAY_MIN + end + (DAY_MIN if end <= begin else 0)
        if low < start_min + length_min and start_min < high:
            return True
    return False


def _on_weekend(shift: _Shift, saturday: dt.date) -> bool:
    """Whether the shift has working time between ``saturday`` 00:00 and Monday 00:00."""
    offset = (shift.row.date - saturday).days * DAY_MIN + shift.minute
    return offset < 2 * DAY_MIN and offset + shift.length_min > 0


class _Person:
    """One person's shifts, in start order, with what the checks need."""

    def __init__(
        self,
        scenario: Scenario,
        contract: Contract,
        shifts: list[_Shift],
        horizon: tuple[dt.date, dt.date],
        cyclic: bool,
    ) -> None:
        self.scenario, self.contract, self.shifts = scenario, contract, shifts
        self.first, self.last = horizon
        self.cyclic = cyclic
        self.breaches: list[Breach] = []

    def breach(self, shift: _Shift, rule: str, message: str) -> None:
        self.breaches.append(Breach(shift.index, rule, message))

    def week_of(self, day: dt.date) -> dt.date:
        """The Monday of ``day``'s week; on a cyclic horizon of whole weeks, counted from the
        horizon's first Monday and wrapped around it (a site ahead of the planning clock
        works the first hours of a Monday after the horizon's last date: those belong to
        the first week)."""
        if not self.cyclic or (self.last - self.first).days % 7 != 6:
            return _monday(day)
        weeks = (self.last - self.first).days // 7 + 1
        return _monday(self.first) + dt.timedelta(days=7 * cyclic_week(day, self.first, weeks))

    def whole_weeks(self) -> list[dt.date]:
        """Mondays of the weeks wholly inside the horizon (every week of a cyclic horizon of
        whole weeks)."""
        if self.cyclic and (self.last - self.first).days % 7 == 6:
            count = (self.last - self.first).days // 7 + 1
            first = _monday(self.first)
            return [first + dt.timedelta(days=7 * k) for k in range(count)]
        monday = _monday(self.first)
        if monday < self.first:
            monday += dt.timedelta(days=7)
        weeks = []
        while monday + dt.timedelta(days=6) <= self.last:
            weeks.append(monday)
            monday += dt.timedelta(days=7)
        return weeks

    def check_where(self) -> None:
        contract = self.contract
        for shift in self.shifts:
            row = shift.row
            if contract.sites is not None and row.site not in contract.sites:
                self.breach(shift, "where", f"site {row.site} is not one of the contract's")
            elif contract.shifts is not None and row.shift not in contract.shifts:
                self.breach(shift, "where", f"template {row.shift} is not one of the contract's")

    def check_weeks(self) -> None:
        contract = self.contract
        by_week: dict[dt.date, list[_Shift]] = {}
        for shift in self.shifts:
            by_week.setdefault(self.week_of(shift.row.date), []).append(shift)
        whole = set(self.whole_weeks())
        hours = contract.hours_per_week
        for monday, shifts in sorted(by_week.items()):
            first = shifts[0]
            days = sorted({s.row.date.weekday() for s in shifts})
            paid = sum(s.paid_s for s in shifts)
            if hours is not None and hours.max is not None and paid > hours.max + 1e-6:
                self.breach(
                    first,
                    "hours",
                    f"{_h(paid)} paid in the week of {monday}, above the {_h(hours.max)} maximum",
                )
            if monday in whole:
                if len(days) != contract.days_per_week:
                    self.breach(
                        first,
                        "days",
                        f"{len(days)} working days in the week of "
                        f"{monday}, not {contract.days_per_week}",
                    )
                elif contract.days_off == "consecutive" and not _one_block(days):
                    self.breach(
                        first, "days_off", f"days off of the week of {monday} are not one block"
                    )
                if hours is not None and hours.min is not None and paid < hours.min - 1e-6:
                    self.breach(
                        first,
                        "hours",
                        f"{_h(paid)} paid in the week of {monday}, "
                        f"below the {_h(hours.min)} minimum",
                    )
            minutes = [s.minute for s in shifts]
            if max(minutes) - min(minutes) > contract.start_band / 60 + 1e-6:
                self.breach(
                    first,
                    "start_band",
                    f"starts {max(minutes) - min(minutes)} min "
                    f"apart in the week of {monday}, more than the band of "
                    f"{format_duration(contract.start_band)}",
                )
            night = self.scenario.site(first.row.site).night
            limit = contract.max_nights_per_week
            if limit is not None and night is not None:
                nights = sum(
                    overlaps_night(s.minute, s.length_min, (night.from_, night.to)) for s in shifts
                )
                if nights > limit:
                    self.breach(
                        first,
                        "nights",
                        f"{nights} night shifts in the week of {monday}, more than {limit}",
                    )

    def check_rest(self, horizon_s: float) -> None:
        shifts = self.shifts
        pairs = list(itertools.pairwise(shifts))
        if self.cyclic and len(shifts) > 1:
            pairs.append((shifts[-1], shifts[0]))
        for before, after in pairs:
            start = after.start_s + (horizon_s if after is shifts[0] else 0.0)
            rest = start - before.end_s
            if rest < self.contract.min_rest - 1e-6:
                self.breach(
                    after,
                    "rest",
                    f"{_h(max(rest, 0.0))} of rest before this shift, "
                    f"less than {_h(self.contract.min_rest)}",
                )

    def check_weekends(self) -> None:
        rule = self.contract.weekends_off
        if rule is None:
            return
        saturday = self.first + dt.timedelta(days=(5 - self.first.weekday()) % 7)
        weekends = []
        while saturday + dt.timedelta(days=1) <= self.last:
            weekends.append(saturday)
            saturday += dt.timedelta(days=7)
        if len(weekends) < rule.every:  # a rotation longer than the horizon: not judged
            return
        worked = [any(_on_weekend(s, day) for s in self.shifts) for day in weekends]
        count = len(worked)
        starts = range(count) if self.cyclic else range(count - rule.every + 1)
        for k in starts:
            window = [worked[(k + j) % count] for j in range(rule.every)]
            if all(window):
                day = weekends[k]
                first = next((s for s in self.shifts if _on_weekend(s, day)), self.shifts[0])
                self.breach(
                    first,
                    "weekends_off",
                    f"no whole weekend off in the {rule.every} weeks from {day}",
                )
                return


def _h(seconds: float) -> str:
    return format_duration(round(seconds / 60) * 60.0)


def _one_block(days: Sequence[int]) -> bool:
    """Whether the weekdays not in ``days`` form one block on the cyclic week."""
    off = [d not in days for d in range(7)]
    starts = sum(off[d] and not off[d - 1] for d in range(7))
    return starts <= 1


def breaches(
    scenario: Scenario, rows: Sequence[ScheduleRow] | None = None, cyclic: bool = False
) -> list[Breach]:
    """Every rule broken by the rows (the scenario's schedule by default) of people whose
    contract is one of ``scenario.contracts``; rows without a contract are not judged.

    ``cyclic``: the schedule repeats after the horizon (as the simulation runs it), so rest
    and weekends are judged across its end too."""
    rows = scenario.schedule_rows if rows is None else rows
    contracts = {c.name: c for c in scenario.contracts}
    horizon_s = scenario.scenario.days * 86400.0
    first = scenario.scenario.start
    horizon = (first, first + dt.timedelta(days=scenario.scenario.days - 1))
    origin = dt.datetime.combine(first, dt.time(), tzinfo=ZoneInfo(scenario.scenario.timezone))
    people: dict[tuple[str, str], list[_Shift]] = {}
    for index, row in enumerate(rows):
        if row.contract is None or row.contract not in contracts:
            continue
        site, template = scenario.site(row.site), scenario.shift(row.shift)
        local = dt.datetime.combine(row.date, dt.time(), tzinfo=ZoneInfo(site.timezone))
        start = (local + dt.timedelta(minutes=row.start) - origin).total_seconds()
        shift = _Shift(
            index,
            row,
            start,
            start + template.length,
            template.paid_s,
            row.start,
            template.length / 60,
        )
        people.setdefault((row.contract, row.person), []).append(shift)
    found: list[Breach] = []
    for (contract, _), shifts in people.items():
        shifts.sort(key=lambda s: (s.start_s, s.index))
        person = _Person(scenario, contracts[contract], shifts, horizon, cyclic)
        person.check_where()
        person.check_weeks()
        person.check_rest(horizon_s)
        person.check_weekends()
        found += person.breaches
    return sorted(found, key=lambda b: (b.row, b.rule))
