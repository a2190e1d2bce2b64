"""The scenario format (format 1) as frozen, validated pydantic models.

Every field carries a description; ``scenarios.docs`` turns them into the format reference in the
README. Durations are stored in seconds [s] and times of day in minutes after midnight [min]; the
raw strings are parsed here, at the boundary, and nothing downstream parses them again.

Checks that need more than one field (references between tables, shares that must sum to 1) live
in ``scenarios.checks`` so that every problem of a file is reported at once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)

from scenarios.units import WEEKDAYS, parse_duration, parse_time_of_day

# --------------------------------------------------------------------------------------------
# Field types


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError("is not a known IANA time zone (e.g. 'Europe/Berlin')") from exc
    return value


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]{1,80}", value):
        raise ValueError("must be 1-80 lowercase letters, digits or '-' (it names a folder)")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be longer than zero")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""A duration, written ``"1h30m"``, stored in seconds [s]."""
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive)]
TimeOfDay = Annotated[int, BeforeValidator(parse_time_of_day)]
"""A local time of day, written ``"HH:MM"``, stored in minutes after midnight [min]."""
TimeZone = Annotated[str, AfterValidator(_zone)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Name = Annotated[str, Field(min_length=1, max_length=64)]

ChannelKind = Literal["voice", "chat", "email", "social"]
Distribution = Literal["lognormal", "gamma", "exponential", "fixed"]
CountsRule = Literal["offered", "answered", "offered_excl_short"]

REAL_TIME_KINDS: frozenset[str] = frozenset({"voice", "chat"})
"""Channel kinds whose customers wait on line and may abandon."""

HOURLY_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    # Office hours with a morning peak and an afternoon shoulder.
    "business": (
        0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.0, 8.0, 8.0,
        7.0, 7.0, 7.5, 7.0, 6.0, 4.5, 2.5, 1.5, 1.0, 0.6, 0.3, 0.2,
    ),
    # Long retail day: steady from morning into the late evening.
    "extended": (
        0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 5.5, 6.0, 6.0,
        6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 5.5, 4.5, 3.0, 1.2,
    ),
    # Social media: quiet mornings, peak in the evening after work.
    "evening": (
        1.0, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.0, 3.5, 3.5,
        4.0, 4.0, 4.0, 4.0, 4.5, 5.0, 6.0, 7.0, 7.5, 7.0, 5.0, 2.5,
    ),
}  # fmt: skip
"""Built-in 24-hour demand profiles (relative weights by local hour)."""


def _hourly_profile(value: Any) -> Any:
    if isinstance(value, str):
        if value not in HOURLY_PROFILES:
            names = ", ".join(HOURLY_PROFILES)
            raise ValueError(f"is not a built-in profile (one of: {names})")
        return HOURLY_PROFILES[value]
    if not isinstance(value, list | tuple):
        raise ValueError("must be 24 weights by local hour or a built-in profile name")
    return tuple(value)


def _roster_days(value: Any) -> tuple[str, ...] | dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a list of weekdays or one date (without a time)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError('must be a list of weekdays such as ["mon", "tue"] or one date')
    bad = [day for day in value if day not in WEEKDAYS]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    if len(set(value)) != len(value):
        raise ValueError("lists a weekday twice")
    return tuple(value)


