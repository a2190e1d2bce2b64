"""Checks that span several tables of a scenario: names, references, shares.

They run on the raw TOML data, defensively, so that they can report alongside the field errors
of ``scenarios.schema`` and a planner sees every problem of a file at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterator
from typing import Any

from scenarios.problems import _MISSING, show_value
from scenarios.schema_run import FIRST_START, LAST_START
from scenarios.units import (
    WEEKDAYS,
    format_duration,
    format_time_of_day,
    parse_duration,
    parse_time_of_day,
)

SHARE_TOLERANCE = 1e-6
"""Shares must sum to 1 within this absolute tolerance."""

REPEATS_SHOWN = 10
"""Repeated rows warned about one by one; any more are counted in one further line."""


Report = Callable[[str, str, Any], None]
"""``report(path, message, value)`` records one problem (``value`` is ``problems._MISSING``
when there is none to show)."""


def item_label(table: str, index: int, item: Any) -> str:
    """Key path of one row of an array of tables: ``channels.voice`` or ``roster[3]``."""
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name and name.replace("-", "").replace("_", "").isalnum():
        return f"{table}.{name}"
    return f"{table}[{index}]"


def did_you_mean(word: str, candidates: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _rows(raw: dict[str, Any], table: str) -> Iterator[tuple[str, dict[str, Any]]]:
    rows = raw.get(table)
    if not isinstance(rows, list):
        return
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            yield item_label(table, index, row), row


def report_repeats(
    warn: Report, repeats: list[tuple[str, str]], message: str, summary: str, where: str = "(file)"
) -> None:
    """Warn about rows that repeat an earlier one: ``repeats`` holds ``(path, earlier path)``
    pairs, ``message`` may name the earlier row as ``{other}``; the first ``REPEATS_SHOWN`` are
    one line each, the rest one line at ``where`` ("N more " + ``summary``)."""
    for path, other in repeats[:REPEATS_SHOWN]:
        warn(path, message.format(other=other), _MISSING)
    if len(repeats) > REPEATS_SHOWN:
        warn(where, f"{len(repeats) - REPEATS_SHOWN} more {summary}", _MISSING)


def _names(raw: dict[str, Any], table: str) -> list[str]:
    return [r["name"] for _, r in _rows(raw, table) if isinstance(r.get("name"), str)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _check_unique(raw: dict[str, Any], report: Report) -> None:
    for table in ("regions", "channels", "sites", "shifts", "contracts"):
        seen: set[str] = set()
        for label, row in _rows(raw, table):
            name = row.get("name")
            if isinstance(name, str):
                if name in seen:
                    report(f"{label}.name", f"{table} names must be unique", name)
                seen.add(name)


def _check_shares(raw: dict[str, Any], report: Report) -> None:
    regions = _names(raw, "regions")
    shares = [_number(r.get("share")) for _, r in _rows(raw, "regions")]
    if shares and all(s is not None for s in shares):
        total = sum(s for s in shares if s is not None)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            report("regions.share", "region shares must sum to 1", round(total, 9))
    for label, channel in _rows(raw, "channels"):
        overrides = channel.get("region_shares")
        if not isinstance(overrides, dict):
            continue
        for region in overrides:
            if region not in regions:
                report(
                    f"{label}.region_shares.{region}",
                    "is not a defined region" + did_you_mean(region, regions),
                    region,
                )
        values = [_number(v) for v in overrides.values()]
        if all(v is not None for v in values):
            total = sum(v for v in values if v is not None)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                report(f"{label}.region_shares", "shares must sum to 1", round(total, 9))


def _check_references(raw: dict[str, Any], report: Report) -> None:
    channels = _names(raw, "channels")
    sites = _names(raw, "sites")
    for label, site in _rows(raw, "sites"):
        skills = site.get("skills")
        for k, skill in enumerate(skills if isinstance(skills, list) else []):
            if isinstance(skill, str) and skill not in channels:
                report(
                    f"{label}.skills[{k}]",
                    "is not a defined channel" + did_you_mean(skill, channels),
                    skill,
                )
    for label, shift in _rows(raw, "shifts"):
        allowed = shift.get("sites")
        for k, site in enumerate(allowed if isinstance(allowed, list) else []):
            if isinstance(site, str) and site not in sites:
                report(
                    f"{label}.sites[{k}]",
                    "is not a defined site" + did_you_mean(site, sites),
                    site,
                )
    for label, channel in _rows(raw, "channels"):
        resolution = channel.get("resolution")
        target = resolution.get("repeat_channel") if isinstance(resolution, dict) else None
        if isinstance(target, str) and target not in channels:
            report(
                f"{label}.resolution.repeat_channel",
                "is not a defined channel" + did_you_mean(target, channels),
                target,
            )
    routing = raw.get("routing")
    priority = routing.get("priority") if isinstance(routing, dict) else None
    seen: set[str] = set()
    for k, name in enumerate(priority if isinstance(priority, list) else []):
        if not isinstance(name, str):
            continue
        if name not in channels:
            report(
                f"routing.priority[{k}]",
                "is not a defined channel" + did_you_mean(name, channels),
                name,
            )
        elif name in seen:
            report(f"routing.priority[{k}]", "is listed twice", name)
        seen.add(name)


def _check_coverage(raw: dict[str, Any], report: Report) -> None:
    """Every channel and customer language with demand needs a site that can serve it
    (reported as warnings: the file still simulates, and ``optimize`` says it is infeasible)."""
    sites = [row for _, row in _rows(raw, "sites")]
    regions = [r for _, r in _rows(raw, "regions") if isinstance(r.get("name"), str)]
    region_language = {r["name"]: r.get("language", "any") for r in regions}
    region_share = {r["name"]: _number(r.get("share")) for r in regions}

    def serves(site: dict[str, Any], channel: str, language: Any) -> bool:
        found = site.get("skills")
        skills: list[Any] = found if isinstance(found, list) else []
        languages = site.get("languages", ["any"])
        languages = languages if isinstance(languages, list) else []
        return channel in skills and (
            language == "any" or "any" in languages or language in languages
        )

    for label, channel in _rows(raw, "channels"):
        name = channel.get("name")
        if not isinstance(name, str):
            continue
        if not any(serves(s, name, "any") for s in sites):
            report(label, "no site has this channel among its skills", name)
            continue
        shares = channel.get("region_shares")
        shares = shares if isinstance(shares, dict) else region_share
        for region, language in region_language.items():
            share = _number(shares.get(region))
            if share and not any(serves(s, name, language) for s in sites):
                report(
                    label,
                    f"no site with this skill speaks '{language}', "
                    f"the language of region '{region}'",
                    name,
                )


def _allowed_starts(shift: dict[str, Any]) -> list[int] | None:
    starts = shift.get("starts")
    if not isinstance(starts, dict):
        return None
    try:
        first = parse_time_of_day(starts.get("from"))
        last = parse_time_of_day(starts.get("to"))
        step = max(1, round(parse_duration(starts.get("every")) / 60))
    except ValueError:
        return None
    return [(first + k) % 1440 for k in range(0, (last - first) % 1440 + 1, step)]


STARTS_LISTED = 8
"""Allowed starts listed one by one; more are given as their range and step, with the nearest."""


def _starts_text(starts: list[int], start: int) -> str:
    """The allowed starts of a template, for a message: all of them when there are few, else
    their range and step and the two nearest to ``start`` [min after midnight]."""
    if len(starts) <= STARTS_LISTED:
        return "it allows " + ", ".join(format_time_of_day(s) for s in starts)
    step = (starts[1] - starts[0]) % 1440
    nearest = sorted(starts, key=lambda s: (min((s - start) % 1440, (start - s) % 1440), s))[:2]
    return (
        f"it allows {format_time_of_day(starts[0])} to {format_time_of_day(starts[-1])} every "
        f"{format_duration(step * 60)} (nearest: "
        f"{', '.join(format_time_of_day(s) for s in sorted(nearest))})"
    )


def _roster_key(row: dict[str, Any]) -> tuple[Any, ...] | None:
    """What makes two roster rows the same shifts: site, shift, start and days."""
    site, shift, days = row.get("site"), row.get("shift"), row.get("days")
    try:
        start = parse_time_of_day(row.get("start"))
    except ValueError:
        return None
    if not isinstance(site, str) or not isinstance(shift, str):
        return None
    if isinstance(days, dt.date):
        return site, shift, start, days
    if isinstance(days, list) and all(isinstance(d, str) for d in days):
        return site, shift, start, frozenset(days)
    return None


def _check_roster_rows(
    raw: dict[str, Any],
    rows: list[Any],
    report: Report,
    warn: Report,
    label_of: Callable[[int], str] = lambda index: f"roster[{index}]",
    repeats_warned: bool = True,
) -> None:
    """Roster rows must name a site and a template usable there, at an allowed start and day;
    a row repeating another's site, shift, start and days is a warning (their agents add up)
    unless ``repeats_warned`` is False (people: two people on one shift is no mistake)."""
    sites = _names(raw, "sites")
    shifts = {r["name"]: r for _, r in _rows(raw, "shifts") if isinstance(r.get("name"), str)}
    horizon = _horizon_dates(raw)
    first: dict[tuple[Any, ...], str] = {}
    repeats: list[tuple[str, str]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        label = label_of(index)
        key = _roster_key(row)
        if key is not None:
            earlier = first.setdefault(key, label)
            if earlier != label:
                repeats.append((label, earlier))
        site, shift_name = row.get("site"), row.get("shift")
        if isinstance(site, str) and site not in sites:
            report(f"{label}.site", "is not a defined site" + did_you_mean(site, sites), site)
        if not isinstance(shift_name, str):
            continue
        shift = shifts.get(shift_name)
        if shift is None:
            report(
                f"{label}.shift",
                "is not a defined shift" + did_you_mean(shift_name, list(shifts)),
                shift_name,
            )
            continue
        allowed_sites = shift.get("sites")
        usable = not isinstance(allowed_sites, list) or site in allowed_sites
        if isinstance(site, str) and site in sites and not usable:
            report(f"{label}.site", f"shift '{shift_name}' may not be used at this site", site)
        starts = _allowed_starts(shift)
        try:
            start = parse_time_of_day(row.get("start"))
        except ValueError:
            start = None
        if starts is not None and start is not None and start not in starts:
            report(
                f"{label}.start",
                f"is not an allowed start of shift '{shift_name}'; " + _starts_text(starts, start),
                row.get("start"),
            )
        days = row.get("days")
        allowed_days = shift.get("days", list(WEEKDAYS))
        if not isinstance(allowed_days, list) or not all(d in WEEKDAYS for d in allowed_days):
            allowed_days = None  # the template's days do not parse: reported there
        if isinstance(days, dt.date) and not isinstance(days, dt.datetime):
            # a site behind the planning clock starts its first shifts the local day before,
            # one ahead ends its last ones the local day after
            one = dt.timedelta(days=1)
            if horizon is not None and not horizon[0] - one <= days <= horizon[1] + one:
                report(f"{label}.days", "date lies outside the planning horizon", days)
            days = [WEEKDAYS[days.weekday()]]
        if isinstance(days, list) and isinstance(allowed_days, list):
            for day in days:
                if isinstance(day, str) and day in WEEKDAYS and day not in allowed_days:
                    report(f"{label}.days", f"shift '{shift_name}' may not start on {day}", day)
    report_repeats(
        warn,
        repeats if repeats_warned else [],
        "has the site, shift, start and days of {other}; the agents of both rows are added",
        "roster rows repeat the site, shift, start and days of an earlier row",
        where="roster",
    )


def _horizon_dates(raw: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    info = raw.get("scenario")
    if not isinstance(info, dict):
        return None
    start, days = info.get("start"), info.get("days")
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        return None
    if not FIRST_START <= start <= LAST_START:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 62:
        return None
    return start, start + dt.timedelta(days=days - 1)


def _check_shift_lengths(raw: dict[str, Any], report: Report) -> None:
    """A shift may not outlast the horizon: on a cyclic horizon it would overlap itself."""
    horizon = _horizon_dates(raw)
    if horizon is None:
        return
    hours = ((horizon[1] - horizon[0]).days + 1) * 24
    for label, shift in _rows(raw, "shifts"):
        try:
            length = parse_duration(shift.get("length"))
        except (ValueError, OverflowError):
            continue
        if length > hours * 3600:
            report(
                f"{label}.length",
                f"is longer than the {hours}h horizon (a cyclic horizon would overlap it)",
                shift.get("length"),
            )


def _check_breaks(raw: dict[str, Any], report: Report) -> None:
    """Every break ends within its shift; each one that does not is named, shown as typed."""
    for label, shift in _rows(raw, "shifts"):
        breaks = shift.get("breaks")
        try:
            length = parse_duration(shift.get("length"))
        except ValueError:
            continue
        for index, brk in enumerate(breaks if isinstance(breaks, list) else []):
            if not isinstance(brk, dict):
                continue
            try:
                end = parse_duration(brk.get("after")) + parse_duration(brk.get("length"))
            except ValueError:
                continue
            if end > length:
                report(
                    f"{label}.breaks[{index}]",
                    f"ends after the shift: after + length is more than the shift's length "
                    f"{show_value(shift.get('length'))}",
                    brk,
                )


def check_raw(raw: dict[str, Any], report: Report, warn: Report | None = None) -> None:
    """Run every cross-table check on the parsed TOML document ``raw``; ``warn`` receives the
    problems that do not stop the file from loading (default: ``report``)."""
    from scenarios.checks_people import check_contracts  # it builds on this module's helpers

    _check_unique(raw, report)
    _check_shares(raw, report)
    _check_references(raw, report)
    _check_shift_lengths(raw, report)
    _check_breaks(raw, report)
    _check_coverage(raw, warn or report)
    check_contracts(raw, report)
    roster = raw.get("roster")
    if isinstance(roster, list):
        _check_roster_rows(raw, roster, report, warn or report)


def check_roster_rows(
    raw: dict[str, Any],
    rows: list[Any],
    report: Report,
    warn: Report,
    label_of: Callable[[int], str] = lambda index: f"line {index + 2}",
    repeats: bool = True,
) -> None:
    """Check roster rows read from a CSV file (labelled by ``label_of(row index)``, by default
    the CSV line of a file without blank lines) against ``raw``; ``repeats=False`` for the
    rows of a schedule (one per person), where rows alike are no mistake."""
    _check_roster_rows(raw, rows, report, warn, label_of, repeats)
