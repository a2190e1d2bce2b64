"""What a week under a contract can hold at one site: the rules of a `[[contracts]]` row against
the shift templates it may use there, on the raw TOML data.

``scenarios.checks_people`` runs these for each contract and site; each check yields the key
of the rule no week can meet and a one-line message saying what to change. Weeks are taken as
cyclic, the same weekdays every week: the horizon repeats and ``min_rest`` applies across week
boundaries, so Sunday and Monday are adjacent days. Only certain contradictions are named: a
week that passes may still be hard to staff.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scenarios.checks import _allowed_starts, _rows
from scenarios.schema_fields import DAY_S
from scenarios.schema_people import DEFAULT_MIN_REST_S
from scenarios.units import WEEKDAYS, format_duration, parse_duration, parse_time_of_day

DAY_MIN = 1440
"""Minutes in a day [min]."""
SATURDAY, SUNDAY = 5, 6
"""Weekday indices (Monday = 0)."""
_text = format_duration
"""A duration [s] as a planner writes it: ``"8h30m"``."""


@dataclass(frozen=True)
class Template:
    """The parts of a `[[shifts]]` row the contract checks need."""

    name: str
    length_s: float
    """Time on site [s]."""
    paid_s: float
    """Paid time [s]."""
    days: frozenset[int]
    """Weekdays it may start on (Monday = 0)."""
    starts: tuple[int, ...] | None
    """Allowed local start times [min after midnight]; None if they do not parse."""


def _duration(value: Any, default: float | None = None) -> float | None:
    """``value`` in seconds [s], ``default`` when absent, None when it does not parse."""
    if value is None:
        return default
    try:
        return parse_duration(value)
    except ValueError:
        return None


def templates(raw: dict[str, Any]) -> dict[str, Template]:
    """The templates whose length, paid time and days parse, by name (a repeated name is
    reported by ``scenarios.checks``)."""
    found: dict[str, Template] = {}
    for _, row in _rows(raw, "shifts"):
        name, days = row.get("name"), row.get("days", list(WEEKDAYS))
        length = _duration(row.get("length"))
        paid = _duration(row.get("paid"), length)
        if not isinstance(name, str) or length is None or paid is None:
            continue
        if not isinstance(days, list) or not all(d in WEEKDAYS for d in days):
            continue
        starts = _allowed_starts(row)
        found[name] = Template(
            name=name,
            length_s=length,
            paid_s=paid,
            days=frozenset(WEEKDAYS.index(d) for d in days),
            starts=None if starts is None else tuple(starts),
        )
    return found


def max_working_days(
    days: frozenset[int], days_off_in_one_block: bool, consecutive_ok: bool
) -> int:
    """Most working days of a week drawn from ``days`` (weekday indices) such that the days off
    form one block (if ``days_off_in_one_block``) and no two working days are adjacent (unless
    ``consecutive_ok``), Sunday and Monday adjacent; by trying all 128 sets of weekdays."""
    best = 0
    for mask in range(1 << 7):
        work = {d for d in range(7) if mask >> d & 1}
        if not work <= days or len(work) <= best:
            continue
        if not consecutive_ok and any((d + 1) % 7 in work for d in work):
            continue
        off = set(range(7)) - work
        if days_off_in_one_block and sum((d - 1) % 7 not in off for d in off) > 1:
            continue
        best = len(work)
    return best


def _overlaps_night(start: int, length_min: float, night: tuple[int, int]) -> bool:
    """True if a shift from ``start`` [min] lasting ``length_min`` overlaps the nightly window
    ``night`` = (from, to) [min after midnight; to <= from wraps past midnight]."""
    begin, end = night[0], night[1] if night[1] > night[0] else night[1] + DAY_MIN
    return any(
        max(start, begin + k * DAY_MIN) < min(start + length_min, end + k * DAY_MIN)
        for k in range(-1, math.ceil((start + length_min) / DAY_MIN) + 1)
    )


def _night(site: dict[str, Any]) -> tuple[int, int] | None:
    night = site.get("night")
    if not isinstance(night, dict):
        return None
    try:
        window = parse_time_of_day(night.get("from")), parse_time_of_day(night.get("to"))
    except ValueError:
        return None
    return window if window[0] != window[1] else None


def int_in(value: Any, low: int, high: int) -> int | None:
    """``value`` if it is a whole number from ``low`` to ``high``, else None."""
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok else None


def _working_days(count: int) -> str:
    return f"{count} working day{'' if count == 1 else 's'}"


def _fit(count: int) -> str:
    return f"at most {_working_days(count)} {'fits' if count == 1 else 'fit'} a week"


def _day_names(days: frozenset[int]) -> str:
    return ", ".join(WEEKDAYS[d] for d in sorted(days))


# --------------------------------------------------------------------------------------------
# The checks at one site


@dataclass(frozen=True)
class Rules:
    """A contract's rules as parsed from the raw row (None where absent or unparsable)."""

    days: int
    """Working days in each week."""
    hours_min: float | None
    """Least paid time a week [s]."""
    hours_max: float | None
    """Most paid time a week [s]."""
    one_block: bool
    """The week's days off in one block (``days_off = "consecutive"``)."""
    band_s: float | None
    """Most difference between one person's start times in a week [s]."""
    rest_s: float | None
    """Least rest between shifts [s]."""
    max_nights: int | None
    """Most night shifts a week."""
    weekends_off: bool
    """A whole weekend off every so many weeks."""

    @classmethod
    def of(cls, row: dict[str, Any], days: int) -> Rules:
        """The rules of the raw `[[contracts]]` row ``row``, working ``days`` a week."""
        hours = row.get("hours_per_week")
        hours = hours if isinstance(hours, dict) else {}
        return cls(
            days=days,
            hours_min=_duration(hours.get("min")),
            hours_max=_duration(hours.get("max")),
            one_block=row.get("days_off", "consecutive") == "consecutive",
            band_s=_duration(row.get("start_band"), 0.0),
            rest_s=_duration(row.get("min_rest"), DEFAULT_MIN_REST_S),
            max_nights=int_in(row.get("max_nights_per_week"), 0, 7),
            weekends_off=isinstance(row.get("weekends_off"), dict),
        )


