"""Field types shared by every table of the scenario format, and the frozen base model.

Durations are stored in seconds [s] and times of day in minutes after midnight [min]; the raw
strings are parsed here, at the boundary, and nothing downstream parses them again.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from scenarios.units import parse_duration, parse_time_of_day

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


class Model(BaseModel):
    """Base of every scenario table: frozen, unknown keys rejected."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )
