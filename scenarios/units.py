"""Parsing and formatting of the scenario file's units: durations, times of day, weekdays.

Durations are strings such as ``"20s"``, ``"3m"``, ``"1h30m"``, ``"24h"`` or ``"2d"``; they are
returned in seconds. Times of day are ``"HH:MM"`` (24 h) and are returned in minutes after
midnight.
"""

from __future__ import annotations

import math
import re

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in ISO order (Monday = index 0, as ``date.weekday()``)."""

_DURATION = re.compile(
    r"^\s*(?:(?P<d>\d+(?:\.\d+)?)d)?\s*(?:(?P<h>\d+(?:\.\d+)?)h)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)m)?\s*(?:(?P<s>\d+(?:\.\d+)?)s)?\s*$"
)
_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_TIME = re.compile(r"^(?P<h>\d{2}):(?P<m>\d{2})$")


def parse_duration(value: object) -> float:
    """Parse a duration string into seconds [s].

    Accepts any combination of ``d``, ``h``, ``m`` and ``s`` parts in that order, each an integer
    or decimal number: ``"90s"``, ``"1h30m"``, ``"1.5h"``. Raises ``ValueError`` with a message
    a planner can act on for anything else (numbers without a unit, negative values, text).
    """
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError('must be a duration string such as "20s", "3m" or "1h30m"')
    match = _DURATION.match(value)
    if match is None or not any(match.group(k) for k in "dhms"):
        raise ValueError('is not a duration; write it as "20s", "3m", "1h30m" or "24h"')
    seconds = sum(float(match.group(k)) * _UNIT_S[k] for k in "dhms" if match.group(k))
    if not math.isfinite(seconds):
        raise ValueError("is too long to be a duration")
    return seconds


def format_duration(seconds: float) -> str:
    """Format seconds [s] as the shortest exact duration string (``5400`` -> ``"1h30m"``)."""
    if seconds < 0:
        raise ValueError(f"duration must not be negative, got {seconds!r}")
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    if whole == 0:
        return "0s"
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_time_of_day(value: object) -> int:
    """Parse ``"HH:MM"`` (24 h clock) into minutes after midnight [min], 0..1439."""
    if not isinstance(value, str):
        raise ValueError('must be a time of day written "HH:MM"')
    match = _TIME.match(value.strip())
    if match is None:
        raise ValueError('is not a time of day; write it "HH:MM", e.g. "08:30"')
    hours, minutes = int(match.group("h")), int(match.group("m"))
    if hours > 23 or minutes > 59:
        raise ValueError("is not a time of day between 00:00 and 23:59")
    return hours * 60 + minutes


def format_time_of_day(minutes: int) -> str:
    """Format minutes after midnight [min] as ``"HH:MM"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
