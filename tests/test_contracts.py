"""`[[contracts]]`: the people who work the shifts.

Valid contracts load into ``Contract`` objects (durations in seconds, people limits per site) and
survive a round trip to the file's form; each contradiction with the sites and shift templates
is one problem line naming the contract and the key, as ``workbench validate`` prints it; and
``optimize`` refuses, before any work, to plan people it cannot plan yet.

Scenarios are global-retail with contracts (and a template or two) appended to its text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.plan.loop import UnsupportedPlan, optimize, unsupported_plan
from scenarios.checks_weeks import max_working_days
from scenarios.loader import check_file
from scenarios.schema import PeopleLimit, Scenario
from tests.test_validate import RETAIL as RETAIL_FILE_TEXT
from tests.test_validate import edit, expect, problems_of, run_cli, write
from workbench import api

HOUR = 3600.0
WEEK = frozenset(range(7))

# global-retail without its own contracts: each test gives the contracts it is about
RETAIL = (
    RETAIL_FILE_TEXT[: RETAIL_FILE_TEXT.index("# The people behind the shifts")]
    + RETAIL_FILE_TEXT[RETAIL_FILE_TEXT.index("[routing]") :]
)
assert "[[contracts]]" not in RETAIL

# a planner's three contracts: full-time 5 x 8 h (two consecutive days off, 11 h rest by
# default), part-time 4 days of 4-6 h, nights with up to 5 nights a week
VALID = """
[[shifts]]
name = "part-6h"
starts = { from = "08:00", to = "16:00", every = "1h" }
length = "6h"

[[shifts]]
name = "night"
sites = ["riga", "bogota"]
starts = { from = "22:00", to = "23:00", every = "30m" }
length = "8h"

[[contracts]]
name = "full-time"
shifts = ["full-8h"]
days_per_week = 5
hours_per_week = { min = "40h", max = "40h" }
days_off = "consecutive"
min_rest = "11h"
weekends_off = { every = 3 }
people = { max = 40, existing = 32 }

[[contracts]]
name = "part-time"
sites = ["riga", "manila"]
shifts = ["part-4h", "part-6h"]
days_per_week = 4
hours_per_week = { min = "16h", max = "24h" }
days_off = "any"
start_band = "2h"
people = { riga = { max = 12, existing = 15 }, manila = { existing = 4 } }

