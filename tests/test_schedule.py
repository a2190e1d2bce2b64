"""The roster as people: ``schedule = "schedule.csv"`` (one row per person and working date).

A schedule that lists, person by person, the shifts of a weekly roster must give the engine the
same shifts (site, start, end, pay) as that roster; its rows are checked like roster rows, and
one person cannot work two shifts at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from typer.testing import CliRunner

from scenarios.loader import check_file, load
from scenarios.problems import Problem
from scenarios.schema import Scenario
from scenarios.timeline import Horizon, shift_instances
from scenarios.units import format_time_of_day
from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "scenarios" / "global-retail.toml"
COLUMNS = ("person", "site", "contract", "date", "shift", "start")


def _people(scenario: Scenario) -> list[dict[str, Any]]:
    """The roster of ``scenario`` as a planner's export: one person per agent of each roster
    row, working every shift of that row in the horizon."""
    rows = []
    for instance in shift_instances(scenario, Horizon.of(scenario)):
        row = scenario.roster[instance.row]
        for k in range(instance.agents):
            rows.append(
                {
                    "person": f"{row.site}-{instance.row}-{k}",
                    "site": row.site,
                    "contract": "",
                    "date": instance.day.isoformat(),
                    "shift": row.shift,
                    "start": format_time_of_day(row.start),
                }
            )
    return rows


def _write(folder: Path, rows: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    """global-retail, without its contracts, with its roster replaced by ``schedule.csv``
    holding ``rows``; ``extra`` sets top-level tables (contracts among them)."""
    raw = tomllib.loads(RETAIL.read_text())
    raw.pop("roster")
    raw.pop("contracts", None)
    raw["schedule"] = "schedule.csv"
    raw.update(extra or {})
    with (folder / "schedule.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    path = folder / "scenario.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    return path


def _errors(path: Path) -> list[Problem]:
    scenario, problems = check_file(path)
    assert scenario is None, "expected the file not to load"
    return [p for p in problems if not p.warning]


def _shifts(scenario: Scenario) -> list[tuple[int, float, float, float]]:
    """Every agent-shift the engine would run: site, start and end [s], pay."""
    out = []
    for i in shift_instances(scenario, Horizon.of(scenario)):
        out += [(i.site, i.start_s, i.end_s, round(i.cost_per_agent, 9))] * i.agents
    return sorted(out)


def test_a_schedule_of_the_roster_gives_the_engine_the_same_shifts(tmp_path: Path) -> None:
    """global-retail's weekly roster written person by person (742 person-shifts) loads as
    one-off roster rows whose shifts, starts, ends and pay equal the roster's, one for one."""
    roster = load(RETAIL)
    rows = _people(roster)
    scenario = load(_write(tmp_path, rows))
    assert len(scenario.schedule_rows) == len(rows) == 742
    assert scenario.schedule_file == "schedule.csv"
    assert all(isinstance(r.days, dt.date) for r in scenario.roster)
    assert sum(r.agents for r in scenario.roster) == len(rows)
    assert _shifts(scenario) == _shifts(roster)


def test_simulate_reads_a_schedule_and_keeps_it_in_the_run_folder(tmp_path: Path) -> None:
    """``workbench simulate`` on a person schedule: exit 0, the CSV copied into the run folder
    beside the scenario, so the run can be reloaded and reported."""
    path = _write(tmp_path, _people(load(RETAIL)), {"run": {"replications": 2, "seed": 3}})
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    copied = [p.name for p in out.rglob("schedule.csv")]
    assert copied == ["schedule.csv"]


def test_extra_columns_of_a_people_plan_are_ignored(tmp_path: Path) -> None:
    """The ``end``, ``paid_hours``, ``night`` and ``weekend`` columns a people plan adds do not
    stop the file from loading."""
    rows = [
        {**r, "end": "x", "paid_hours": "8", "night": "0", "weekend": "1"}
        for r in _people(load(RETAIL))[:20]
    ]
    assert load(_write(tmp_path, rows)).schedule_rows


def test_one_person_on_two_overlapping_shifts_is_an_error(tmp_path: Path) -> None:
    """Ana on the day shift at 08:00 and again at 12:00 the same date: one line names both."""
    base = {
        "person": "ana",
        "site": "riga",
        "contract": "",
        "date": "2026-03-23",
        "shift": "full-8h",
        "start": "08:00",
    }
    rows = [base, {**base, "start": "12:00"}, {**base, "person": "ben"}]
    errors = _errors(_write(tmp_path, rows))
    assert [(e.path, e.message) for e in errors] == [
        (
            "line 3",
            "overlaps the same person's shift on line 2: one person works one shift at a time",
        )
    ]


