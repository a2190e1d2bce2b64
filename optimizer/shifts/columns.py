"""Candidate shifts (MILP columns) of a scenario, and rosters made from chosen columns.

Every (site, template usable there, allowed start, site-local day whose start falls in the
horizon) is a column. Its cost and times come from ``scenarios.timeline.shift_instances``, the
code path that prices hand-made rosters too, so an optimized roster is priced exactly as the
simulation will price it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from optimizer.shifts.problem import Column
from scenarios.schema import RosterRow, Scenario
from scenarios.timeline import Horizon, ShiftInstance, shift_instances
from scenarios.units import WEEKDAYS, format_time_of_day


def column_name(site: str, shift: str, start_min: int, day: dt.date) -> str:
    """``site|shift|HH:MM|YYYY-MM-DD``: the name of a column and of its MILP variable."""
    return f"{site}|{shift}|{format_time_of_day(start_min)}|{day.isoformat()}"


def _coverage(
    instance: ShiftInstance, horizon: Horizon, productive_share: float
) -> tuple[tuple[tuple[int, float], ...], tuple[int, ...]]:
    """Expected productive agents per interval (breaks out) and intervals on duty, cyclic."""
    step = float(horizon.interval_s)
    n = horizon.n_intervals
    length = horizon.length_s
    pieces: list[tuple[float, float]] = []
    cursor = instance.start_s
    for after, brk in instance.breaks:
        begin = instance.start_s + after
        if begin > cursor:
            pieces.append((cursor, begin))
        cursor = max(cursor, begin + brk)
    if instance.end_s > cursor:
        pieces.append((cursor, instance.end_s))
    share: dict[int, float] = defaultdict(float)
    for t0, t1 in pieces:
        while t0 < t1 - 1e-9:
            wrapped = t0 % length
            k = min(int(wrapped // step), n - 1)
            edge = min(t1, t0 + (k + 1) * step - wrapped, t0 + length - wrapped)
            share[k] += (edge - t0) / step
            t0 = edge
    on_duty: set[int] = set()
    t0 = instance.start_s
    while t0 < instance.end_s - 1e-9:
        wrapped = t0 % length
        k = min(int(wrapped // step), n - 1)
        on_duty.add(k)
        t0 += min((k + 1) * step - wrapped, length - wrapped)
    coverage = tuple((k, min(value, 1.0) * productive_share) for k, value in sorted(share.items()))
    return coverage, tuple(sorted(on_duty))


def candidate_columns(scenario: Scenario, horizon: Horizon | None = None) -> tuple[Column, ...]:
    """Every shift the optimizer may staff, with expected cost and productive coverage.

    Coverage of one scheduled agent = share of the interval on shift and not on a planned break,
    times (1 - absenteeism) (absent agent-shifts) times (1 - offline_share) (the offline block
    falls at a random time, so its expected loss is spread evenly). Cost = labour cost of the
    shift (premiums in site time) times (1 - absenteeism): absent agents are unpaid.
    """
    horizon = Horizon.of(scenario) if horizon is None else horizon
    rows = []
    for site in scenario.sites:
        for shift in scenario.shifts:
            if shift.sites is not None and site.name not in shift.sites:
                continue
            for start in shift.starts.minutes():
                rows.append(
                    RosterRow.model_construct(
                        site=site.name, shift=shift.name, start=start, days=shift.days, agents=1
                    )
                )  # trusted values in stored units: no parsing
    columns = []
    for instance in shift_instances(scenario, horizon, tuple(rows)):
        row = rows[instance.row]
        site = scenario.site(row.site)
        showing = 1.0 - site.absenteeism
        coverage, on_duty = _coverage(instance, horizon, showing * (1.0 - site.offline_share))
        columns.append(
            Column(
                name=column_name(row.site, row.shift, row.start, instance.day),
                site=row.site,
                shift=row.shift,
                start_min=row.start,
                day=instance.day,
                cost=instance.cost_per_agent * showing,
                coverage=coverage,
                on_duty=on_duty,
            )
        )
    return tuple(columns)


def roster_rows(
    scenario: Scenario, columns: tuple[Column, ...], agents: dict[str, int]
) -> tuple[RosterRow, ...]:
    """The roster staffing ``agents[column name]`` on each column.

    Up to 7 days, a column is one weekday of its site and start (each weekday starts once in the
    horizon), so columns with the same site, shift, start and number of agents merge into one
    weekday row; longer horizons get one dated row per column.
    """
    weekly = len(Horizon.of(scenario).dates) <= 7
    merged: dict[tuple[str, str, int, int], list[str]] = defaultdict(list)
    dated: list[RosterRow] = []
    for column in columns:
        count = agents.get(column.name, 0)
        if count <= 0 or column.day is None:
            continue
        if weekly:
            key = (column.site, column.shift, column.start_min, count)
            merged[key].append(WEEKDAYS[column.day.weekday()])
        else:
            dated.append(
                RosterRow.model_construct(
                    site=column.site,
                    shift=column.shift,
                    start=column.start_min,
                    days=column.day,
                    agents=count,
                )
            )
    rows = [
        RosterRow.model_construct(
            site=site,
            shift=shift,
            start=start,
            days=tuple(sorted(days, key=WEEKDAYS.index)),
            agents=count,
        )
        for (site, shift, start, count), days in merged.items()
    ]
    return tuple(sorted([*rows, *dated], key=lambda r: (r.site, r.shift, r.start, str(r.days))))