[[contracts]]
name = "nights"
sites = ["riga", "bogota"]
shifts = ["night"]
days_per_week = 5
max_nights_per_week = 5
"""


def with_contracts(tmp_path: Path, toml: str, *pairs: tuple[str, str]) -> Path:
    """global-retail (edited by ``pairs``) with ``toml`` appended, written to ``tmp_path``."""
    return write(tmp_path, edit(RETAIL, *pairs) + toml)


def contract(body: str, name: str = "c") -> str:
    """One `[[contracts]]` row called ``name`` with the lines of ``body``."""
    return f'\n[[contracts]]\nname = "{name}"\n{body.strip()}\n'


def only(tmp_path: Path, toml: str, *pairs: tuple[str, str]) -> tuple[Path, list[str]]:
    """The file and its single problem line."""
    path = with_contracts(tmp_path, toml, *pairs)
    lines = problems_of(path)
    assert len(lines) == 1, "\n".join(lines)
    return path, lines


def loaded(path: Path) -> Scenario:
    scenario, problems = check_file(path)
    assert scenario is not None, [str(p) for p in problems]
    assert problems == []
    return scenario


# --------------------------------------------------------------------------------------------
# Valid contracts


def test_valid_contracts_load(tmp_path: Path) -> None:
    scenario = loaded(with_contracts(tmp_path, VALID))
    full, part, nights = scenario.contracts
    assert scenario.contract("part-time") is part
    assert full.sites is None and full.sites_in([s.name for s in scenario.sites]) == (
        "riga",
        "bogota",
        "manila",
    )
    assert full.hours_per_week is not None
    assert (full.hours_per_week.min, full.hours_per_week.max) == (40 * HOUR, 40 * HOUR)
    assert (full.days_off, full.start_band, full.min_rest) == ("consecutive", 0.0, 11 * HOUR)
    assert full.weekends_off is not None and full.weekends_off.every == 3
    assert part.start_band == 2 * HOUR and part.days_off == "any"
    assert [s.name for s in part.shifts_at("manila", scenario.shifts)] == ["part-4h", "part-6h"]
    assert nights.max_nights_per_week == 5
    assert [s.name for s in nights.shifts_at("riga", scenario.shifts)] == ["night"]
    assert nights.shifts_at("manila", scenario.shifts) == ()


def test_people_limits_by_site(tmp_path: Path) -> None:
    full, part, nights = loaded(with_contracts(tmp_path, VALID)).contracts
    # the flat form applies at each site of the contract
    assert full.people_at("bogota") == PeopleLimit(max=40, existing=32)
    # by site: more employed than the maximum is allowed (those are releases)
    assert part.people_at("riga") == PeopleLimit(max=12, existing=15)
    assert part.people_at("manila") == PeopleLimit(existing=4)
    assert part.people_at("bogota") == PeopleLimit()
    assert nights.people_at("riga") == PeopleLimit()


def test_contracts_round_trip_to_the_file_form(tmp_path: Path) -> None:
    scenario = loaded(with_contracts(tmp_path, VALID))
    document = api.document(scenario)
    assert document["contracts"][0]["hours_per_week"] == {"min": "40h", "max": "40h"}
    assert document["contracts"][1]["people"] == {
        "riga": {"max": 12, "existing": 15},
        "manila": {"existing": 4},
    }
    again = Scenario.model_validate(document).model_copy(update={"forecasts": scenario.forecasts})
    assert again == scenario


def test_validate_command_accepts_contracts(tmp_path: Path) -> None:
    code, _, err = run_cli("validate", str(with_contracts(tmp_path, VALID)))
    assert (code, err) == (0, "")


def test_plan_defaults_to_people_with_contracts(tmp_path: Path) -> None:
    assert loaded(with_contracts(tmp_path, VALID)).effective_plan() == "people"
    assert loaded(with_contracts(tmp_path, "")).effective_plan() == "shifts"
    shifts = with_contracts(tmp_path, VALID, ('targets = "interval"', 'plan = "shifts"'))
    assert loaded(shifts).effective_plan() == "shifts"


# --------------------------------------------------------------------------------------------
# References


def test_unknown_and_repeated_sites_and_shifts(tmp_path: Path) -> None:
    body = 'sites = ["rigga", "riga", "riga"]\nshifts = ["full-8", "full-8h"]\ndays_per_week = 5'
    path = with_contracts(tmp_path, contract(body))
    lines = problems_of(path)
    expect(
        lines,
        path,
        "contracts.c.sites[0]",
        "is not a defined site; did you mean 'riga'?",
        '"rigga"',
    )
    expect(lines, path, "contracts.c.sites[2]", "is listed twice", '"riga"')
    expect(
        lines,
        path,
        "contracts.c.shifts[0]",
        "is not a defined shift; did you mean 'full-8h'?",
        '"full-8"',
    )
    assert len(lines) == 3


def test_contract_names_are_unique(tmp_path: Path) -> None:
    toml = contract("days_per_week = 5") + contract("days_per_week = 4")
    path, lines = only(tmp_path, toml)
    expect(lines, path, "contracts.c.name", "contracts names must be unique", '"c"')


def test_template_not_usable_at_any_of_the_contract_sites(tmp_path: Path) -> None:
    shift = '\n[[shifts]]\nname = "bogota-day"\nsites = ["bogota"]\n' + (
        'starts = { from = "08:00", to = "08:00", every = "1h" }\nlength = "8h"\n'
    )
    body = 'sites = ["riga"]\nshifts = ["full-8h", "bogota-day"]\ndays_per_week = 5'
    path, lines = only(tmp_path, shift + contract(body))
    expect(
        lines,
        path,
        "contracts.c.shifts[1]",
        "may not be used at any of this contract's sites (riga); add one of them to the "
        "shift's sites, or drop it here",
        '"bogota-day"',
    )


def test_site_where_no_template_of_the_contract_may_be_used(tmp_path: Path) -> None:
    shift = '\n[[shifts]]\nname = "riga-day"\nsites = ["riga"]\n' + (
        'starts = { from = "08:00", to = "08:00", every = "1h" }\nlength = "8h"\n'
    )
    listed = contract('sites = ["riga", "manila"]\nshifts = ["riga-day"]\ndays_per_week = 5', "a")
    default = contract('shifts = ["riga-day"]\ndays_per_week = 5', "b")
    path = with_contracts(tmp_path, shift + listed + default)
    lines = problems_of(path)
    expect(
        lines,
        path,
        "contracts.a.sites[1]",
        "no shift template of this contract may be used at site 'manila'; list one usable there "
        "in the contract's shifts or the shift's sites, or drop the site here",
        '"manila"',
    )
    for site in ("bogota", "manila"):  # sites default to all: the contract is named
        expect(
            lines,
            path,
            "contracts.b",
            f"no shift template of this contract may be used at site '{site}'; list the "
            "contract's sites",
            None,
        )
    assert len(lines) == 3


# --------------------------------------------------------------------------------------------
# Weekly hours


def test_hours_above_the_maximum(tmp_path: Path) -> None:
    body = 'shifts = ["full-8h"]\ndays_per_week = 6\nhours_per_week = { max = "40h" }'
    path, lines = only(tmp_path, contract(body, "six-days"))
    expect(
        lines,
        path,
        "contracts.six-days.hours_per_week.max",
        "6 days a week with 8h paid shifts is at least 48h, above the 40h maximum; lower "
        "days_per_week, raise hours_per_week.max or allow shorter shifts",
        '"40h"',
    )


def test_hours_below_the_minimum_at_one_site_only(tmp_path: Path) -> None:
    """part-4h is usable everywhere, part-6h only at riga: bogota cannot reach 30 h."""
    shift = '\n[[shifts]]\nname = "part-6h"\nsites = ["riga"]\n' + (
        'starts = { from = "08:00", to = "12:00", every = "1h" }\nlength = "6h"\n'
    )
    body = (
        'sites = ["riga", "bogota"]\nshifts = ["part-4h", "part-6h"]\ndays_per_week = 5\n'
        'hours_per_week = { min = "30h" }'
    )
    path, lines = only(tmp_path, shift + contract(body))
    expect(
        lines,
        path,
        "contracts.c.hours_per_week.min",
        "at bogota: 5 days a week with 4h paid shifts is at most 20h, below the 30h minimum",
        '"30h"',
    )


def test_hours_minimum_above_maximum(tmp_path: Path) -> None:
    body = 'days_per_week = 5\nhours_per_week = { min = "45h", max = "40h" }'
    path, lines = only(tmp_path, contract(body))
    expect(lines, path, "contracts.c.hours_per_week.min", "is more than max (40h)", '"45h"')


# --------------------------------------------------------------------------------------------
# Days: rest, the templates' weekdays, days off, weekends, nights


@pytest.mark.parametrize(
    ("days", "one_block", "consecutive_ok", "most"),
    [
        (WEEK, True, True, 7),
        (WEEK, True, False, 1),  # days off in one block leave one block of work
        (WEEK, False, False, 3),  # no two adjacent days on a 7-day cycle
        (frozenset({0, 2, 4}), True, True, 1),  # mon, wed, fri
        (frozenset({0, 2, 4}), False, True, 3),
        (frozenset({0, 6}), True, False, 1),  # Sunday and Monday are adjacent
        (frozenset(range(5)), True, True, 5),
    ],
)
def test_max_working_days(
    days: frozenset[int], one_block: bool, consecutive_ok: bool, most: int
) -> None:
    assert max_working_days(days, one_block, consecutive_ok) == most


@pytest.mark.parametrize(
    ("days_off", "most"),
    [
        ("consecutive", "at most 1 working day fits a week"),
        ("any", "at most 3 working days fit a week"),
    ],
)
def test_rest_that_forbids_consecutive_days(tmp_path: Path, days_off: str, most: str) -> None:
    body = f'shifts = ["full-8h"]\ndays_per_week = 5\nmin_rest = "16h"\ndays_off = "{days_off}"'
    path, lines = only(tmp_path, contract(body))
    expect(
        lines,
        path,
        "contracts.c.min_rest",
        "its shortest shift (full-8h, 8h30m) plus 16h of rest ends after the next day's start "
        "(start_band 0s), so no two working days can be consecutive: ",
        '"16h"',
    )
    assert f"{most}, fewer than the 5 of days_per_week" in lines[0]


def test_start_band_makes_room_for_the_rest(tmp_path: Path) -> None:
    """8h30m + 16h is 30 min more than a day: a start 30 min later the next day is enough."""
    body = 'shifts = ["full-8h"]\ndays_per_week = 5\nmin_rest = "16h"\nstart_band = "30m"'
    loaded(with_contracts(tmp_path, contract(body)))


def test_more_days_than_the_templates_may_start_on(tmp_path: Path) -> None:
    body = 'sites = ["riga"]\nshifts = ["part-4h"]\ndays_per_week = 6\ndays_off = "any"'
    path, lines = only(tmp_path, contract(body))
    expect(
        lines,
        path,
        "contracts.c.days_per_week",
        "its shift templates may start on 5 weekdays only (mon, tue, wed, thu, fri), fewer "
        "than the 6 working days",
        "6",
    )


def test_days_off_in_one_block_with_templates_on_alternate_days(tmp_path: Path) -> None:
    shift = '\n[[shifts]]\nname = "mwf"\n' + (
        'starts = { from = "08:00", to = "08:00", every = "1h" }\nlength = "8h"\n'
        'days = ["mon", "wed", "fri"]\n'
    )
    body = 'shifts = ["mwf"]\ndays_per_week = 3'
    path, lines = only(tmp_path, shift + contract(body))
    expect(
        lines,
        path,
        "contracts.c.days_off",
        "with the week's days off in one block the working days are one block too, and its "
        "shift templates may start only on mon, wed, fri: at most 1 working day fits a week",
        None,  # days_off is the default: nothing to show
    )
    loaded(with_contracts(tmp_path, shift + contract(body + '\ndays_off = "any"')))


def test_weekend_off_needs_two_days_off(tmp_path: Path) -> None:
    body = 'shifts = ["full-8h"]\ndays_per_week = 6\nweekends_off = { every = 4 }'
    path, lines = only(tmp_path, contract(body))
    expect(
        lines,
        path,
        "contracts.c.weekends_off",
        "a whole weekend off needs Saturday and Sunday off, but 6 working days leave only 1 day "
        "off; lower days_per_week to 5 or drop weekends_off",
        "{ every = 4 }",
    )


def test_weekend_off_with_weekend_templates(tmp_path: Path) -> None:
    shift = '\n[[shifts]]\nname = "late-week"\n' + (
        'starts = { from = "08:00", to = "08:00", every = "1h" }\nlength = "8h"\n'
        'days = ["mon", "tue", "wed", "sat", "sun"]\n'
    )
    body = 'shifts = ["late-week"]\ndays_per_week = 5\nweekends_off = { every = 2 }'
    path, lines = only(tmp_path, shift + contract(body))
    expect(
        lines,
        path,
        "contracts.c.weekends_off",
        "no week of 5 working days leaves Saturday and Sunday off",
        "{ every = 2 }",
    )


def test_five_days_with_every_weekend_off_is_possible(tmp_path: Path) -> None:
    body = 'shifts = ["full-8h"]\ndays_per_week = 5\nweekends_off = { every = 1 }'
    loaded(with_contracts(tmp_path, contract(body)))


NIGHT_SHIFT = '\n[[shifts]]\nname = "night"\n' + (
    'starts = { from = "22:00", to = "23:00", every = "30m" }\nlength = "8h"\n'
)


def test_only_night_shifts_and_fewer_nights_allowed(tmp_path: Path) -> None:
    body = (
        'sites = ["riga", "manila"]\nshifts = ["night"]\ndays_per_week = 5\nmax_nights_per_week = 3'
    )
    # manila has no night window: its shifts are no night shifts
    path, lines = only(
        tmp_path,
        NIGHT_SHIFT + contract(body),
        ('night = { from = "22:00", to = "06:00", premium = 0.20 }\n', ""),
    )
    expect(
        lines,
        path,
        "contracts.c.max_nights_per_week",
        "at riga: every shift its templates allow overlaps the night window 22:00-06:00, so 5 "
        "working days a week are as many night shifts, more than 3",
        "3",
    )


def test_night_limit_with_day_shifts_too_is_fine(tmp_path: Path) -> None:
    body = 'shifts = ["night", "full-8h"]\ndays_per_week = 5\nmax_nights_per_week = 2'
    loaded(with_contracts(tmp_path, NIGHT_SHIFT + contract(body)))


# --------------------------------------------------------------------------------------------
# People limits


def test_people_by_site_must_name_the_contract_sites(tmp_path: Path) -> None:
    body = (
        'sites = ["riga"]\ndays_per_week = 5\n'
        "people = { riga = { max = 3 }, bogota = { max = 2 }, maxx = { max = 1 } }"
    )
    path = with_contracts(tmp_path, contract(body))
    lines = problems_of(path)
    expect(
        lines,
        path,
        "contracts.c.people.bogota",
        "is not one of this contract's sites (riga); add it to sites or drop it here",
        None,
    )
    expect(
        lines,
        path,
        "contracts.c.people.maxx",
        "is neither max, existing nor a defined site; did you mean 'max'?",
        None,
    )
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("people", "key", "fragment", "got"),
    [
        ("{ maxx = 4 }", "contracts.c.people.maxx", "is neither max, existing nor a site", "4"),
        ("{ max = -1 }", "contracts.c.people.max", "greater than or equal to 0", "-1"),
        (
            "{ riga = { existing = -2 } }",
            "contracts.c.people.riga.existing",
            "greater than or equal to 0",
            "-2",
        ),
        (
            "{ max = 4, riga = { max = 2 } }",
            "contracts.c.people",
            "give either { max, existing } for every site or one such table per site",
            None,
        ),
    ],
)
def test_malformed_people(
    tmp_path: Path, people: str, key: str, fragment: str, got: str | None
) -> None:
    body = f"days_per_week = 5\npeople = {people}"
    path = with_contracts(tmp_path, contract(body))
    expect(problems_of(path), path, key, fragment, got)


# --------------------------------------------------------------------------------------------
# The optimizer's plan


def test_plan_people_needs_contracts(tmp_path: Path) -> None:
    path, lines = only(tmp_path, "", ('targets = "interval"', 'plan = "people"'))
    expect(
        lines,
        path,
        "optimizer.plan",
        'plans people, which needs [[contracts]]; add them or set plan = "shifts"',
        '"people"',
    )


REFUSAL = (
    "planning people needs a horizon of whole weeks, not 10 days: set scenario.days to a "
    'multiple of 7, or [optimizer] plan = "shifts"'
)


@pytest.mark.parametrize("plan", [None, "people"])
def test_optimize_refuses_people_it_cannot_plan_before_any_work(
    tmp_path: Path, plan: str | None
) -> None:
    """People work whole weeks: on a 10-day horizon ``optimize`` (CLI, library and notebook
    API) stops before any work with exit 2 and what to change, whether ``plan = "people"`` is
    set or the default with contracts."""
    pairs = [("days = 7", "days = 10")]
    if plan is not None:
        pairs.append(('targets = "interval"', f'plan = "{plan}"'))
    path = with_contracts(tmp_path, VALID, *pairs)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("optimize", str(path), "--out", str(out))
    assert code == 2
    assert stdout == ""
    assert stderr.splitlines() == [f"{path}: optimizer.plan: {REFUSAL}"]
    assert not out.exists()
    scenario = loaded(path)
    assert unsupported_plan(scenario) == REFUSAL
    with pytest.raises(UnsupportedPlan, match="whole weeks"):
        optimize(scenario)  # the library refuses too, before any work
    with pytest.raises(api.UnsupportedPlan):
        api.optimize(scenario)


def test_plan_shifts_ignores_contracts(tmp_path: Path) -> None:
    path = with_contracts(tmp_path, VALID, ('targets = "interval"', 'plan = "shifts"'))
    scenario = loaded(path)
    assert scenario.contracts and unsupported_plan(scenario) is None
    assert unsupported_plan(loaded(with_contracts(tmp_path, ""))) is None