class Model(BaseModel):
    """Base of every scenario table: frozen, unknown keys rejected."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------------------------
# [scenario] and [run]


class ScenarioInfo(Model):
    """The `[scenario]` table: what is planned, and on which clock."""

    name: Annotated[str, AfterValidator(_slug)] = Field(
        description="Short name, lowercase letters, digits and '-'; names the results folder."
    )
    description: str = Field("", description="Free text.")
    start: dt.date = Field(description="First planned day (TOML local date, e.g. 2026-03-23).")
    days: int = Field(ge=1, le=62, description="Horizon length in days (1..62).")
    interval: Literal["15m", "30m", "60m"] = Field(
        "30m", description="Staffing and reporting granularity: 15m, 30m or 60m."
    )
    timezone: TimeZone = Field(
        "UTC", description="IANA zone of the planning clock (days and interval labels)."
    )

    @property
    def interval_s(self) -> int:
        """Interval length [s]."""
        return int(parse_duration(self.interval))


class RunConfig(Model):
    """The `[run]` table: how the simulation is replicated."""

    replications: int = Field(10, ge=1, le=10_000, description="Independent replications.")
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="Seed; same file + seed => bit-identical results."
    )
    warmup: Duration = Field(
        86400.0,
        ge=0.0,
        le=7 * 86400.0,
        description="Time simulated before the horizon and discarded (cyclic replay), e.g. 24h.",
    )


# --------------------------------------------------------------------------------------------
# [[regions]]


class Region(Model):
    """A `[[regions]]` row: where customers are."""

    name: Name = Field(description="Region name.")
    timezone: TimeZone = Field(description="IANA zone; demand patterns follow this local time.")
    share: Share = Field(description="Share of every channel's volume; shares sum to 1.")
    language: Name = Field("any", description="Language its customers need ('any' = anyone).")


# --------------------------------------------------------------------------------------------
# [[channels]]


class Volume(Model):
    """Expected contacts over all regions."""

    per: Literal["week", "day"] = Field(description="'week' or 'day'.")
    count: float = Field(ge=0.0, le=1e8, description="Expected contacts per week or average day.")


class HandleTime(Model):
    """Agent handle time of one contact."""

    mean: PositiveDuration = Field(description="Mean handle time, e.g. '6m'.")
    cv: float = Field(1.0, ge=0.0, le=5.0, description="Coefficient of variation.")
    distribution: Distribution = Field(
        "lognormal", description="lognormal, gamma, exponential (cv 1) or fixed (cv 0)."
    )


class Patience(Model):
    """How long a real-time customer waits before abandoning."""

    mean: PositiveDuration = Field(description="Mean patience, e.g. '3m'.")
    cv: float = Field(1.0, ge=0.0, le=5.0, description="Coefficient of variation.")
    distribution: Distribution = Field(
        "exponential", description="lognormal, gamma, exponential or fixed."
    )


class Target(Model):
    """The response-time target of a channel."""

    within: PositiveDuration = Field(description="Answer (or first response) within this time.")
    share: Share = Field(description="Share of contacts that must meet it, e.g. 0.80.")
    counts: CountsRule = Field(
        "offered",
        description=(
            "Denominator: 'offered' (answered + abandoned), 'answered', or "
            "'offered_excl_short' (abandons shorter than short_abandon dropped)."
        ),
    )
    short_abandon: Duration = Field(
        5.0, ge=0.0, description="Abandons shorter than this are not counted by offered_excl_short."
    )


class Callback(Model):
    """Voice only: virtual hold. A waiting caller is offered a call back and keeps their place."""

    offer_after: Duration = Field(ge=0.0, description="Offer made after this wait.")
    accept_share: Share = Field(description="Share of callers still waiting who accept.")
    within: PositiveDuration = Field(description="Target: call back within this time of accepting.")


class Bot(Model):
    """A chatbot or self-service step in front of a channel."""

    containment: Share = Field(description="Share resolved by the bot (used when simulating).")
    options: tuple[Share, ...] = Field(
        (), description="Containment levels the optimizer may choose from."
    )
    time: Duration = Field(ge=0.0, description="Time every contact spends with the bot.")
    cost_per_session: float = Field(0.0, ge=0.0, description="Cost of one bot session.")
    escalated_handle_time_factor: float = Field(
        1.0, gt=0.0, le=10.0, description="Handle-time multiplier for escalated contacts."
    )
    recontact_share: Share = Field(
        0.0, description="Share of contained contacts that come back without the bot."
    )
    recontact_after: Duration = Field(0.0, ge=0.0, description="When they come back.")


class Channel(Model):
    """A `[[channels]]` row: what customers send."""

    name: Name = Field(description="Channel name, referenced by sites and routing.")
    kind: ChannelKind = Field(
        description="voice, chat (real time, may abandon), email or social (asynchronous)."
    )
    volume: Volume | None = Field(None, description="{ per = 'week'|'day', count = N }.")
    forecast: str | None = Field(
        None,
        description=(
            "Alternative to volume: CSV path (relative to the scenario file) with "
            "interval_start (ISO 8601 with offset), volume, optional region and aht [s]."
        ),
    )
    weekday_weights: tuple[Annotated[float, Field(ge=0.0)], ...] = Field(
        (1.0,) * 7, description="7 relative weights, Mon..Sun."
    )
    hourly_profile: Annotated[
        tuple[Annotated[float, Field(ge=0.0)], ...], BeforeValidator(_hourly_profile)
    ] = Field(
        HOURLY_PROFILES["flat"],
        description="24 weights by local hour, or flat, business, extended, evening.",
    )
    region_shares: dict[str, Share] | None = Field(
        None, description="Overrides regions.share for this channel."
    )
    forecast_error: float = Field(
        0.0, ge=0.0, le=2.0, description="CV of a per-day gamma volume multiplier (mean 1)."
    )
    handle_time: HandleTime = Field(description="{ mean, cv, distribution }.")
    patience: Patience | None = Field(
        None, description="Real-time kinds only; omitted = nobody abandons."
    )
    target: Target = Field(description="{ within, share, counts, short_abandon }.")
    concurrency: int = Field(1, ge=1, le=10, description="Chat only: contacts held at once.")
    concurrency_slowdown: tuple[Annotated[float, Field(gt=0.0)], ...] | None = Field(
        None, description="Chat only: handle-time factor by number held, e.g. [1.0, 1.25]."
    )
    callback: Callback | None = Field(None, description="Voice only: virtual hold.")
    bot: Bot | None = Field(None, description="Chatbot in front of the channel.")

    @property
    def real_time(self) -> bool:
        """True for voice and chat (customers wait on line)."""
        return self.kind in REAL_TIME_KINDS

    def slowdown(self, held: int) -> float:
        """Handle-time factor for a chat assigned when the agent will hold ``held`` contacts."""
        if self.concurrency_slowdown is None:
            return 1.0
        return self.concurrency_slowdown[min(held, len(self.concurrency_slowdown)) - 1]

    @model_validator(mode="after")
    def _kind_rules(self) -> Channel:
        problems = []
        if (self.volume is None) == (self.forecast is None):
            problems.append("give exactly one of 'volume' and 'forecast'")
        if len(self.weekday_weights) != 7:
            problems.append(f"weekday_weights needs 7 numbers, got {len(self.weekday_weights)}")
        elif sum(self.weekday_weights) <= 0:
            problems.append("weekday_weights are all zero")
        if len(self.hourly_profile) != 24:
            problems.append(f"hourly_profile needs 24 numbers, got {len(self.hourly_profile)}")
        elif sum(self.hourly_profile) <= 0:
            problems.append("hourly_profile weights are all zero")
        if self.patience is not None and not self.real_time:
            problems.append(f"patience is for voice and chat only, not {self.kind}")
        if self.kind != "chat" and (self.concurrency != 1 or self.concurrency_slowdown):
            problems.append(f"concurrency is for chat only, not {self.kind}")
        if self.concurrency_slowdown is not None and len(self.concurrency_slowdown) != (
            self.concurrency
        ):
            problems.append(
                f"concurrency_slowdown needs one factor per contact held "
                f"({self.concurrency}), got {len(self.concurrency_slowdown)}"
            )
        if self.callback is not None and self.kind != "voice":
            problems.append(f"callback is for voice only, not {self.kind}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --------------------------------------------------------------------------------------------
# [[sites]] and [[shifts]]


class Night(Model):
    """Night premium window in the site's local time."""

    from_: TimeOfDay = Field(alias="from", description="Window start 'HH:MM' (local).")
    to: TimeOfDay = Field(description="Window end 'HH:MM' (local); may wrap past midnight.")
    premium: float = Field(ge=0.0, le=5.0, description="Extra share of pay in the window.")


