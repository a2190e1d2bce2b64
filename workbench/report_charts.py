"""The charts of ``workbench report``: which charts a run folder gets, each built by
:mod:`workbench.charts` or :mod:`workbench.plan_charts`; a chart the folder's files cannot
give is left out with a note."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import altair as alt
import pandas as pd

from scenarios.loader import load
from scenarios.problems import ScenarioError
from scenarios.schema import Scenario
from workbench import charts, day_charts, people_charts, plan_charts
from workbench.report_folder import RunFolder

Chart = alt.Chart | alt.LayerChart | alt.FacetChart | alt.VConcatChart


@dataclass(frozen=True)
class Loaded:
    """The run's scenario (``optimized.toml`` after optimize, else ``scenario.toml``), loaded
    once for the staffing chart and the roster table; or why it is not there."""

    scenario: Scenario | None
    problem: str | None = None
    """``scenario.toml does not load (...)``, or that the folder has none."""


def load_scenario(run: RunFolder) -> Loaded:
    """Load the scenario whose roster the run simulated (:attr:`RunFolder.roster_file`)."""
    source = run.roster_file
    if source is None:
        return Loaded(None, "the folder has no scenario.toml")
    try:
        return Loaded(load(source))
    except ScenarioError as error:
        first = error.problems[0] if error.problems else error
        return Loaded(None, f"{source.name} does not load ({first})")


@dataclass(frozen=True)
class ReportChart:
    """One chart of the report: ``name`` (file name of its PNG, HTML id), heading, caption."""

    name: str
    title: str
    caption: str
    chart: Chart
    height_px: int | None = None
    """About how tall the chart draws [px] when that grows with the data (the schedule):
    its PNG is made at a lower pixel density where the default would be too tall."""


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


CHART_ERRORS = (ValueError, KeyError, TypeError, IndexError, ArithmeticError)
"""What a chart built from damaged run files may raise: the chart is left out with a note."""


def report_charts(
    run: RunFolder, loaded: Loaded | None = None
) -> tuple[list[ReportChart], list[str]]:
    """The charts of a run folder, and a note for every chart left out (with the reason).
    ``loaded``: the run's scenario, if already loaded (:func:`load_scenario`)."""
    loaded = load_scenario(run) if loaded is None else loaded
    out: list[ReportChart] = []
    notes: list[str] = []
    taken: set[str] = set()

    def add(
        name: str,
        title: str,
        caption: str,
        build: Callable[[], Chart | None],
        height_px: int | None = None,
    ) -> None:
        try:
            chart = build()
        except CHART_ERRORS as error:
            notes.append(f"{title}: {error}")
            return
        if chart is not None:
            out.append(ReportChart(_slug(name, taken), title, caption, chart, height_px))

    intervals = charts.with_targets(run.intervals, run.summary)
    lines = [c for c in run.summary["channels"] if c in set(intervals["channel"])]
    daily = run.daily
    replications = run.summary.get("replications")
    if daily is None:
        notes.append("service level by day: the folder has no daily.csv")
    for line in lines:
        target = run.summary["channels"][line]["target"]
        goal = f"{target['share']:.0%} within {charts.duration_text(target['within_s'])}"
        if daily is not None:
            add(
                f"daily-service-level-{line}",
                f"Service level by day: {line}",
                f"Each planning-clock day's service level (daily.csv), mean over replications "
                f"with its 95 % interval; dashed: the target ({goal}). Below, p_meet: the share "
                f"of replications in which that day reached the target share; the day's "
                f"mean can miss the target while some replications meet it.",
                partial(
                    day_charts.daily_service_level_chart,
                    daily,
                    line,
                    target["share"],
                    replications,
                ),
            )
        add(
            f"service-level-{line}",
            f"Service level by interval: {line}",
            f"One panel per planning-clock day, a week to a row (intervals.csv): mean over "
            f"replications by interval with its 95 % band; dashed: the target ({goal}).",
            partial(day_charts.interval_days_chart, intervals, line, target["share"]),
        )
    add(
        "heatmap-service-level",
        "Service level by day and hour",
        "Local days and hours of the planning clock; each hour's intervals weighted by "
        "contacts offered. Blank: nothing offered.",
        lambda: charts.heatmap_chart(run.intervals, "service_level"),
    )
    add(
        "heatmap-backlog-end",
        "Backlog by day and hour",
        "Contacts waiting at the end of each local hour (mean over replications).",
        lambda: charts.heatmap_chart(run.intervals, "backlog_end"),
    )
    add(
        "staffing",
        "Agents on duty against agents required",
        "Roster of the run (expected productive agents: on shift, not on a planned break, net "
        "of absenteeism and offline time) stacked by site, against the analytic requirement "
        "(Erlang A/C, chat, async backlog) summed over channels at the simulated bot levels.",
        lambda: _staffing(run, loaded, notes),
    )
    add(
        "cost",
        "Cost by component",
        "Labour by site and bot sessions over the horizon, mean over replications.",
        lambda: charts.cost_chart(run.summary),
    )
    requirements, costs = run.requirements, run.costs
    if requirements is not None:
        add(
            "requirement",
            "Planned staffing against requirement",
            "Per channel and language group (requirements.csv): the group's analytic "
            "requirement at the chosen bot level, the kept plan's requirement (for a real-time "
            "group the blending requirement: productive agents at the group's sites, whatever "
            "they answer) and the productive agents the plan gives there. Email and social: "
            "work arriving, work after the loop's raises and work capacity planned, in "
            "agent-intervals.",
            partial(plan_charts.requirement_chart, requirements),
        )
    if costs is not None:
        add(
            "spend",
            "Where the money goes",
            "Labour cost of the kept plan by the day its shifts start, stacked by site and "
            "shift template (costs.csv: the MILP's shift costs, premiums included; the bots' "
            "cost is in plan.json). The simulated cost of the same plan is in the KPI table.",
            partial(plan_charts.spend_chart, costs),
        )
    plan = run.plan
    if plan is not None:

        def plans() -> Chart | None:
            if charts.plan_table(plan).empty:
                notes.append("rosters compared: plan.json holds no comparison")
                return None
            return charts.plan_chart(plan)

        add(
            "plans",
            "Rosters compared",
            "Expected cost of the hand roster, the plan of the first round, the plan "
            "corrected by simulation and the verified plan (the same roster), with the cells "
            "that miss their target (scenario seed; fresh seed for the verified plan).",
            plans,
        )
    schedule = run.schedule
    if schedule is not None:
        people = run.people
        order = (
            []
            if people is None
            else [f"{s} / {c}" for s, c in zip(people["site"], people["contract"], strict=True)]
        )
        _schedule(schedule, order, add, notes)
    return out, notes


