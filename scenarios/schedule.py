"""The roster as people: ``schedule = "schedule.csv"`` instead of ``roster``.

One row per person and working date (columns ``person``, ``site``, ``contract`` (optional),
``date`` (site-local), ``shift``, ``start`` (``"HH:MM"`` site-local)); other columns, such as
the ``end``, ``paid_hours``, ``night`` and ``weekend`` a people plan writes, are ignored. It is
the form a planner exports from a workforce tool.

Each row is one person's shift on one date, so the simulation sees it as a one-off roster row
with one agent; rows of the same site, template, start and date become one roster row with
their count of agents (``to_roster``), which the engine simulates exactly as it would the rows
one by one (absenteeism is drawn per agent-shift either way). The rows are checked like roster
rows (site, template usable there, allowed start and weekday, date in the horizon), and a person
may not work two shifts that overlap in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from scenarios import rules
from scenarios.checks import REPEATS_SHOWN, check_roster_rows, did_you_mean, report_repeats
from scenarios.csvinputs import open_records, report_invalid
from scenarios.files import Sources
from scenarios.problems import Collector, Problem
from scenarios.schema import Scenario
from scenarios.schema_staff import RosterRow, ScheduleRow
from scenarios.units import parse_duration

SCHEDULE_COLUMNS = ("person", "site", "date", "shift", "start")
"""Columns a schedule CSV must have (``contract`` is optional, any other column ignored)."""


def to_roster(rows: Sequence[ScheduleRow]) -> tuple[RosterRow, ...]:
    """One-off roster rows, one per site, template, start and date, with the count of people
    working it; in order of first appearance."""
    counts: dict[tuple[str, str, int, dt.date], int] = {}
    for row in rows:
        key = (row.site, row.shift, row.start, row.date)
        counts[key] = counts.get(key, 0) + 1
    return tuple(
        RosterRow.model_construct(site=site, shift=shift, start=start, days=date, agents=agents)
        for (site, shift, start, date), agents in counts.items()
    )


def _span(raw: dict[str, Any], row: ScheduleRow) -> tuple[float, float] | None:
    """When ``row``'s shift starts and ends [s since 1970-01-01 UTC]; None when its site or
    template is unknown (reported elsewhere)."""
    site = next((s for s in raw.get("sites", []) if s.get("name") == row.site), None)
    shift = next((s for s in raw.get("shifts", []) if s.get("name") == row.shift), None)
    if site is None or shift is None:
        return None
    try:
        zone = ZoneInfo(str(site.get("timezone")))
        length = parse_duration(shift.get("length"))
    except (ValueError, KeyError):
        return None
    day = dt.datetime.combine(row.date, dt.time(), tzinfo=zone)
    start = (day + dt.timedelta(minutes=row.start)).timestamp()
    return start, start + length


def _check_overlaps(
    raw: dict[str, Any], rows: Sequence[tuple[int, ScheduleRow]], report: Collector
) -> None:
    """A person cannot work two shifts at once: each overlap is reported at the later line."""
    by_person: dict[str, list[tuple[float, float, int]]] = {}
    for line, row in rows:
        span = _span(raw, row)
        if span is not None:
            by_person.setdefault(row.person, []).append((*span, line))
    found: list[tuple[str, str]] = []
    for shifts in by_person.values():
        shifts.sort()
        latest_end, latest_line = shifts[0][1], shifts[0][2]
        for start, end, line in shifts[1:]:
            if start < latest_end:
                found.append((f"line {max(line, latest_line)}", f"line {min(line, latest_line)}"))
            if end > latest_end:
                latest_end, latest_line = end, line
    report_repeats(
        report,
        found,
        "overlaps the same person's shift on {other}: one person works one shift at a time",
        "shifts of one person overlap",
    )


def _check_contracts(
    raw: dict[str, Any], rows: Sequence[tuple[int, ScheduleRow]], report: Collector
) -> None:
    """A contract named in the schedule must be one of ``[[contracts]]``; with none defined,
    the column is informational and a warning says so."""
    named = [(line, row.contract) for line, row in rows if row.contract]
    if not named:
        return
    defined = [c.get("name") for c in raw.get("contracts", []) if isinstance(c, dict)]
    contracts = [c for c in defined if isinstance(c, str)]
    if not contracts:
        report.warn(
            "contract",
            "names contracts, but the scenario has no [[contracts]]: the column is ignored",
        )
        return
    for line, contract in named:
        if contract not in contracts:
            report(
                f"line {line}.contract",
                "is not a defined contract" + did_you_mean(contract, contracts),
            )


def read_schedule(
    base: Path,
    relative: str,
    raw: dict[str, Any],
    problems: list[Problem],
    sources: Sources | None = None,
) -> tuple[tuple[ScheduleRow, ...], tuple[int, ...]] | None:
    """Read the schedule CSV ``relative`` (to ``base``), checked against the scenario ``raw``:
    its rows and their CSV lines; its problems go to ``problems`` (None returned when any stops
    it from loading)."""
    report, found = open_records(
        base, relative, "schedule file", SCHEDULE_COLUMNS, problems, sources
    )
    if found is None:
        return None
    parsed: list[tuple[int, ScheduleRow]] = []
    as_roster: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, row in found:
        entry: dict[str, Any] = {k: row.get(k, "") for k in (*SCHEDULE_COLUMNS, "contract")}
        entry["contract"] = entry["contract"] or None
        try:
            entry["date"] = dt.date.fromisoformat(entry["date"])
        except ValueError:
            report(f"line {line}.date", "should be a date, YYYY-MM-DD")
            continue
        as_roster.append({**entry, "days": entry["date"], "agents": 1})
        lines.append(line)
        try:
            parsed.append((line, ScheduleRow.model_validate(entry)))
        except ValidationError as exc:
            report_invalid(report, line, exc)
    if not found:
        report("(file)", "has no rows: a schedule lists at least one person's shift")
    check_roster_rows(
        raw, as_roster, report, report.warn, lambda index: f"line {lines[index]}", repeats=False
    )
    _check_overlaps(raw, parsed, report)
    _check_contracts(raw, parsed, report)
    problems.extend(report.problems)
    if any(not p.warning for p in report.problems):
        return None
    return tuple(row for _, row in parsed), tuple(line for line, _ in parsed)


def warn_breaches(scenario: Scenario, lines: Sequence[int], file: str) -> list[Problem]:
    """Warnings at the lines of the schedule ``file`` whose person breaks a rule of their
    contract (``scenarios.rules``), the first few of each rule one line each."""
    report = Collector(file, echo=False)
    by_rule: dict[str, list[tuple[str, str]]] = {}
    for breach in rules.breaches(scenario):
        by_rule.setdefault(breach.rule, []).append((f"line {lines[breach.row]}", breach.message))
    for rule, found in by_rule.items():
        for path, message in found[:REPEATS_SHOWN]:
            report.warn(path, f"breaks the contract's {rule} rule: {message}")
        if len(found) > REPEATS_SHOWN:
            report.warn("(file)", f"{len(found) - REPEATS_SHOWN} more breaches of {rule}")
    return report.problems
