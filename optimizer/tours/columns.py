"""The tours a scenario's contracts allow, built on the shift columns (``optimizer.shifts``).

Explicit tour columns: for every contract, site of the contract, template of the contract
usable there, allowed start, days-off pattern the contract allows on the template's weekdays
(``daysoff.patterns``) and week of the horizon, one ``Tour`` working that start on the
pattern's days of that week. A tour keeps one start time all week, so it keeps any
``start_band``, and its rest between two working days is ``24 h - length``: patterns with
consecutive working days are left out where that is less than ``min_rest``. Tours with more
night shifts than ``max_nights_per_week``, or paid hours outside ``hours_per_week``, are left
out too. What the rules of several weeks need (rest across a week boundary, weekends off, nights
shared) is the model's (``tours.model``) and the rotation's (``tours.people``).

Size: sites x templates x starts x patterns x weeks; global-retail with a full-time and a
part-time contract has about 1,500 tours a week, 7 patterns per start for 5 days with two
consecutive days off. Explicit columns are few enough for HiGHS at that size; the implicit
formulations (Bailey 1985; Jarrah, Bard and deSilva 1994) would be needed for start bands with
several starts per person and week, which this does not plan.

Weeks are Monday to Sunday; week ``w`` of a column is counted from the Monday of the horizon's
first day and wrapped around the cyclic horizon (whose length must be whole weeks), so a site
whose local week begins before the horizon's first instant finds its first days at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from optimizer.shifts.problem import Column, TourGroup
from optimizer.tours.daysoff import patterns
from optimizer.tours.tour import Tour
from scenarios.rules import cyclic_week, overlaps_night
from scenarios.schema import Scenario
from scenarios.units import WEEKDAYS

DAY_S = 86400.0
"""Seconds in a day."""


class TourError(ValueError):
    """The scenario cannot be planned in tours (the message says why and what to change)."""


def weeks_of(scenario: Scenario) -> int:
    """Whole weeks in the horizon; ``TourError`` unless its length is a multiple of 7 days."""
    days = scenario.scenario.days
    if days % 7:
        raise TourError(
            f"planning people needs a horizon of whole weeks, not {days} days: set "
            'scenario.days to a multiple of 7, or [optimizer] plan = "shifts"'
        )
    return days // 7


def tour_name(
    contract: str, site: str, shift: str, start: int, pattern: Sequence[int], week: int
) -> str:
    """``tour|contract|site|shift|HH:MM|1111100|w0``: a tour's name and variable name."""
    bits = "".join(map(str, pattern))
    return f"tour|{contract}|{site}|{shift}|{start // 60:02d}:{start % 60:02d}|{bits}|w{week}"


def build_tours(scenario: Scenario, columns: Sequence[Column]) -> tuple[Tour, ...]:
    """Every tour the scenario's contracts allow over ``columns`` (see the module docstring),
    in a fixed order: contract, site, template, start, pattern, week."""
    weeks = weeks_of(scenario)
    by_key: dict[tuple[str, str, int, int, int], Column] = {}
    for column in columns:
        if column.day is None:
            continue
        week = cyclic_week(column.day, scenario.scenario.start, weeks)
        by_key[column.site, column.shift, column.start_min, week, column.day.weekday()] = column
    tours: list[Tour] = []
    site_names = [s.name for s in scenario.sites]
    for contract in scenario.contracts:
        for site_name in contract.sites_in(site_names):
            site = scenario.site(site_name)
            night = None if site.night is None else (site.night.from_, site.night.to)
            for shift in contract.shifts_at(site_name, scenario.shifts):
                hours = contract.days_per_week * shift.paid_s
                limits = contract.hours_per_week
                if limits is not None and (
                    (limits.max is not None and hours > limits.max + 1e-6)
                    or (limits.min is not None and hours < limits.min - 1e-6)
                ):
                    continue
                workable = frozenset(WEEKDAYS.index(d) for d in shift.days)
                rested = DAY_S - shift.length >= contract.min_rest - 1e-6
                allowed = [
                    p
                    for p in patterns(contract.days_per_week, contract.days_off, workable)
                    if rested or not any(p[d] and p[(d + 1) % 7] for d in range(7))
                ]
                for start in shift.starts.minutes():
                    is_night = night is not None and overlaps_night(start, shift.length / 60, night)
                    nights = contract.days_per_week if is_night else 0
                    limit = contract.max_nights_per_week
                    if limit is not None and nights > limit:
                        continue
                    for pattern in allowed:
                        for week in range(weeks):
                            worked = [
                                by_key.get((site_name, shift.name, start, week, d))
                                for d in range(7)
                                if pattern[d]
                            ]
                            if any(c is None for c in worked):
                                continue  # a start that does not exist that day (clock change)
                            chosen = sorted(
                                (c for c in worked if c is not None),
                                key=lambda c: c.day or dt.date.min,
                            )
                            tours.append(
                                Tour(
                                    name=tour_name(
                                        contract.name, site_name, shift.name, start, pattern, week
                                    ),
                                    contract=contract.name,
                                    site=site_name,
                                    shift=shift.name,
                                    start_min=start,
                                    pattern=tuple(pattern),
                                    week=week,
                                    columns=tuple(c.name for c in chosen),
                                    dates=tuple(c.day for c in chosen if c.day is not None),
                                    cost=sum(c.cost for c in chosen),
                                    nights=nights,
                                    overnight=start * 60 + shift.length > DAY_S,
                                )
                            )
    return tuple(tours)


def tour_groups(scenario: Scenario) -> tuple[TourGroup, ...]:
    """One group per contract and site its people may work at: the people limit and how often
    a whole weekend off is due."""
    site_names = [s.name for s in scenario.sites]
    return tuple(
        TourGroup(
            contract=c.name,
            site=site,
            max_people=c.people_at(site).max,
            weekends_every=None if c.weekends_off is None else c.weekends_off.every,
        )
        for c in scenario.contracts
        for site in c.sites_in(site_names)
    )
