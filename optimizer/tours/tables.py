"""The people plan as tables: ``schedule.csv`` and ``people.csv`` (docs/outputs.md).

``schedule_table`` is the schedule in the person form of docs/roster.md with, for each row, when the
shift ends, its paid hours and whether it is a night or weekend shift; ``people_table`` sums it
up by site and contract: head count against the people employed today, full-time equivalents,
and the spread of paid hours, night shifts and weekend days between the people.

Figures keep full precision; the caller rounds, if at all, when writing CSV.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd

from scenarios.rules import overlaps_night
from scenarios.schedule import to_roster
from scenarios.schema import Scenario, ScheduleRow
from scenarios.timeline import Horizon, shift_instances
from scenarios.units import format_time_of_day

FULL_TIME_S = 40 * 3600.0
"""Paid time of a full-time week when no contract sets ``hours_per_week.max`` [s] (40 h)."""


def full_time_s(scenario: Scenario) -> float:
    """The paid time of one full-time equivalent a week [s]: the largest
    ``hours_per_week.max`` of the scenario's contracts (the full-time contract's), else
    ``FULL_TIME_S``. A part-timer on 20 h of a 40 h week is 0.5 FTE."""
    limits = [
        c.hours_per_week.max
        for c in scenario.contracts
        if c.hours_per_week is not None and c.hours_per_week.max is not None
    ]
    return max(limits, default=FULL_TIME_S)


ALL = "all"
"""Site and contract of ``people_table``'s total row."""
NO_CONTRACT = "(none)"
"""Contract label of rows without a contract in ``people_table``."""

SCHEDULE_COLUMNS = (
    "person",
    "site",
    "contract",
    "date",
    "shift",
    "start",
    "end",
    "paid_hours",
    "night",
    "weekend",
)
"""Columns of ``schedule_table``."""
PEOPLE_COLUMNS = (
    "site",
    "contract",
    "people",
    "existing",
    "hires",
    "releases",
    "fte",
    "paid_hours_per_week_min",
    "paid_hours_per_week_mean",
    "paid_hours_per_week_max",
    "nights_min",
    "nights_mean",
    "nights_max",
    "weekend_days_min",
    "weekend_days_mean",
    "weekend_days_max",
    "cost",
)
"""Columns of ``people_table``."""


def is_night(scenario: Scenario, row: ScheduleRow) -> bool:
    """Whether ``row``'s shift has time in its site's night window (``[sites.night]``): from
    its site-local start over the template's length [min], the very test
    ``scenarios.rules.overlaps_night`` that ``max_nights_per_week`` is judged by. False at a
    site without a night window."""
    night = scenario.site(row.site).night
    if night is None:
        return False
    length_min = scenario.shift(row.shift).length / 60
    return overlaps_night(row.start, length_min, (night.from_, night.to))


