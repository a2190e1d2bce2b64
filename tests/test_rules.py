"""A person's shifts against their contract (``scenarios.rules``): each rule found where it is
broken and nowhere else.

The cases are one person on global-retail's Riga site over two weeks (2026-03-23 to
2026-04-05, Mondays 23 March and 30 March), each rule broken on purpose in one place, plus a
property test: random schedules built to keep every rule show no breach, and each breaking
change made to one of them shows exactly the rule it breaks.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import parse
from scenarios.rules import breaches
from scenarios.schema import Scenario, ScheduleRow

ROOT = Path(__file__).resolve().parent.parent
MONDAY = dt.date(2026, 3, 23)
FULL_TIME: dict[str, Any] = {
    "name": "full-time",
    "sites": ["riga"],
    "shifts": ["full-8h"],
    "days_per_week": 5,
    "hours_per_week": {"max": "40h"},
    "days_off": "consecutive",
    "start_band": "0m",
    "min_rest": "11h",
}


def _scenario(**contract: Any) -> Scenario:
    """global-retail over 14 days with one contract: ``FULL_TIME`` changed by ``contract``."""
    raw = tomllib.loads((ROOT / "scenarios" / "global-retail.toml").read_text())
    raw["scenario"]["days"] = 14
    raw["contracts"] = [{**FULL_TIME, **contract}]
    raw["optimizer"] = {**raw.get("optimizer", {}), "plan": "shifts"}
    scenario, problems = parse(raw, base=ROOT / "scenarios")
    assert scenario is not None, problems
    return scenario


def _rows(days: list[tuple[int, str]], shift: str = "full-8h") -> list[ScheduleRow]:
    """Ana's shifts: ``(day from MONDAY, start "HH:MM")``."""
    return [
        ScheduleRow.model_validate(
            {
                "person": "ana",
                "site": "riga",
                "contract": "full-time",
                "date": MONDAY + dt.timedelta(days=day),
                "shift": shift,
                "start": start,
            }
        )
        for day, start in days
    ]


WEEKDAYS_8 = [(d, "08:00") for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]


def _rules(scenario: Scenario, rows: list[ScheduleRow], cyclic: bool = False) -> list[str]:
    return [b.rule for b in breaches(scenario, rows, cyclic=cyclic)]


def test_monday_to_friday_at_eight_keeps_every_rule() -> None:
    scenario = _scenario(max_nights_per_week=0, weekends_off={"every": 1})
    assert breaches(scenario, _rows(WEEKDAYS_8), cyclic=True) == []


@pytest.mark.parametrize(
    ("contract", "days", "rule", "message"),
    [
        ({}, WEEKDAYS_8[1:], "days", "4 working days in the week of 2026-03-23, not 5"),
        (
            {},
            [(d, "08:00") for d in (0, 1, 3, 4, 5, 7, 8, 9, 10, 11)],
            "days_off",
            "days off of the week of 2026-03-23 are not one block",
        ),
        (
            {},
            [(0, "08:00"), (1, "09:00"), *WEEKDAYS_8[2:]],
            "start_band",
            "starts 60 min apart in the week of 2026-03-23, more than the band of 0s",
        ),
        (
            {"start_band": "12h"},
            [(0, "20:00"), (1, "08:00"), *WEEKDAYS_8[2:]],
            "rest",
            "3h30m of rest before this shift, less than 11h",
        ),
        (
            {"start_band": "0m", "max_nights_per_week": 3},
            [(d, "22:00") for d in (0, 1, 2, 3, 4)] + WEEKDAYS_8[5:],
            "nights",
            "5 night shifts in the week of 2026-03-23, more than 3",
        ),
        (
            {"weekends_off": {"every": 2}},
            [(d, "08:00") for d in (0, 1, 2, 5, 6, 7, 8, 9, 12, 13)],
            "weekends_off",
            "no whole weekend off in the 2 weeks from 2026-03-28",
        ),
    ],
)
def test_each_rule_is_found_where_it_is_broken(
    contract: dict[str, Any], days: list[tuple[int, str]], rule: str, message: str
) -> None:
    found = breaches(_scenario(**contract), _rows(days))
    assert [(b.rule, b.message) for b in found] == [(rule, message)]


