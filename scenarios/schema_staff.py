"""Where agents are and when they work: the `[[sites]]`, `[[shifts]]` and `[[roster]]` tables,
and the rows of a schedule CSV (the roster as people)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import Field, PlainValidator, StringConstraints

from scenarios.schema_fields import (
    DAY_S,
    MAX_AGENTS,
    MAX_MONEY,
    WEEK_S,
    Duration,
    Flaw,
    Model,
    Name,
    PositiveDuration,
    Share,
    TimeOfDay,
    TimeZone,
    Weekday,
)
from scenarios.units import WEEKDAYS, format_duration


def _roster_days(value: Any) -> tuple[str, ...] | dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a list of weekdays or one date (without a time)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            if re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
                raise ValueError("is not a date of the calendar (YYYY-MM-DD)") from None
            value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError('must be a list of weekdays such as ["mon", "tue"] or one date')
    bad = [index for index, day in enumerate(value, start=1) if day not in WEEKDAYS]
    if bad:
        raise ValueError(f"item {bad[0]} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    if len(set(value)) != len(value):
        raise ValueError("lists a weekday twice")
    return tuple(value)


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
    hourly_cost: float = Field(ge=0.0, le=MAX_MONEY, description="Cost of one paid agent hour.")
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
        None, ge=0, le=MAX_AGENTS, description="Most agents on duty at once (optimizer bound)."
    )

    def serves(self, language: str) -> bool:
        """True if this site's agents speak ``language``."""
        return language == "any" or "any" in self.languages or language in self.languages


class Starts(Model):
    """Allowed local start times of a shift template."""

    from_: TimeOfDay = Field(alias="from", description="Earliest start 'HH:MM'.")
    to: TimeOfDay = Field(description="Latest start 'HH:MM'; earlier than from = wraps midnight.")
    every: PositiveDuration = Field(
        le=DAY_S, description="Step between allowed starts, e.g. '30m'."
    )

    def minutes(self) -> tuple[int, ...]:
        """Allowed start times [min after local midnight], in order from ``from``."""
        step = max(1, round(self.every / 60))
        span = (self.to - self.from_) % 1440
        return tuple((self.from_ + k) % 1440 for k in range(0, span + 1, step))


class Break(Model):
    """A break within a shift."""

    after: Duration = Field(
        ge=0.0, le=WEEK_S, description="Planned start, measured from shift start."
    )
    length: PositiveDuration = Field(
        le=WEEK_S, description="Break length; the break ends within the shift."
    )


class Shift(Model):
    """A `[[shifts]]` row: a shift template."""

    name: Name = Field(description="Template name.")
    sites: tuple[Name, ...] | None = Field(None, description="Sites that may use it (all).")
    starts: Starts = Field(description="{ from, to, every } allowed local start times.")
    length: PositiveDuration = Field(le=WEEK_S, description="Time on site, e.g. '8h30m'.")
    paid: Duration | None = Field(
        None, ge=0.0, le=WEEK_S, description="Paid time (default: length)."
    )
    breaks: tuple[Break, ...] = Field((), description="[{ after, length }, ...].")
    days: tuple[Weekday, ...] = Field(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        description="Weekdays it may start on (all).",
    )

    @property
    def paid_s(self) -> float:
        """Paid time [s]."""
        return self.length if self.paid is None else self.paid

    @classmethod
    def flaws(cls, values: Mapping[str, Any]) -> Iterator[Flaw]:
        """Paid time no longer than the shift (breaks that end after the shift are reported
        one by one, as typed, by ``scenarios.checks``)."""
        paid, length = values.get("paid"), values.get("length")
        if paid is not None and length is not None and paid > length:
            yield Flaw("paid", f"is longer than the shift's length ({format_duration(length)})")


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
    agents: int = Field(ge=0, le=MAX_AGENTS, description="Agents on each of these shifts.")


class ScheduleRow(Model):
    """One person's shift on one date: a row of a schedule CSV (``schedule = "file.csv"``)."""

    person: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ] = Field(description="Who works it: a name or an employee id, unique per person.")
    site: Name = Field(description="Site name.")
    contract: Name | None = Field(None, description="The person's contract (optional).")
    date: dt.date = Field(description="Site-local date the shift starts on.")
    shift: Name = Field(description="Shift template name.")
    start: TimeOfDay = Field(description="Local start time 'HH:MM'.")
