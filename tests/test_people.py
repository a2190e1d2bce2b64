"""People on tours (``optimizer.tours.people``) and the people tables (``optimizer.tours.tables``).

Tours are built by hand on global-retail's Riga site (template ``full-8h``: 8h30m on site, 8h
paid, a start every 30 min; night window 22:00-06:00) from Monday 2026-03-23, over 7, 14 or
28 days, for one contract: 5 days a week with the days off in one block, 11 h rest, at most
40 h paid a week and a whole weekend off every second week. Every schedule is
judged by the one checker of contract rules, ``scenarios.rules.breaches(..., cyclic=True)``.

The property tests build instances that are known to admit a schedule keeping every rule:
each person's weeks are drawn at random and kept only when the checker passes them, and the
tour counts are what those people work. ``plan_people`` sees only the counts, which differ
from week to week with equal totals.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from optimizer.shifts.columns import column_name
from optimizer.tours.daysoff import patterns
from optimizer.tours.people import assign_people, plan_people
from optimizer.tours.tables import people_table, schedule_table
from optimizer.tours.tour import Tour
from scenarios.loader import parse
from scenarios.rules import breaches, overlaps_night
from scenarios.schedule import to_roster
from scenarios.schema import Scenario, ScheduleRow
from scenarios.units import parse_time_of_day

ROOT = Path(__file__).resolve().parent.parent
MONDAY = dt.date(2026, 3, 23)
FULL_TIME: dict[str, Any] = {
    "name": "full-time",
    "sites": ["riga"],
    "shifts": ["full-8h"],
    "days_per_week": 5,
    "hours_per_week": {"max": "40h"},
    "days_off": "consecutive",
    "min_rest": "11h",
    "weekends_off": {"every": 2},
}
PATTERNS = patterns(5, "consecutive")
MON_FRI = (1, 1, 1, 1, 1, 0, 0)
WED_SUN = (0, 0, 1, 1, 1, 1, 1)
STARTS = ("06:00", "08:00", "12:00", "14:00", "22:00")
DAY_STARTS = STARTS[:4]
"""Starts whose Monday-to-Friday tour leaves the weekend free (22:00 on Friday runs into it)."""


def _scenario(days: int = 28, **contract: Any) -> Scenario:
    """global-retail over ``days`` days with one contract: ``FULL_TIME`` changed by
    ``contract`` (a value None drops the key)."""
    raw = tomllib.loads((ROOT / "scenarios" / "global-retail.toml").read_text())
    raw["scenario"]["days"] = days
    terms = {k: v for k, v in {**FULL_TIME, **contract}.items() if v is not None}
    raw["contracts"] = [terms]
    raw["optimizer"] = {**raw.get("optimizer", {}), "plan": "shifts"}
    scenario, problems = parse(raw, base=ROOT / "scenarios")
    assert scenario is not None, problems
    return scenario


def _tour(pattern: tuple[int, ...], start: str, week: int) -> Tour:
    """The full-time tour at Riga working ``full-8h`` from ``start`` on ``pattern`` in
    ``week``; its night shifts counted by the checker's own test."""
    minute = parse_time_of_day(start)
    dates = tuple(MONDAY + dt.timedelta(days=7 * week + d) for d in range(7) if pattern[d])
    night = overlaps_night(minute, 510, (22 * 60, 6 * 60))
    return Tour(
        name=f"{''.join(map(str, pattern))}@{start}/w{week}",
        contract="full-time",
        site="riga",
        shift="full-8h",
        start_min=minute,
        pattern=pattern,
        week=week,
        columns=tuple(column_name("riga", "full-8h", minute, day) for day in dates),
        dates=dates,
        cost=0.0,
        nights=len(dates) if night else 0,
        overnight=minute + 510 > 24 * 60,
    )


def _rows(person: str, tours: list[Tour]) -> list[ScheduleRow]:
    return [
        ScheduleRow.model_construct(
            person=person,
            site="riga",
            contract="full-time",
            date=day,
            shift="full-8h",
            start=tour.start_min,
        )
        for tour in tours
        for day in tour.dates
    ]


def _person(rng: random.Random, scenario: Scenario, weeks: int) -> list[Tour]:
    """One person's weeks keeping every rule: a weekend-free Monday-to-Friday day tour every
    other week, anything in between, drawn until the checker passes it."""
    phase = rng.randrange(2)
    for _ in range(1000):
        plan = [
            _tour(MON_FRI, rng.choice(DAY_STARTS), w)
            if (w + phase) % 2 == 0
            else _tour(rng.choice(PATTERNS), rng.choice(STARTS), w)
            for w in range(weeks)
        ]
        if not breaches(scenario, _rows("x", plan), cyclic=True):
            return plan
    raise AssertionError("no rule-keeping plan drawn")