def test_schedule_rows_are_checked_like_roster_rows(tmp_path: Path) -> None:
    """An unknown site, a start the template does not allow, a date that is no date, and a
    date outside the horizon are each named at their line."""
    base = {
        "person": "ana",
        "site": "riga",
        "contract": "",
        "date": "2026-03-23",
        "shift": "full-8h",
        "start": "08:00",
    }
    rows = [
        {**base, "site": "rigga"},
        {**base, "person": "b", "start": "08:10"},
        {**base, "person": "c", "date": "23/03/2026"},
        {**base, "person": "d", "date": "2027-01-01"},
    ]
    errors = _errors(_write(tmp_path, rows))
    found = {(e.path, e.message.split(" (")[0]) for e in errors}
    assert ("line 2.site", "is not a defined site; did you mean 'riga'?") in found
    starts = [e.message for e in errors if e.path == "line 3.start"]
    assert starts == [
        "is not an allowed start of shift 'full-8h'; it allows 00:00 to 23:30 every 30m "
        "(nearest: 08:00, 08:30)"
    ], starts
    assert ("line 4.date", "should be a date, YYYY-MM-DD") in found
    assert ("line 5.days", "date lies outside the planning horizon") in found


def test_missing_columns_and_roster_with_schedule_are_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"person": "ana", "site": "riga"}])
    assert [e.message for e in _errors(path)] == ["missing column(s) date, shift, start"]
    raw = tomllib.loads(path.read_text())
    raw["roster"] = tomllib.loads(RETAIL.read_text())["roster"]
    path.write_bytes(tomli_w.dumps(raw).encode())
    assert any(e.path == "schedule" for e in _errors(path))


def test_two_people_on_one_shift_is_no_repeat(tmp_path: Path) -> None:
    """Rows alike but for the person are two agents on that shift, without a warning."""
    base = {
        "person": "ana",
        "site": "riga",
        "contract": "",
        "date": "2026-03-23",
        "shift": "full-8h",
        "start": "08:00",
    }
    scenario, problems = check_file(_write(tmp_path, [base, {**base, "person": "ben"}]))
    assert scenario is not None and problems == []
    assert [(r.site, r.start, r.days, r.agents) for r in scenario.roster] == [
        ("riga", 480, dt.date(2026, 3, 23), 2)
    ]


def test_a_contract_must_be_one_of_the_scenarios_contracts(tmp_path: Path) -> None:
    """With ``[[contracts]]`` defined, a schedule row's contract must name one of them (with a
    did-you-mean); without any, the column is ignored with one warning."""
    base = {
        "person": "ana",
        "site": "riga",
        "contract": "full-tme",
        "date": "2026-03-23",
        "shift": "full-8h",
        "start": "08:00",
    }
    scenario, problems = check_file(_write(tmp_path, [base]))
    assert scenario is not None
    assert [(p.path, p.warning) for p in problems] == [("contract", True)]
    contracts = {
        "contracts": [{"name": "full-time", "days_per_week": 5}],
        "optimizer": {"plan": "shifts"},
    }
    errors = _errors(_write(tmp_path, [base], contracts))
    assert [(e.path, e.message) for e in errors] == [
        ("line 2.contract", "is not a defined contract; did you mean 'full-time'?")
    ]
    assert load(_write(tmp_path, [{**base, "contract": "full-time"}], contracts)).schedule_rows


def test_a_person_breaking_their_contract_is_warned_at_the_line(tmp_path: Path) -> None:
    """Ana on full-time works 20:00 Monday, then 08:00 Tuesday (3h30m of rest against 11h): the
    file loads, with a warning at Tuesday's line naming the rule (and none for Ben)."""
    contracts = {
        "contracts": [{"name": "full-time", "days_per_week": 5, "start_band": "12h"}],
        "optimizer": {"plan": "shifts"},
    }
    rows = [
        {
            "person": who,
            "site": "riga",
            "contract": "full-time",
            "date": f"2026-03-{day}",
            "shift": "full-8h",
            "start": start,
        }
        for who, day, start in [("ana", 23, "20:00"), ("ana", 24, "08:00"), ("ben", 23, "08:00")]
    ]
    scenario, problems = check_file(_write(tmp_path, rows, contracts))
    assert scenario is not None
    rest = [(p.path, p.message) for p in problems if "rest" in p.message]
    assert rest == [
        (
            "line 3",
            "breaks the contract's rest rule: 3h30m of rest before this shift, less than 11h",
        )
    ]