class Site(Model):
    """A `[[sites]]` row: where agents are."""

    name: Name = Field(description="Site name.")
    timezone: TimeZone = Field(description="IANA zone; shifts start at local wall-clock times.")
    skills: tuple[Name, ...] = Field(min_length=1, description="Channel names its agents handle.")
    languages: tuple[Name, ...] = Field(
        ("any",), min_length=1, description="Languages served; 'any' serves every region."
    )
    hourly_cost: float = Field(ge=0.0, description="Cost of one paid agent hour.")
    night: Night | None = Field(None, description="{ from, to, premium } night premium.")
    weekend_premium: float = Field(
        0.0, ge=0.0, le=5.0, description="Extra share for paid time on local Sat and Sun."
    )
    absenteeism: Share = Field(
        0.0, description="Probability a scheduled agent-shift does not show up (unpaid)."
    )
    offline_share: float = Field(
        0.0, ge=0.0, lt=1.0, description="Share of each shift offline, one block, random time."
    )
    max_agents: int | None = Field(
        None, ge=0, description="Most agents on duty at once (optimizer bound)."
    )

    def serves(self, language: str) -> bool:
        """True if this site's agents speak ``language``."""
        return language == "any" or "any" in self.languages or language in self.languages


class Starts(Model):
    """Allowed local start times of a shift template."""

    from_: TimeOfDay = Field(alias="from", description="Earliest start 'HH:MM'.")
    to: TimeOfDay = Field(description="Latest start 'HH:MM'; earlier than from = wraps midnight.")
    every: PositiveDuration = Field(description="Step between allowed starts, e.g. '30m'.")

    def minutes(self) -> tuple[int, ...]:
        """Allowed start times [min after local midnight], in order from ``from``."""
        step = max(1, round(self.every / 60))
        span = (self.to - self.from_) % 1440
        return tuple((self.from_ + k) % 1440 for k in range(0, span + 1, step))