def _instance(seed: int, scenario: Scenario) -> tuple[list[Tour], dict[str, int], int]:
    """Tours, counts and head count of a random instance that admits a schedule keeping
    every rule (the people drawn, whose plans are then forgotten)."""
    rng = random.Random(seed)
    people = [
        _person(rng, scenario, scenario.scenario.days // 7) for _ in range(rng.randrange(4, 16))
    ]
    counts = Counter(t.name for plan in people for t in plan)
    tours = sorted({t.name: t for plan in people for t in plan}.values(), key=lambda t: t.name)
    return tours, dict(counts), len(people)


def _check_filled(rows: tuple[ScheduleRow, ...], tours: list[Tour], counts: dict[str, int]) -> None:
    """The roster of ``rows`` staffs each tour's columns with exactly its count, and each
    person works one whole tour in each week."""
    expected: Counter[tuple[str, str, int, dt.date]] = Counter()
    for tour in tours:
        for day in tour.dates:
            expected["riga", "full-8h", tour.start_min, day] += counts.get(tour.name, 0)
    roster = {(r.site, r.shift, r.start, r.days): r.agents for r in to_roster(rows)}
    assert roster == {k: v for k, v in expected.items() if v}
    worked = {(t.week, t.start_min, t.dates) for t in tours if counts.get(t.name, 0)}
    by_person: dict[tuple[str, int], list[ScheduleRow]] = {}
    for row in rows:
        by_person.setdefault((row.person, (row.date - MONDAY).days // 7), []).append(row)
    for (_, week), mine in by_person.items():
        assert len({r.start for r in mine}) == 1
        assert (week, mine[0].start, tuple(sorted(r.date for r in mine))) in worked


@pytest.mark.parametrize("days", [14, 28])
@pytest.mark.parametrize("seed", range(20))
def test_random_instances_are_filled_by_people_keeping_every_rule(seed: int, days: int) -> None:
    """Property: on instances known to admit one, the schedule keeps every contract rule
    (``scenarios.rules``, cyclic) and reports no breach; every tour slot is filled exactly
    (the roster equals the counts per column and date); there are H people, each on one
    tour a week."""
    scenario = _scenario(days)
    tours, counts, size = _instance(seed, scenario)
    found = plan_people(scenario, tours, counts)
    assert breaches(scenario, found.rows, cyclic=True) == []
    assert found.breaches == () and found.notes == ()
    _check_filled(found.rows, tours, counts)
    people = sorted({r.person for r in found.rows})
    assert people == [f"riga-full-time-{k:03d}" for k in range(1, size + 1)]


A = (MON_FRI, "06:00")
B = (WED_SUN, "12:00")
C = (MON_FRI, "22:00")
D = (MON_FRI, "08:00")


@pytest.mark.parametrize(
    ("kinds", "per_kind", "contract"),
    [
        ([A, B, C, D], 1, {}),
        ([A, B, C, D], 3, {"max_nights_per_week": 5}),
        ([C, A], 4, {}),
        ([A, D, C, B], 2, {"max_nights_per_week": 5}),
    ],
)
def test_night_and_weekend_work_is_shared_on_balanced_mixes(
    kinds: list[tuple[tuple[int, ...], str]], per_kind: int, contract: dict[str, Any]
) -> None:
    """Contracts: over 28 days each person's night shifts and weekend days are within one of
    their contract and site's mean, rounded up. The same mix every week (A: Mon-Fri 06:00, B:
    Wed-Sun 12:00 with 2 weekend days, C: Mon-Fri 22:00 with 5 nights and Friday night into
    Saturday, D: Mon-Fri 08:00) admits a rotation where everyone works each kind once (or C
    and A twice): the greedy week by week gives C twice to whoever can take it after A and B
    never, the block swaps mend it. No rule is broken on the way."""
    scenario = _scenario(28, **contract)
    tours = [_tour(pattern, start, w) for w in range(4) for pattern, start in kinds]
    counts = {t.name: per_kind for t in tours}
    rows = assign_people(scenario, tours, counts)
    assert breaches(scenario, rows, cyclic=True) == []
    table = schedule_table(scenario, rows)
    per_person = table.groupby("person")[["night", "weekend"]].sum()
    assert len(per_person) == len(kinds) * per_kind
    for column in ("night", "weekend"):
        ceiling = math.ceil(per_person[column].mean())
        assert (per_person[column] - ceiling).abs().max() <= 1, per_person
        assert per_person[column].max() - per_person[column].min() <= 1, per_person


def test_rest_into_week_zero_decides_the_last_week() -> None:
    """The horizon is cyclic: week 1's Sunday 22:00 shift ends Monday 06:30, so whoever works
    it must start week 0 late. Week 0 has Mon-Fri 06:00 and Mon-Fri 22:00, week 1 Mon-Fri
    08:00 and Fri-Tue 22:00 (Wednesday and Thursday off): fairness alone would give week 1's
    nights to the 06:00 person; rest into week 0 gives them to the 22:00 person."""
    scenario = _scenario(14, weekends_off=None)
    tours = [
        _tour(MON_FRI, "06:00", 0),
        _tour(MON_FRI, "22:00", 0),
        _tour(MON_FRI, "08:00", 1),
        _tour((1, 1, 0, 0, 1, 1, 1), "22:00", 1),
    ]
    rows = assign_people(scenario, tours, {t.name: 1 for t in tours})
    assert breaches(scenario, rows, cyclic=True) == []
    starts = {(r.person, (r.date - MONDAY).days // 7): r.start for r in rows}
    assert starts == {
        ("riga-full-time-001", 0): 6 * 60,
        ("riga-full-time-001", 1): 8 * 60,
        ("riga-full-time-002", 0): 22 * 60,
        ("riga-full-time-002", 1): 22 * 60,
    }


def test_one_week_repeats_each_persons_tour() -> None:
    """W = 1: each person keeps their tour (Sunday to Monday rest is 24 h - 8h30m)."""
    scenario = _scenario(7, weekends_off=None)
    tours = [_tour(p, s, 0) for p, s in [(PATTERNS[2], "22:00"), (MON_FRI, "06:00")]]
    counts = {tours[0].name: 2, tours[1].name: 1}
    found = plan_people(scenario, tours, counts)
    assert found.breaches == ()
    _check_filled(found.rows, tours, counts)
    assert len({r.person for r in found.rows}) == 3


def test_breaches_the_tours_force_are_reported_not_raised() -> None:
    """One person, week 0 Fri-Tue at 22:00 (Sunday night into Monday 06:30), week 1 Mon-Fri
    06:00: the rest into week 1 cannot be kept. The rows are still written; the breach is
    listed as the checker finds it."""
    scenario = _scenario(14)
    tours = [_tour((1, 1, 0, 0, 1, 1, 1), "22:00", 0), _tour(MON_FRI, "06:00", 1)]
    found = plan_people(scenario, tours, {t.name: 1 for t in tours})
    assert len(found.rows) == 10
    assert found.breaches == tuple(breaches(scenario, found.rows, cyclic=True))
    assert [b.rule for b in found.breaches] == ["rest"]
    assert found.notes == (
        "riga-full-time-001 2026-03-30: rest: 0s of rest before this shift, less than 11h",
    )


def test_same_input_same_rows_whatever_the_order() -> None:
    """Determinism: the same tours and counts give the same rows, also given in another
    order."""
    scenario = _scenario(28)
    tours, counts, _ = _instance(3, scenario)
    first = assign_people(scenario, tours, counts)
    assert assign_people(scenario, tours, counts) == first
    shuffled = list(tours)
    random.Random(1).shuffle(shuffled)
    assert assign_people(scenario, shuffled, dict(reversed(list(counts.items())))) == first


def test_unequal_weekly_totals_and_bad_counts_raise() -> None:
    """The optimizer keeps people equal across weeks; anything else is a ValueError naming
    every problem at once."""
    scenario = _scenario(14)
    tours = [_tour(MON_FRI, "08:00", 0), _tour(MON_FRI, "08:00", 1)]
    with pytest.raises(ValueError, match=r"people differ between weeks \(week 0: 3, week 1: 2\)"):
        assign_people(scenario, tours, {tours[0].name: 3, tours[1].name: 2})
    with pytest.raises(ValueError) as raised:
        assign_people(scenario, tours, {"nope": 1, tours[0].name: -1})
    assert str(raised.value).splitlines() == [
        "counts['1111100@08:00/w0'] must be a non-negative integer, got -1",
        "counts names 'nope', which is not one of the tours",
    ]


def _hand_rows(contract: str = "full-time") -> list[ScheduleRow]:
    """Two people over the 7 days from Monday 2026-03-23: ana Mon-Fri 08:00; ben 22:00 on
    Mon, Tue, Fri, Sat and Sun (Europe moves its clocks on Sunday 29 March at 03:00)."""
    days = {"ana": [(0, "08:00"), (1, "08:00"), (2, "08:00"), (3, "08:00"), (4, "08:00")]}
    days["ben"] = [(d, "22:00") for d in (0, 1, 4, 5, 6)]
    return [
        ScheduleRow.model_validate(
            {
                "person": person,
                "site": "riga",
                "contract": contract,
                "date": MONDAY + dt.timedelta(days=day),
                "shift": "full-8h",
                "start": start,
            }
        )
        for person, shifts in days.items()
        for day, start in shifts
    ]


def test_schedule_table_ends_nights_and_weekends() -> None:
    """``schedule.csv``: the end is 8h30m later in absolute time, so Saturday 22:00 ends
    Sunday 07:30 after the clock change; every 22:00 shift is a night shift, none at 08:00;
    weekend is the start's weekday."""
    scenario = _scenario(7)
    table = schedule_table(scenario, _hand_rows())
    assert list(table.columns) == [
        "person", "site", "contract", "date", "shift", "start", "end", "paid_hours", "night",
        "weekend",
    ]  # fmt: skip
    ben = table[table["person"] == "ben"]
    assert list(ben["end"]) == [
        "2026-03-24T06:30",
        "2026-03-25T06:30",
        "2026-03-28T06:30",
        "2026-03-29T07:30",
        "2026-03-30T06:30",
    ]
    assert list(ben["weekend"]) == [0, 0, 0, 1, 1]
    assert list(table["night"]) == [0] * 5 + [1] * 5
    assert set(table["paid_hours"]) == {8.0}
    assert table.iloc[0]["end"] == "2026-03-23T16:30" and table.iloc[0]["start"] == "08:00"


def test_people_table_on_two_people() -> None:
    """``people.csv`` by hand: 2 people against 3 employed (1 release); 40 h each, so 2 FTE
    of the 40 h maximum; nights 0 and 5, weekend days 0 and 2. Cost at 22/h for 8 h paid of
    8h30m on site: ana 5 x 22 x 8 = 880; ben's factor-hours (1 + 0.25 at night 22-06, + 0.15
    on Sat/Sun) are 10.5 (Mon), 10.5 (Tue), 2 x 1.25 + 6 x 1.4 + 0.5 x 1.15 = 11.475 (Fri),
    7 x 1.4 + 1.5 x 1.15 = 11.525 (Sat: an hour is skipped at 03:00, so the 8h30m end at
    07:30) and 2 x 1.4 + 6 x 1.25 + 0.5 = 10.8 (Sun into Monday), 54.8 in all, times 22 x
    8 / 8.5."""
    scenario = _scenario(7, people={"existing": 3})
    table = people_table(scenario, _hand_rows())
    assert list(table["site"]) == ["riga", "all"]
    for _, row in table.iterrows():
        assert (row["people"], row["existing"], row["hires"], row["releases"]) == (2, 3, 0, 1)
        assert row["fte"] == pytest.approx(2.0)
        assert row["paid_hours_per_week_min"] == row["paid_hours_per_week_max"] == 40.0
        assert (row["nights_min"], row["nights_mean"], row["nights_max"]) == (0, 2.5, 5)
        assert (row["weekend_days_min"], row["weekend_days_mean"], row["weekend_days_max"]) == (
            0,
            1.0,
            2,
        )
        assert row["cost"] == pytest.approx(880 + 54.8 * 22 * 8 / 8.5)


def test_people_table_without_existing_staff_or_people() -> None:
    """No ``existing``: hires and releases are unknown (<NA>); a contract with nobody on it
    still has its row, with no spread."""
    scenario = _scenario(7)
    table = people_table(scenario, [])
    assert list(table["people"]) == [0, 0]
    assert table["existing"].isna().all() and table["hires"].isna().all()
    assert math.isnan(table.iloc[0]["nights_mean"]) and table.iloc[0]["cost"] == 0.0


def test_fte_counts_a_part_timer_against_the_full_time_week() -> None:
    """FTE is paid hours over a full-time week (the largest ``hours_per_week.max`` of the
    contracts, 40 h): a part-timer on two 8 h days is 16 / 40 = 0.4 FTE, not one FTE of the
    part-time contract's own 20 h maximum; the total row sums 1 + 0.4."""
    scenario = _scenario(7)
    full = scenario.contract("full-time")
    hours = full.hours_per_week
    assert hours is not None
    part = full.model_copy(
        update={"name": "part-time", "hours_per_week": hours.model_copy(update={"max": 72000.0})}
    )
    scenario = scenario.model_copy(update={"contracts": (full, part)})
    rows = [r for r in _hand_rows() if r.person == "ana"][:5]
    part_rows = [
        r.model_copy(update={"person": "pat", "contract": "part-time"})
        for r in _hand_rows()
        if r.person == "ana"
    ][:2]
    table = people_table(scenario, [*rows, *part_rows]).set_index("contract")
    assert table.loc["full-time", "fte"] == pytest.approx(1.0)
    assert table.loc["part-time", "fte"] == pytest.approx(0.4)
    assert table.loc["all", "fte"] == pytest.approx(1.4)
