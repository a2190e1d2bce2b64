"""The scenario format (format 1) as frozen, validated pydantic models.

Every field carries a description; ``scenarios.docs`` turns them into the format reference in the
README. Durations are stored in seconds [s] and times of day in minutes after midnight [min]; the
raw strings are parsed here, at the boundary, and nothing downstream parses them again.

Checks that need more than one field (references between tables, shares that must sum to 1) live
in ``scenarios.checks`` so that every problem of a file is reported at once.

The format is split by concept: ``scenarios.schema_fields`` (shared field types and the frozen
base model), ``scenarios.schema_run`` (``[scenario]`` and ``[run]``), ``scenarios.schema_demand``
(regions, channels, forecast CSVs), ``scenarios.schema_staff`` (sites, shifts, roster) and
``scenarios.schema_people`` (contracts). This module holds routing, the optimizer settings and the
top-level ``Scenario``, and re-exports every name, so ``from scenarios.schema import X`` is the one
import to use.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scenarios.schema_demand import (
    HOURLY_PROFILES,
    REAL_TIME_KINDS,
    Bot,
    Callback,
    Channel,
    ChannelKind,
    CountsRule,
    Distribution,
    Forecast,
    HandleTime,
    Patience,
    Redial,
    Region,
    Resolution,
    Target,
    Volume,
)
from scenarios.schema_fields import (
    DAY_S,
    Duration,
    Model,
    Name,
    PositiveDuration,
    Share,
    TimeOfDay,
    TimeZone,
    Weekday,
)
from scenarios.schema_people import Contract, HoursPerWeek, People, PeopleLimit, WeekendsOff
from scenarios.schema_run import RunConfig, ScenarioInfo
from scenarios.schema_staff import Break, Night, RosterRow, ScheduleRow, Shift, Site, Starts

__all__ = [
    "HOURLY_PROFILES",
    "REAL_TIME_KINDS",
    "Bot",
    "Break",
    "Callback",
    "Channel",
    "ChannelKind",
    "Contract",
    "CountsRule",
    "Distribution",
    "Duration",
    "Forecast",
    "HandleTime",
    "HoursPerWeek",
    "Model",
    "Name",
    "Night",
    "OptimizerConfig",
    "Patience",
    "People",
    "PeopleLimit",
    "PositiveDuration",
    "Redial",
    "Region",
    "Resolution",
    "RosterRow",
    "Routing",
    "RunConfig",
    "Scenario",
    "ScenarioInfo",
    "ScheduleRow",
    "Share",
    "Shift",
    "Site",
    "Starts",
    "Target",
    "TimeOfDay",
    "TimeZone",
    "Verify",
    "Volume",
    "Weekday",
    "WeekendsOff",
]

# --------------------------------------------------------------------------------------------
# Routing, optimizer, the whole scenario


class Routing(Model):
    """The `[routing]` table."""

    priority: tuple[Name, ...] = Field(
        (), description="Channels, highest priority first; unlisted channels come last."
    )


class Verify(Model):
    """Simulation check of an optimized plan."""

    replications: int = Field(
        10,
        ge=2,
        le=10_000,
        description=(
            "Replications per simulation of a round's plan, and the first batch of the "
            "fresh-seed check."
        ),
    )
    max_replications: int = Field(
        60,
        ge=2,
        le=10_000,
        description=(
            "Most replications of the fresh-seed check: after the first batch, it runs up to "
            "this many while a cell is undecided (neither shown short nor shown less than 3 "
            "points below target), within time_budget."
        ),
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level.")
    tolerance: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        description=(
            "A cell meets its target when its expected service level is at least target "
            "minus this share (0.02 = 2 points)."
        ),
    )


class OptimizerConfig(Model):
    """The `[optimizer]` table."""

    solver: Literal["highs", "cbc"] = Field("highs", description="MILP solver.")
    time_limit: PositiveDuration = Field(
        120.0,
        le=DAY_S,
        description=(
            "Solver time limit per round, e.g. '120s', for a model the size of "
            "global-retail's; larger models get proportionally more, within time_budget."
        ),
    )
    time_budget: PositiveDuration = Field(
        1200.0,
        le=7 * DAY_S,
        description=(
            "Wall time for the whole optimize, e.g. '20m': no round starts that would not "
            "leave time for the verification."
        ),
    )
    mip_gap: float = Field(0.01, ge=0.0, le=1.0, description="Relative MIP gap to stop at.")
    verify: Verify = Field(
        Verify(), description="{ replications, max_replications, confidence, tolerance }."
    )
    max_iterations: int = Field(8, ge=1, le=100, description="Simulate-and-correct rounds.")
    targets: Literal["interval", "daily"] = Field(
        "interval", description="Meet targets in every interval, or each day as a whole."
    )
    plan: Literal["people", "shifts"] | None = Field(
        None,
        description=(
            "What optimize plans: 'people' (weekly tours of people under the contracts' "
            "rules) or 'shifts' (independent agent-shifts per day); default 'people' when "
            "[[contracts]] exist, else 'shifts'."
        ),
    )


class Scenario(Model):
    """One contact center for one planning horizon (format 1)."""

    format: Literal[1] = Field(description="Format version: 1.")
    scenario: ScenarioInfo = Field(description="[scenario] table.")
    run: RunConfig = Field(RunConfig(), description="[run] table.")
    regions: tuple[Region, ...] = Field(min_length=1, description="[[regions]] rows.")
    channels: tuple[Channel, ...] = Field(min_length=1, description="[[channels]] rows.")
    sites: tuple[Site, ...] = Field(min_length=1, description="[[sites]] rows.")
    shifts: tuple[Shift, ...] = Field((), description="[[shifts]] rows.")
    contracts: tuple[Contract, ...] = Field(
        (), description="[[contracts]] rows: the people who work the shifts."
    )
    routing: Routing = Field(Routing(), description="[routing] table.")
    optimizer: OptimizerConfig = Field(OptimizerConfig(), description="[optimizer] table.")
    roster: tuple[RosterRow, ...] = Field(
        (),
        description=(
            "[[roster]] rows, or roster = 'file.csv' (path relative to the scenario) with "
            "the columns site, shift, start, days, agents."
        ),
    )
    roster_file: str | None = Field(
        None, exclude=True, description="The roster CSV path, when the roster came from one."
    )
    schedule: str | None = Field(
        None,
        description=(
            "Instead of roster: schedule = 'file.csv' (path relative to the scenario), the "
            "roster as people, one row per person and working date, with the columns person, "
            "site, contract (optional), date (site-local), shift, start ('HH:MM' site-local)."
        ),
    )
    schedule_file: str | None = Field(
        None, exclude=True, description="The schedule CSV path, when the roster came from one."
    )
    schedule_rows: tuple[ScheduleRow, ...] = Field(
        (),
        exclude=True,
        description="The schedule's rows (loader); the roster holds them as one-off rows.",
    )
    forecasts: dict[str, Forecast] = Field(
        default_factory=dict, exclude=True, description="Forecast CSVs by channel (loader)."
    )

    # -- lookups -------------------------------------------------------------------------
    def channel(self, name: str) -> Channel:
        """The channel called ``name``."""
        return next(c for c in self.channels if c.name == name)

    def site(self, name: str) -> Site:
        """The site called ``name``."""
        return next(s for s in self.sites if s.name == name)

    def shift(self, name: str) -> Shift:
        """The shift template called ``name``."""
        return next(s for s in self.shifts if s.name == name)

    def contract(self, name: str) -> Contract:
        """The contract called ``name``."""
        return next(c for c in self.contracts if c.name == name)

    def effective_plan(self) -> Literal["people", "shifts"]:
        """What optimize plans: ``[optimizer] plan``, by default 'people' when the scenario has
        contracts and 'shifts' when it has none."""
        if self.optimizer.plan is not None:
            return self.optimizer.plan
        return "people" if self.contracts else "shifts"

    def planning(self, plan: Literal["people", "shifts"] | None) -> Scenario:
        """This scenario with ``[optimizer] plan`` set to ``plan`` (None: unchanged)."""
        if plan is None:
            return self
        return self.model_copy(
            update={"optimizer": self.optimizer.model_copy(update={"plan": plan})}
        )

    def priority_order(self) -> tuple[str, ...]:
        """Channel names by routing priority; channels not listed follow in file order."""
        listed = [p for p in self.routing.priority if any(c.name == p for c in self.channels)]
        return (*listed, *(c.name for c in self.channels if c.name not in listed))

    def region_shares(self, channel: Channel) -> dict[str, float]:
        """Share of ``channel``'s volume by region name (its override, or the regions')."""
        if channel.region_shares is not None:
            return {r.name: channel.region_shares.get(r.name, 0.0) for r in self.regions}
        return {r.name: r.share for r in self.regions}