def test_paid_hours_above_the_maximum_and_below_the_minimum() -> None:
    """Six 8h days in the first week: 48h against the 40h maximum (and 6 days, not 5); with a
    40h minimum and any template, a 4h shift in place of an 8h one leaves 36h."""
    found = breaches(_scenario(), _rows([(d, "08:00") for d in range(6)] + WEEKDAYS_8[5:]))
    assert [(b.rule, b.message) for b in found] == [
        ("days", "6 working days in the week of 2026-03-23, not 5"),
        ("hours", "48h paid in the week of 2026-03-23, above the 40h maximum"),
    ]
    scenario = _scenario(shifts=None, hours_per_week={"min": "40h"})
    rows = _rows([(0, "08:00")], shift="part-4h") + _rows(WEEKDAYS_8[1:])
    assert [(b.rule, b.message) for b in breaches(scenario, rows)] == [
        ("hours", "36h paid in the week of 2026-03-23, below the 40h minimum")
    ]


def test_a_template_or_site_outside_the_contract() -> None:
    rows = _rows([(0, "08:00")], shift="part-4h") + _rows(WEEKDAYS_8[1:])
    found = breaches(_scenario(), rows)
    assert [(b.row, b.rule) for b in found] == [(0, "where")]


def test_rest_across_the_end_of_a_cyclic_horizon() -> None:
    """A Sunday 22:00 shift at the end of the horizon runs into Monday 06:30; the horizon
    repeats, so Monday 08:00 of the first week follows it after 1h30m: a breach only when the
    schedule is judged as cyclic."""
    days = [(d, "22:00") for d in (0, 1, 2, 3, 4)] + [(d, "22:00") for d in (9, 10, 11, 12, 13)]
    days[0] = (0, "08:00")
    scenario = _scenario(start_band="14h")
    assert "rest" not in _rules(scenario, _rows(days))
    assert _rules(scenario, _rows(days), cyclic=True) == ["rest"]


def test_a_week_without_shifts_is_leave_not_a_breach() -> None:
    assert _rules(_scenario(), _rows(WEEKDAYS_8[:5])) == []


def _valid_tour(rng: random.Random) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """A contract and a two-week schedule built to keep it: 4-6 days a week with the days off
    in one block at a random place, one start for both weeks, no night shifts."""
    days = rng.choice([4, 5, 6])
    start = rng.choice(["06:00", "08:00", "10:30", "12:00"])
    off_start = rng.randrange(7)
    off = {(off_start + k) % 7 for k in range(7 - days)}
    worked = [w * 7 + d for w in (0, 1) for d in range(7) if d not in off]
    contract = {
        "days_per_week": days,
        "hours_per_week": {"min": f"{8 * days}h", "max": f"{8 * days}h"},
        "max_nights_per_week": 0,
    }
    return contract, [(d, start) for d in worked]


@pytest.mark.parametrize("seed", range(12))
def test_built_tours_keep_every_rule_and_one_change_breaks_one(seed: int) -> None:
    """Property: a tour built to keep the rules has no breach (cyclic too: the same week
    twice); dropping one working day of the first week breaks ``days`` and the hours minimum
    there and nothing else; starting one shift an hour later breaks ``start_band`` only."""
    rng = random.Random(seed)
    contract, days = _valid_tour(rng)
    scenario = _scenario(**contract)
    assert breaches(scenario, _rows(days), cyclic=True) == []
    dropped = list(days)
    dropped.pop(rng.randrange(contract["days_per_week"]))
    assert sorted(_rules(scenario, _rows(dropped))) == ["days", "hours"]
    later = list(days)
    k = rng.randrange(len(later))
    later[k] = (later[k][0], f"{int(later[k][1][:2]) + 1:02d}{later[k][1][2:]}")
    assert _rules(scenario, _rows(later)) == ["start_band"]


def test_a_rotation_longer_than_the_horizon_is_not_judged() -> None:
    """Two weeks cannot show a weekend off every 3 weeks: working both weekends is no breach
    (cyclic or not); every 2 weeks it is."""
    days = [(d, "08:00") for d in (0, 1, 2, 5, 6, 7, 8, 9, 12, 13)]
    assert "weekends_off" not in _rules(_scenario(weekends_off={"every": 3}), _rows(days), True)
    assert "weekends_off" in _rules(_scenario(weekends_off={"every": 2}), _rows(days), True)