def week_problems(
    rules: Rules, usable: list[Template], site: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """Weekdays, rest, days off in one block and a weekend off: can a week be worked at all?"""
    days, allowed = rules.days, frozenset().union(*(t.days for t in usable))
    if len(allowed) < days:
        message = (
            f"its shift templates may start on {len(allowed)} weekdays only "
            f"({_day_names(allowed)}), fewer than the {days} working days; allow more days in "
            "the templates' days or lower days_per_week"
        )
        yield "days_per_week", message
        return
    shortest = min(usable, key=lambda t: t.length_s)
    rest, band = rules.rest_s, rules.band_s
    consecutive_ok = rest is None or band is None or shortest.length_s + rest <= DAY_S + band
    most = max_working_days(allowed, rules.one_block, consecutive_ok)
    if most < days and not consecutive_ok and rest is not None and band is not None:
        block = "with the week's days off in one block " if rules.one_block else ""
        message = (
            f"its shortest shift ({shortest.name}, {_text(shortest.length_s)}) plus {_text(rest)} "
            f"of rest ends after the next day's start (start_band {_text(band)}), so no two "
            f"working days can be consecutive: {block}{_fit(most)}, fewer than the {days} of "
            "days_per_week; lower min_rest or days_per_week, widen start_band or allow shorter "
            "shifts"
        )
        yield "min_rest", message
    elif most < days:
        message = (
            "with the week's days off in one block the working days are one block too, and "
            f"its shift templates may start only on {_day_names(allowed)}: "
            f"{_fit(most)}, fewer than the {days} of days_per_week; set "
            'days_off = "any" or allow more days in the templates'
        )
        yield "days_off", message
    elif rules.weekends_off and days <= 5:
        weekdays = allowed - {SATURDAY, SUNDAY}
        free = max_working_days(weekdays, rules.one_block, consecutive_ok)
        if free < days:
            message = (
                f"no week of {days} working days leaves Saturday and Sunday off: its shift "
                f"templates may start on {_day_names(weekdays)} besides, which gives at most "
                f"{_working_days(free)}{' (days off in one block)' if rules.one_block else ''}; "
                "allow more weekdays, lower days_per_week or drop weekends_off"
            )
            yield "weekends_off", message


def hours_problems(
    rules: Rules, usable: list[Template], site: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """Weekly paid hours that no choice of the templates can give (bounds the wrong way round
    are the schema's to report)."""
    low, high = rules.hours_min, rules.hours_max
    if low is not None and high is not None and low > high:
        return
    days, paid = rules.days, sorted(t.paid_s for t in usable)

    def shifts(each: float) -> str:
        return f"{_text(each)} paid shifts" if paid[0] == paid[-1] else f"shifts paid {_text(each)}"

    if rules.hours_max is not None and days * paid[0] > rules.hours_max:
        message = (
            f"{days} days a week with {shifts(paid[0])} is at least {_text(days * paid[0])}, "
            f"above the {_text(rules.hours_max)} maximum; lower days_per_week, raise "
            "hours_per_week.max or allow shorter shifts"
        )
        yield "hours_per_week.max", message
    if rules.hours_min is not None and days * paid[-1] < rules.hours_min:
        message = (
            f"{days} days a week with {shifts(paid[-1])} is at most {_text(days * paid[-1])}, "
            f"below the {_text(rules.hours_min)} minimum; raise days_per_week, lower "
            "hours_per_week.min or allow longer shifts"
        )
        yield "hours_per_week.min", message


def night_problems(
    rules: Rules, usable: list[Template], site: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """Every shift at the site is a night shift, and the week has more of them than allowed
    (a site without a night window has no night shifts)."""
    night = _night(site)
    if night is None or rules.max_nights is None or rules.days <= rules.max_nights:
        return
    for template in usable:
        minutes = template.length_s / 60
        if template.starts is None or not all(
            _overlaps_night(s, minutes, night) for s in template.starts
        ):
            return
    window = "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in night)
    message = (
        f"every shift its templates allow overlaps the night window {window}, so "
        f"{_working_days(rules.days)} a week are as many night shifts, more than "
        f"{rules.max_nights}; allow a day shift, lower days_per_week or raise max_nights_per_week"
    )
    yield "max_nights_per_week", message


SiteCheck = Callable[[Rules, list[Template], dict[str, Any]], Iterator[tuple[str, str]]]
SITE_CHECKS: tuple[SiteCheck, ...] = (week_problems, hours_problems, night_problems)
"""``check(rules, usable templates, site row)`` yields ``(key, message)`` problems at one site."""