MAX_SCHEDULE_ROWS = 100_000
"""Most rows of ``schedule.csv`` drawn (about 3,500 people over four weeks): every row is a
cell of the page's inline data."""


def _schedule(
    schedule: pd.DataFrame, order: list[str], add: Callable[..., None], notes: list[str]
) -> None:
    """The schedule chart of a people plan (panels in ``order``, that of people.csv), or a
    note why it is left out."""
    if schedule.empty:
        notes.append("schedule: schedule.csv has no rows")
        return
    if len(schedule) > MAX_SCHEDULE_ROWS:
        notes.append(
            f"schedule: schedule.csv has {len(schedule):,} rows, more than the "
            f"{MAX_SCHEDULE_ROWS:,} the chart draws"
        )
        return
    people = schedule.drop_duplicates(["site", "contract", "person"])
    add(
        "schedule",
        "Schedule: who works when",
        "One row per person (schedule.csv), one column per site-local date; each working "
        "date coloured by its shift template and start time (early to late), grey when off. "
        "Rows are grouped by site and contract (head count in brackets) and sorted by the "
        "start of each person's first shift, so people on the same tour sit together. Hover "
        "a cell for the person, date, shift, start and end.",
        partial(people_charts.schedule_chart, schedule, order),
        people_charts.chart_height(
            len(people), people[["site", "contract"]].drop_duplicates().shape[0]
        ),
    )


def _staffing(run: RunFolder, loaded: Loaded, notes: list[str]) -> Chart | None:
    """Agents on duty against required, from the run's scenario; None (with a note) if the
    scenario cannot be loaded or does not match the intervals."""
    scenario, source = loaded.scenario, run.roster_file
    if scenario is None or source is None:
        notes.append(f"agents on duty: {loaded.problem}")
        return None
    try:
        on_duty = charts.agents_on_duty(scenario)
        required = charts.agents_required(scenario)
    except (ValueError, ArithmeticError) as error:
        notes.append(f"agents on duty: the requirements cannot be computed ({error})")
        return None
    if set(on_duty["interval_start"]) != set(run.intervals["interval_start"].astype(str)):
        notes.append(f"agents on duty: {source.name} plans another horizon than intervals.csv")
        return None
    return charts.staffing_chart(on_duty, required)