def _end(scenario: Scenario, row: ScheduleRow) -> dt.datetime:
    """Site-local end of ``row``'s shift: its local start plus the template's length in
    absolute time (so a shift across a clock change ends at the right wall-clock time; a start
    in a spring-forward gap counts from the offset before it, as ``scenarios.rules``)."""
    zone = ZoneInfo(scenario.site(row.site).timezone)
    day = row.date
    start = dt.datetime(day.year, day.month, day.day, row.start // 60, row.start % 60, tzinfo=zone)
    length = dt.timedelta(seconds=scenario.shift(row.shift).length)
    return (start.astimezone(dt.UTC) + length).astimezone(zone)


def schedule_table(scenario: Scenario, rows: Sequence[ScheduleRow]) -> pd.DataFrame:
    """``schedule.csv``: one row per person and working date, in the order of ``rows``.

    Columns: ``person``, ``site``, ``contract`` (empty when none), ``date`` (site-local,
    ISO), ``shift``, ``start`` (``"HH:MM"`` site-local), ``end`` (``"YYYY-MM-DDTHH:MM"``
    site-local: start plus the template's length), ``paid_hours`` (the template's paid time
    [h]), ``night`` (1 when the shift has time in the site's night window, ``is_night``),
    ``weekend`` (1 when it starts on a site-local Saturday or Sunday)."""
    records = [
        {
            "person": row.person,
            "site": row.site,
            "contract": row.contract or "",
            "date": row.date.isoformat(),
            "shift": row.shift,
            "start": format_time_of_day(row.start),
            "end": _end(scenario, row).strftime("%Y-%m-%dT%H:%M"),
            "paid_hours": scenario.shift(row.shift).paid_s / 3600.0,
            "night": int(is_night(scenario, row)),
            "weekend": int(row.date.weekday() >= 5),
        }
        for row in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(SCHEDULE_COLUMNS))


def row_costs(scenario: Scenario, rows: Sequence[ScheduleRow]) -> list[float]:
    """Labour cost of each row's shift [currency], as ``scenarios.timeline.shift_instances``
    prices the roster ``to_roster(rows)``: the site's ``hourly_cost`` times paid hours, with
    the night and weekend premiums minute by minute in site time (README "Modelling choices",
    Pay), for a person who shows up (no absenteeism discount). Raises ``ValueError`` for rows
    dated outside the horizon."""
    roster = to_roster(rows)
    prices: dict[tuple[str, str, int, object], float] = {}
    for instance in shift_instances(scenario, Horizon.of(scenario), roster):
        r = roster[instance.row]
        prices[(r.site, r.shift, r.start, r.days)] = instance.cost_per_agent
    keys = [(row.site, row.shift, row.start, row.date) for row in rows]
    missing = sorted({str(key[3]) for key in keys if key not in prices})
    if missing:
        raise ValueError(f"schedule rows dated outside the horizon: {', '.join(missing)}")
    return [prices[key] for key in keys]


def _groups(scenario: Scenario, table: pd.DataFrame) -> list[tuple[str, str]]:
    """(site, contract) pairs: the scenario's, sites in order then contracts in order, then
    any other pair the rows hold, sorted."""
    site_names = [s.name for s in scenario.sites]
    pairs = [
        (site, c.name)
        for site in site_names
        for c in scenario.contracts
        if site in c.sites_in(site_names)
    ]
    seen = set(pairs)
    extra = sorted({(s, c) for s, c in zip(table["site"], table["group"], strict=True)} - seen)
    return pairs + extra


def _spread(values: pd.Series, prefix: str) -> dict[str, float]:
    """``{prefix}_min``, ``_mean``, ``_max`` of ``values`` (NaN when there are none)."""
    if values.empty:
        return {f"{prefix}_{k}": math.nan for k in ("min", "mean", "max")}
    return {
        f"{prefix}_min": float(values.min()),
        f"{prefix}_mean": float(values.mean()),
        f"{prefix}_max": float(values.max()),
    }


def _summary(persons: pd.DataFrame, weeks: float) -> dict[str, float]:
    """The per-person spread columns of ``people_table`` for ``persons`` (one row each)."""
    return {
        **_spread(persons["paid_hours"] / weeks, "paid_hours_per_week"),
        **_spread(persons["night"], "nights"),
        **_spread(persons["weekend"], "weekend_days"),
    }


def people_table(scenario: Scenario, rows: Sequence[ScheduleRow]) -> pd.DataFrame:
    """``people.csv``: one row per (site, contract), sites in the scenario's order then
    contracts in its order (every pair where the contract applies, with or without people;
    rows without a contract under ``"(none)"``), then a total row with site and contract
    ``"all"``.

    Columns: ``people`` (distinct persons); ``existing`` (``Contract.people_at(site)
    .existing``, <NA> when not given); ``hires`` = max(people - existing, 0) and ``releases``
    = max(existing - people, 0) (<NA> without ``existing``); ``fte``, full-time equivalents:
    the people's paid hours per week, summed, over a full-time week (``full_time_s``: the
    largest ``hours_per_week.max`` of the contracts, else 40 h); per person, min/mean/max
    of ``paid_hours_per_week`` (paid hours over the horizon / (days / 7)) [h], of ``nights``
    (shifts with time in the night window over the horizon) and of ``weekend_days`` (shifts
    starting on a Saturday or Sunday over the horizon); ``cost``, the labour cost of their
    shifts (``row_costs``, exact per row) [currency]. The total row sums people, existing,
    hires, releases, fte and cost (over the pairs that give them) and takes the spreads over
    all people.
    """
    weeks = scenario.scenario.days / 7.0
    full_s = full_time_s(scenario)
    table = schedule_table(scenario, rows)
    table["cost"] = row_costs(scenario, rows)
    table["group"] = [c if c else NO_CONTRACT for c in table["contract"]]
    persons = (
        table.groupby(["site", "group", "person"], sort=True)[
            ["paid_hours", "night", "weekend", "cost"]
        ]
        .sum()
        .reset_index()
    )
    contracts = {c.name: c for c in scenario.contracts}
    records: list[dict[str, object]] = []
    for site, contract in _groups(scenario, table):
        mine = persons[(persons["site"] == site) & (persons["group"] == contract)]
        people = len(mine)
        terms = contracts.get(contract)
        existing = None if terms is None else terms.people_at(site).existing
        records.append(
            {
                "site": site,
                "contract": contract,
                "people": people,
                "existing": existing,
                "hires": None if existing is None else max(people - existing, 0),
                "releases": None if existing is None else max(existing - people, 0),
                "fte": float(mine["paid_hours"].sum()) / weeks / (full_s / 3600.0),
                **_summary(mine, weeks),
                "cost": float(mine["cost"].sum()),
            }
        )
    result = pd.DataFrame.from_records(records, columns=list(PEOPLE_COLUMNS))
    total: dict[str, object] = {
        "site": ALL,
        "contract": ALL,
        "people": len(persons),
        **{k: _sum_known(result[k]) for k in ("existing", "hires", "releases")},
        "fte": float(result["fte"].sum()),
        **_summary(persons, weeks),
        "cost": float(result["cost"].sum()),
    }
    result = pd.concat([result, pd.DataFrame([total], columns=list(PEOPLE_COLUMNS))])
    result = result.reset_index(drop=True)
    for column in ("people", "existing", "hires", "releases"):
        result[column] = result[column].astype("Int64")
    return result


def _sum_known(values: pd.Series) -> int | None:
    """Sum of the values given (None when none is)."""
    known = [int(v) for v in values if v is not None and not pd.isna(v)]
    return sum(known) if known else None
