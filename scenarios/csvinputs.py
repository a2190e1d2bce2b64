"""The CSV files a scenario references: a channel's forecast and the roster.

They are read through ``scenarios.files.read_text``, like the scenario itself, and their
problems are reported against the CSV's own lines and columns (``FILE: line 7.volume: ...``)
without ever repeating what the file holds (``Collector(echo=False)``: a scenario may point at a
file that is not meant to be shown). Rows that load but look like a mistake are warnings: a
forecast interval given twice, a forecast row that does not start an interval of the scenario,
and a roster row given twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.checks import check_roster_rows, did_you_mean, report_repeats
from scenarios.files import Sources, read_text
from scenarios.problems import Collector, Problem
from scenarios.schema import Forecast, RosterRow
from scenarios.schema_run import FIRST_START, LAST_START

MAX_FORECAST_VOLUME = 1e6
"""Most expected contacts in one forecast row (one interval of one region)."""
MAX_FORECAST_AHT_S = 86400.0
"""Longest mean handle time of a forecast row [s] (the schema's limit for handle_time.mean)."""

FORECAST_COLUMNS = ("interval_start", "volume", "region", "aht", "channel")
ROSTER_COLUMNS = ("site", "shift", "start", "days", "agents")

Grid = tuple[float, int]
"""``(horizon start [s since 1970-01-01 UTC], interval [s])``: where intervals start."""


def records(
    text: str, report: Collector, required: tuple[str, ...], known: tuple[str, ...] | None
) -> list[tuple[int, dict[str, str]]] | None:
    """``(line number, {column: stripped text})`` of every CSV row, or None when the header or
    the CSV syntax is unusable. ``known=None`` ignores columns beyond ``required``."""
    reader = csv.reader(io.StringIO(text, newline=None))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        rows.extend((reader.line_num, row) for row in reader if row)
    except csv.Error as exc:  # the message names the rule broken, never the text
        report(f"line {reader.line_num}", f"is not valid CSV: {exc}")
        return None
    missing = [c for c in required if c not in header]
    if missing:
        report("header", f"missing column(s) {', '.join(missing)}")
    for number, column in enumerate(header, start=1):
        if known is not None and column not in known:
            optional = [c for c in known if c not in required]
            report(
                "header",
                f"column {number} is not one of {', '.join(known)}"
                + did_you_mean(column, optional),
            )
    if missing or report.problems:
        return None
    out = []
    for line, row in rows:
        if len(row) > len(header):
            report(f"line {line}", f"has {len(row)} fields, more than the {len(header)} columns")
        values = {name: value.strip() for name, value in zip(header, row, strict=False)}
        out.append((line, values))
    return out


# --------------------------------------------------------------------------------------------
# Forecast


def _timestamp(text: str) -> float:
    """Seconds since 1970-01-01 UTC of an ISO 8601 timestamp with a UTC offset."""
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not an ISO 8601 timestamp") from None
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("needs a UTC offset, e.g. 2026-03-23T08:00:00+01:00")
    if not FIRST_START.year <= stamp.year <= LAST_START.year:
        raise ValueError(f"lies outside the years {FIRST_START.year}..{LAST_START.year}")
    return stamp.timestamp()


def _number(text: str, low: float, high: float, positive: bool = False) -> float:
    value = float(text)  # ValueError for text that is not a number
    if not (low < value if positive else low <= value) or not value <= high:
        raise ValueError  # also nan, inf
    return value


def read_forecast(
    base: Path,
    relative: str,
    regions: list[str],
    grid: Grid | None,
    problems: list[Problem],
    sources: Sources | None = None,
    channel: str | None = None,
) -> Forecast | None:
    """Read one channel's forecast CSV; report problems against the CSV's own lines.

    ``grid`` (when the scenario is valid) is where the scenario's intervals start: a row that
    starts elsewhere is a warning, as is a row with the interval start and region of another.
    A file with a ``channel`` column (as ``workbench forecast`` writes for several channels)
    gives ``channel`` the rows whose channel is its name; the other rows are not read.
    """
    path = base / relative
    report = Collector(str(path), echo=False)
    text = read_text(path, report, "forecast file", sources, relative)
    found = [] if text is None else records(text, report, FORECAST_COLUMNS[:2], FORECAST_COLUMNS)
    starts: list[float] = []
    volumes: list[float] = []
    row_regions: list[str | None] = []
    ahts: list[float | None] = []
    lines: list[int] = []
    if found and "channel" in found[0][1]:
        found = [(line, row) for line, row in found or [] if row.get("channel") == channel]
        if not found and not report.problems:
            report("(file)", f"has no row whose channel is {channel}")
    for line, row in found or []:
        where = f"line {line}"
        try:
            starts.append(_timestamp(row.get("interval_start", "")))
        except ValueError as exc:
            report(f"{where}.interval_start", str(exc))
        try:
            volumes.append(_number(row.get("volume", ""), 0.0, MAX_FORECAST_VOLUME))
        except ValueError:
            report(f"{where}.volume", f"must be a number from 0 to {MAX_FORECAST_VOLUME:.0f}")
        region = row.get("region") or None
        if region is not None and region not in regions:
            report(f"{where}.region", "is not a defined region" + did_you_mean(region, regions))
        row_regions.append(region)
        try:
            aht = row.get("aht") or None
            ahts.append(None if aht is None else _number(aht, 0.0, MAX_FORECAST_AHT_S, True))
        except ValueError:
            report(
                f"{where}.aht",
                f"must be a handle time in seconds > 0 and at most {MAX_FORECAST_AHT_S:.0f}",
            )
        lines.append(line)
    if found is not None and text is not None and not found and not report.problems:
        report("(file)", "has no rows")
    if any(not p.warning for p in report.problems):
        problems.extend(report.problems)
        return None
    _forecast_warnings(report, lines, starts, row_regions, grid)
    problems.extend(report.problems)
    return Forecast(
        path=relative,
        start_utc_s=tuple(starts),
        volume=tuple(volumes),
        region=tuple(row_regions),
        aht_s=tuple(ahts),
    )


def _forecast_warnings(
    report: Collector,
    lines: list[int],
    starts: list[float],
    regions: list[str | None],
    grid: Grid | None,
) -> None:
    first: dict[tuple[float, str | None], int] = {}
    repeats: list[tuple[str, str]] = []
    for line, start, region in zip(lines, starts, regions, strict=True):
        earlier = first.setdefault((start, region), line)
        if earlier != line:
            repeats.append((f"line {line}", f"line {earlier}"))
    report_repeats(
        report.warn,
        repeats,
        "has the interval_start and region of {other}; the volumes of both rows are added",
        "rows repeat the interval_start and region of an earlier row",
    )
    if grid is None:
        return
    origin, interval = grid
    minutes = interval // 60
    off = []
    for line, start in zip(lines, starts, strict=True):
        offset = math.fmod(start - origin, interval)
        if min(abs(offset), interval - abs(offset)) > 1e-6:
            off.append((f"line {line}.interval_start", ""))
    report_repeats(
        report.warn,
        off,
        f"does not start a {minutes}m interval of the scenario (intervals start at the local "
        f"midnight of scenario.start, every {minutes}m); the row counts for the {minutes}m "
        "from its own start",
        f"rows do not start a {minutes}m interval of the scenario",
    )


# --------------------------------------------------------------------------------------------
# Roster


def _split_days(text: str) -> Any:
    """A date (``2026-03-23``) as a date, anything date-like as its text (the schema says what
    is wrong with it), else the list of words (weekdays)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return [d for d in re.split(r"[^a-zA-Z]+", text.lower()) if d]


def open_records(
    base: Path,
    relative: str,
    what: str,
    required: tuple[str, ...],
    problems: list[Problem],
    sources: Sources | None = None,
) -> tuple[Collector, list[tuple[int, dict[str, str]]] | None]:
    """The problem collector of the CSV file ``relative`` (to ``base``) and its records
    (``records``, columns beyond ``required`` ignored); None, with its problems added to
    ``problems``, when the file or its header is unusable."""
    path = base / relative
    report = Collector(str(path), echo=False)
    text = read_text(path, report, what, sources, relative)
    found = None if text is None else records(text, report, required, None)
    if found is None:
        problems.extend(report.problems)
    return report, found


def report_invalid(report: Collector, line: int, error: ValidationError) -> None:
    """Report each field the schema rejected in the row at CSV ``line``, without its value."""
    for item in error.errors(include_input=False):
        field = ".".join(str(k) for k in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "should be")
        report(f"line {line}.{field}", message)


def read_roster(
    base: Path,
    relative: str,
    raw: dict[str, Any],
    problems: list[Problem],
    sources: Sources | None = None,
) -> tuple[RosterRow, ...] | None:
    """Read the roster CSV ``relative`` (to ``base``), checked against the scenario ``raw``."""
    report, found = open_records(base, relative, "roster file", ROSTER_COLUMNS, problems, sources)
    if found is None:
        return None
    raw_rows: list[dict[str, Any]] = []
    parsed: list[RosterRow] = []
    for line, row in found:
        entry: dict[str, Any] = {k: row.get(k, "") for k in ROSTER_COLUMNS}
        entry["days"] = _split_days(entry["days"])
        if re.fullmatch(r"-?\d{1,18}", entry["agents"]):
            entry["agents"] = int(entry["agents"])
        raw_rows.append(entry)
        try:
            parsed.append(RosterRow.model_validate(entry))
        except ValidationError as exc:
            report_invalid(report, line, exc)
    lines = [line for line, _ in found]
    check_roster_rows(raw, raw_rows, report, report.warn, lambda index: f"line {lines[index]}")
    problems.extend(report.problems)
    return None if any(not p.warning for p in report.problems) else tuple(parsed)