class Break(Model):
    """A break within a shift."""

    after: Duration = Field(ge=0.0, description="Planned start, measured from shift start.")
    length: PositiveDuration = Field(description="Break length.")


class Shift(Model):
    """A `[[shifts]]` row: a shift template."""

    name: Name = Field(description="Template name.")
    sites: tuple[Name, ...] | None = Field(None, description="Sites that may use it (all).")
    starts: Starts = Field(description="{ from, to, every } allowed local start times.")
    length: PositiveDuration = Field(le=7 * 86400.0, description="Time on site, e.g. '8h30m'.")
    paid: Duration | None = Field(None, ge=0.0, description="Paid time (default: length).")
    breaks: tuple[Break, ...] = Field((), description="[{ after, length }, ...].")
    days: tuple[Weekday, ...] = Field(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        description="Weekdays it may start on (all).",
    )

    @property
    def paid_s(self) -> float:
        """Paid time [s]."""
        return self.length if self.paid is None else self.paid

    @model_validator(mode="after")
    def _inside_shift(self) -> Shift:
        if self.paid is not None and self.paid > self.length:
            raise ValueError("paid time is longer than the shift length")
        for brk in self.breaks:
            if brk.after + brk.length > self.length:
                raise ValueError(
                    f"a break after {brk.after:g}s of {brk.length:g}s ends after the shift"
                )
        return self


# --------------------------------------------------------------------------------------------
# Roster, routing, optimizer


class RosterRow(Model):
    """A roster row: agents of one site working one shift template from one start time."""

    site: Name = Field(description="Site name.")
    shift: Name = Field(description="Shift template name.")
    start: TimeOfDay = Field(description="Local start time 'HH:MM'.")
    days: Annotated[tuple[str, ...] | dt.date, PlainValidator(_roster_days)] = Field(
        description="Weekdays it starts on, or one date for a one-off row."
    )
    agents: int = Field(ge=0, le=100_000, description="Agents on each of these shifts.")


class Routing(Model):
    """The `[routing]` table."""

    priority: tuple[Name, ...] = Field(
        (), description="Channels, highest priority first; unlisted channels come last."
    )


class Verify(Model):
    """Simulation check of an optimized plan."""

    replications: int = Field(10, ge=2, le=10_000, description="Replications per check.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level.")


class OptimizerConfig(Model):
    """The `[optimizer]` table."""

    solver: Literal["highs", "cbc"] = Field("highs", description="MILP solver.")
    time_limit: PositiveDuration = Field(120.0, description="Solver time limit, e.g. '120s'.")
    mip_gap: float = Field(0.01, ge=0.0, le=1.0, description="Relative MIP gap to stop at.")
    verify: Verify = Field(Verify(), description="{ replications, confidence }.")
    max_iterations: int = Field(8, ge=1, le=100, description="Simulate-and-correct rounds.")
    targets: Literal["interval", "daily"] = Field(
        "interval", description="Meet targets in every interval, or each day as a whole."
    )


class Forecast(Model):
    """A forecast CSV, read and resolved by the loader (not written in the TOML file)."""

    path: str = Field(description="The CSV path as written in the scenario.")
    start_utc_s: tuple[float, ...] = Field(description="Row starts [s since 1970-01-01 UTC].")
    volume: tuple[float, ...] = Field(description="Expected contacts in the row's interval.")
    region: tuple[str | None, ...] = Field(description="Region of the row, None = all.")
    aht_s: tuple[float | None, ...] = Field(description="Mean handle time [s], None = channel's.")


class Scenario(Model):
    """One contact center for one planning horizon (format 1)."""

    format: Literal[1] = Field(description="Format version: 1.")
    scenario: ScenarioInfo = Field(description="[scenario] table.")
    run: RunConfig = Field(RunConfig(), description="[run] table.")
    regions: tuple[Region, ...] = Field(min_length=1, description="[[regions]] rows.")
    channels: tuple[Channel, ...] = Field(min_length=1, description="[[channels]] rows.")
    sites: tuple[Site, ...] = Field(min_length=1, description="[[sites]] rows.")
    shifts: tuple[Shift, ...] = Field((), description="[[shifts]] rows.")
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

    def priority_order(self) -> tuple[str, ...]:
        """Channel names by routing priority; channels not listed follow in file order."""
        listed = [p for p in self.routing.priority if any(c.name == p for c in self.channels)]
        return (*listed, *(c.name for c in self.channels if c.name not in listed))

    def region_shares(self, channel: Channel) -> dict[str, float]:
        """Share of ``channel``'s volume by region name (its override, or the regions')."""
        if channel.region_shares is not None:
            return {r.name: channel.region_shares.get(r.name, 0.0) for r in self.regions}
        return {r.name: r.share for r in self.regions}
