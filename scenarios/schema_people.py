"""The people who work the shifts: the `[[contracts]]` table.

A contract says how one person on it may work a week (Monday to Sunday in the site's time zone):
how many days, how many paid hours, which days off, how far apart their start times may be, how
much rest between shifts, how many nights, how often a whole weekend off, and how many people on
it a site may have. Durations are stored in seconds [s], as everywhere in the schema.

Checks that need other tables (site and template names, weekly hours against the templates' paid
time, rest against their lengths) live in ``scenarios.checks_people`` and
``scenarios.checks_weeks``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field

from scenarios.schema_fields import DAY_S, MAX_AGENTS, WEEK_S, Duration, Flaw, Model, Name
from scenarios.schema_staff import Shift
from scenarios.units import format_duration

DEFAULT_MIN_REST_S = 11 * 3600.0
"""Least rest between the end of one shift and the start of the person's next [s] (11 h, the
daily rest of the EU Working Time Directive 2003/88/EC, article 3)."""


class HoursPerWeek(Model):
    """Paid time of one person in one week; either bound may be left out.

    Both bounds are stored in seconds [s].
    """

    min: Duration | None = Field(
        None, ge=0.0, le=WEEK_S, description="Least paid time a week, e.g. '30h' (none)."
    )
    max: Duration | None = Field(
        None, ge=0.0, le=WEEK_S, description="Most paid time a week, e.g. '40h' (none)."
    )

    @classmethod
    def flaws(cls, values: Mapping[str, Any]) -> Iterator[Flaw]:
        """The minimum no more than the maximum."""
        low, high = values.get("min"), values.get("max")
        if low is not None and high is not None and low > high:
            yield Flaw("min", f"is more than max ({format_duration(high)})")


class WeekendsOff(Model):
    """How often each person on the contract has a whole weekend (Saturday and Sunday) off."""

    every: int = Field(
        ge=1, le=52, description="At least one whole weekend off in every this many weeks."
    )


class PeopleLimit(Model):
    """How many people on a contract one site may have, and has today."""

    max: int | None = Field(
        None, ge=0, le=MAX_AGENTS, description="Most people on this contract at a site (none)."
    )
    existing: int | None = Field(
        None,
        ge=0,
        le=MAX_AGENTS,
        description=(
            "People on this contract employed at a site today (none); the plan reports hires "
            "and releases against it (more than max is allowed: those are releases)."
        ),
    )


def _site_table(value: Any) -> Any:
    if not isinstance(value, dict | PeopleLimit):
        raise ValueError("is neither max, existing nor a site name with its { max, existing }")
    return value


class People(PeopleLimit):
    """People limits of a contract: `{ max = 40, existing = 32 }` applies at each of its sites;
    `{ riga = { max = 40, existing = 32 }, bogota = { existing = 10 } }` gives them by site
    name (sites left out have no limit).

    The per-site tables are the model's extra keys (``model_extra``); read them through
    ``Contract.people_at``.
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Annotated[PeopleLimit, BeforeValidator(_site_table)]] = Field(
        init=False
    )

    @classmethod
    def flaws(cls, values: Mapping[str, Any]) -> Iterator[Flaw]:
        """One form: the flat table or tables by site, not both."""
        by_site = [key for key in values if key not in ("max", "existing")]
        if by_site and (values.get("max") is not None or values.get("existing") is not None):
            yield Flaw(
                None,
                "give either { max, existing } for every site or one such table per site "
                "name, not both",
            )

    def by_site(self) -> dict[str, PeopleLimit]:
        """The per-site tables by site name (empty in the flat form)."""
        return dict(self.model_extra or {})


class Contract(Model):
    """A `[[contracts]]` row: the rules of one kind of employment.

    Weeks run Monday to Sunday in the site's time zone; rest and night counts follow the
    site's clock too.
    """

    name: Name = Field(description="Contract name, e.g. 'full-time', 'part-time', 'nights'.")
    sites: tuple[Name, ...] | None = Field(
        None, min_length=1, description="Sites where people on it work (all)."
    )
    shifts: tuple[Name, ...] | None = Field(
        None, min_length=1, description="Shift templates they work (all usable at the site)."
    )
    days_per_week: int = Field(ge=1, le=7, description="Working days in each week.")
    hours_per_week: HoursPerWeek | None = Field(
        None, description="{ min, max } paid time per week, e.g. { min = '30h', max = '40h' }."
    )
    days_off: Literal["consecutive", "any"] = Field(
        "consecutive",
        description=(
            "'consecutive': the week's days off in one block (Sunday-Monday counts as "
            "consecutive); 'any': on any days."
        ),
    )
    start_band: Duration = Field(
        0.0,
        ge=0.0,
        lt=DAY_S,
        description=(
            "Most difference between one person's start times within a week; '0m': the same "
            "start every working day."
        ),
    )
    min_rest: Duration = Field(
        DEFAULT_MIN_REST_S,
        ge=0.0,
        le=WEEK_S,
        description=(
            "Least time from the end of one shift to the start of the person's next, across "
            "week boundaries too."
        ),
    )
    max_nights_per_week: int | None = Field(
        None,
        ge=0,
        le=7,
        description=(
            "Most shifts a week that overlap the site's night window (none); a site without "
            "a night window has no night shifts."
        ),
    )
    weekends_off: WeekendsOff | None = Field(
        None, description="{ every = N }: a whole weekend off at least once every N weeks."
    )
    people: People | None = Field(
        None,
        description=(
            "{ max, existing } at each of its sites, or a table of them by site name (none: "
            "no limit and no head count)."
        ),
    )

    def sites_in(self, site_names: Sequence[str]) -> tuple[str, ...]:
        """Its sites, in the order of ``site_names`` (the scenario's sites; all by default)."""
        return tuple(s for s in site_names if self.sites is None or s in self.sites)

    def shifts_at(self, site: str, shifts: Sequence[Shift]) -> tuple[Shift, ...]:
        """The templates of ``shifts`` (the scenario's) its people may work at ``site``."""
        return tuple(
            s
            for s in shifts
            if (self.shifts is None or s.name in self.shifts)
            and (s.sites is None or site in s.sites)
        )

    def people_at(self, site: str) -> PeopleLimit:
        """The people limits at ``site``: the flat table, the site's own table, or none."""
        if self.people is None:
            return PeopleLimit()
        if not self.people.model_extra:
            return PeopleLimit(max=self.people.max, existing=self.people.existing)
        return self.people.by_site().get(site, PeopleLimit())
