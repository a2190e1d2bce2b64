"""Field types shared by every table of the scenario format, and the frozen base model.

Durations are stored in seconds [s] and times of day in minutes after midnight [min]; the raw
strings are parsed here, at the boundary, and nothing downstream parses them again.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scenarios.units import parse_duration, parse_time_of_day

# --------------------------------------------------------------------------------------------
# Field types


NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Keys of the zone database that are not IANA time zones: ``localtime`` is this machine's
setting (another machine reads the file differently), ``posixrules`` a default rule set and
``Factory`` a placeholder with no offset."""

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
MONTH_S = 31 * DAY_S
"""Upper bounds of durations [s]: a day, a week, 31 days."""

MAX_AGENTS = 100_000
"""Most agents in one roster row or at one site."""
MAX_MONEY = 1e6
"""Largest amount of money in one field (an hourly cost, a bot session) [currency units]."""
MAX_WEIGHT = 1e6
"""Largest relative weight (weekday weights, hourly profile)."""


@functools.cache
def iana_zones() -> frozenset[str]:
    """The IANA time-zone names the zone database on this machine (or ``tzdata``) knows."""
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES


def _zone(value: str) -> str:
    if value not in iana_zones():
        raise ValueError("is not a known IANA time zone (e.g. 'Europe/Berlin')")
    return value


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]{1,80}", value):
        raise ValueError("must be 1-80 lowercase letters, digits or '-' (it names a folder)")
    return value


def _currency(value: str) -> str:
    """A currency code: three capital letters (ISO 4217 form, e.g. EUR, USD, BRL)."""
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError("must be a 3-letter currency code in capitals, e.g. 'EUR' or 'USD'")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("must be longer than zero")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""A duration, written ``"1h30m"``, stored in seconds [s]."""
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive)]
TimeOfDay = Annotated[int, Field(ge=0, le=1439), BeforeValidator(parse_time_of_day)]
"""A local time of day, written ``"HH:MM"``, stored in minutes after midnight [min]."""
TimeZone = Annotated[str, AfterValidator(_zone)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Name = Annotated[str, Field(min_length=1, max_length=64)]


CROSS_FIELD = "cross_field"
"""The pydantic error type of a broken ``Model.flaws`` rule (the loader reports these itself,
key by key, through ``scenarios.table_rules``)."""


class Flaw(NamedTuple):
    """One rule across the fields of a table that its values break."""

    key: str | None
    """The TOML key the problem is about (its value is shown), None for the table as a whole."""
    message: str
    """What is wrong, as ``FILE: key.path: MESSAGE (got VALUE)`` shows it."""


class Model(BaseModel):
    """Base of every scenario table: frozen, unknown keys rejected, and the rules across its
    fields (``flaws``) checked once its fields have parsed."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )

    @classmethod
    def flaws(cls, values: Mapping[str, Any]) -> Iterator[Flaw]:
        """The rules across this table's fields that ``values`` breaks (none here).

        ``values`` holds the parsed value of each field by TOML key (alias or name), defaults
        included, and only the fields that parsed: each rule is checked only when every field it
        needs is there, so the loader runs them on a table whose other fields failed too.
        """
        return iter(())

    @model_validator(mode="after")
    def _check_flaws(self) -> Self:
        values = {
            field.alias or name: getattr(self, name)
            for name, field in type(self).model_fields.items()
        }
        values.update(self.model_extra or {})
        found = [
            message if key is None else f"{key}: {message}"
            for key, message in type(self).flaws(values)
        ]
        if found:
            raise PydanticCustomError(CROSS_FIELD, "{text}", {"text": "; ".join(found)})
        return self
