"""The `[scenario]` and `[run]` tables: what is planned, on which clock, and how it is
replicated."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from scenarios.schema_fields import Duration, Model, TimeZone, _currency, _slug
from scenarios.units import parse_duration

FIRST_START = dt.date(1900, 1, 1)
LAST_START = dt.date(2200, 12, 31)
"""The range of ``scenario.start``: a horizon, its warm-up and the day either side stay within
what the time-zone conversions and pandas' time stamps (years 1677..2262) represent."""


class ScenarioInfo(Model):
    """The `[scenario]` table: what is planned, and on which clock."""

    name: Annotated[str, AfterValidator(_slug)] = Field(
        description="Short name, lowercase letters, digits and '-'; names the results folder."
    )
    description: str = Field("", description="Free text.")
    start: dt.date = Field(
        ge=FIRST_START,
        le=LAST_START,
        description="First planned day (TOML local date, e.g. 2026-03-23).",
    )
    days: int = Field(ge=1, le=62, description="Horizon length in days (1..62).")
    interval: Literal["15m", "30m", "60m"] = Field(
        "30m", description="Staffing and reporting granularity: 15m, 30m or 60m."
    )
    timezone: TimeZone = Field(
        "UTC", description="IANA zone of the planning clock (days and interval labels)."
    )
    currency: Annotated[str, AfterValidator(_currency)] | None = Field(
        None,
        description="Currency of hourly_cost and cost_per_session, a 3-letter code such as "
        "'EUR' (ISO 4217), shown with money in the terminal tables (none: plain numbers).",
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
