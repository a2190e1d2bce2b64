"""Read the history a planner has: per-interval counts or per-contact records, in one CSV.

- **Per-interval counts** (``interval_start``, ``volume``, optional ``channel``, ``region``,
  ``aht`` [s]): an interval absent from the file had no contacts. The file's interval length
  (the most common gap between consecutive starts, e.g. 5 minutes) must divide the forecast's
  (5-minute data gives 30-minute forecasts). A row repeating the interval, channel and region of
  an earlier one is a warning: counted once when it repeats the volume too (an export taken
  twice), else the volumes are added.
- **Per-contact records** as help-desk and telephony tools export them (``created_at``,
  optional ``channel``, ``region``, ``handle_time_s``, ``wait_s``, ``abandoned``); other columns
  are ignored.

Timestamps are ISO 8601, with an offset (``+01:00``, ``Z``) or naive; naive ones are wall-clock
times of ``--timezone``. A naive time that does not exist there (clocks went forward) is an
error; one that exists twice (clocks went back) is, for per-interval counts, the summer-time
hour at its first row and the winter-time hour at its repeat; for per-contact records, the
summer-time hour (a warning says how many). Every problem is one line,
``FILE: line N.column: what is wrong (got VALUE)``; each kind of problem is shown for its first
``SHOWN`` lines, then counted.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from scenarios.checks import report_repeats
from scenarios.csvinputs import records
from scenarios.files import decode_text
from scenarios.problems import Collector, Problem

INTERVAL_COLUMNS = ("interval_start", "volume", "channel", "region", "aht")
CONTACT_COLUMNS = ("created_at", "channel", "region", "handle_time_s", "wait_s", "abandoned")
MAX_HISTORY_BYTES = 2_000_000_000
"""Largest history file read [bytes] (a few years of per-contact records)."""
SHOWN = 10
"""Lines shown for each kind of problem; the rest are counted on one line."""
YEARS = (1970, 2200)
"""Years a history timestamp may lie in."""
TRUE = frozenset({"1", "true", "yes", "y", "t"})
FALSE = frozenset({"0", "false", "no", "n", "f"})


@dataclass(frozen=True)
class History:
    """A history file, read and checked.

    ``rows``: one row per input row (per-interval counts) or contact (per-contact records):
    ``start_s`` [s since 1970-01-01 UTC], ``channel`` ("" without the column), ``region`` (""
    when not given), ``volume`` [contacts], ``aht_sum_s`` (handle time summed over the contacts
    whose handle time is known [s]) and ``aht_n`` (those contacts).
    ``contacts``: per-contact records only: ``channel``, ``handle_time_s``, ``wait_s`` (NaN when
    not given) and ``abandoned`` (1.0, 0.0 or NaN).
    """

    file: str
    kind: Literal["intervals", "contacts"]
    rows: pd.DataFrame
    contacts: pd.DataFrame | None
    step_s: int
    """Interval length of per-interval counts [s]; 1 for per-contact records."""
    first_s: int
    """Start of the history [s since 1970-01-01 UTC]."""
    end_s: int
    """End of the history (exclusive) [s since 1970-01-01 UTC]."""
    has_channel: bool
    has_region: bool
    has_aht: bool


def read_history(
    path: Path, timezone: ZoneInfo, interval_s: int
) -> tuple[History | None, list[Problem]]:
    """The history in ``path`` with its problems (warnings only when it is returned)."""
    report = Collector(str(path))
    text = _read_text(path, report)
    if text is None:
        return None, report.problems
    header = text.split("\n", 1)[0]
    if "interval_start" not in header and "created_at" not in header:
        report(
            "header",
            "needs interval_start and volume (per-interval counts) or created_at (per-contact "
            "records)",
        )
        return None, report.problems
    kind: Literal["intervals", "contacts"] = "contacts" if "created_at" in header else "intervals"
    required = ("created_at",) if kind == "contacts" else INTERVAL_COLUMNS[:2]
    found = records(text, report, required, None)
    if found is None:
        return None, report.problems
    if not found:
        report("(file)", "has no rows")
        return None, report.problems
    columns = found[0][1].keys()
    lines = np.array([line for line, _ in found])
    table = pd.DataFrame({c: [row.get(c, "") for _, row in found] for c in columns})
    history = (
        _intervals(report, table, lines, timezone, interval_s)
        if kind == "intervals"
        else _contacts(report, table, lines, timezone)
    )
    if any(not p.warning for p in report.problems):
        return None, report.problems
    return history, report.problems


def _read_text(path: Path, report: Collector) -> str | None:
    """The text of the regular file ``path``, or None with the reason reported."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            report("(file)", "is a directory, not a history file")
            return None
        if not stat.S_ISREG(info.st_mode):
            report("(file)", "is not a regular file")
            return None
        if info.st_size > MAX_HISTORY_BYTES:
            report("(file)", f"is larger than {MAX_HISTORY_BYTES} bytes", info.st_size)
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_HISTORY_BYTES + 1)
    except FileNotFoundError:
        report("(file)", "history file not found")
        return None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report("(file)", f"cannot read the history file: {reason or os.fspath(path)}")
        return None
    return decode_text(data, report, "history file")


def _flag(
    report: Collector,
    lines: np.ndarray,
    bad: np.ndarray,
    column: str,
    message: str,
    values: pd.Series,
    warning: bool = False,
) -> None:
    """Report ``message`` for the rows where ``bad``: the first ``SHOWN`` one line each (with
    the value), the rest counted on one more line."""
    where = np.flatnonzero(bad)
    say = report.warn if warning else report
    for index in where[:SHOWN]:
        say(f"line {lines[index]}.{column}", message, values.iloc[index])
    if len(where) > SHOWN:
        say(
            f"line {lines[where[SHOWN]]}.{column}",
            f"and {len(where) - SHOWN} more lines: {message}",
        )


def _numbers(
    report: Collector,
    table: pd.DataFrame,
    lines: np.ndarray,
    column: str,
    positive: bool = False,
    required: bool = True,
) -> np.ndarray:
    """The column as floats (NaN where blank and not ``required``); bad values reported."""
    if column not in table:
        return np.full(len(table), np.nan)
    text = table[column]
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    blank = (text == "").to_numpy()
    ok = np.isfinite(values) & ((values > 0) if positive else (values >= 0))
    bad = ~ok & (~blank | required)
    low = "> 0" if positive else ">= 0"
    _flag(report, lines, bad, column, f"must be a number {low}", text)
    return np.where(ok, values, np.nan)


def _names(report: Collector, table: pd.DataFrame, lines: np.ndarray, column: str) -> pd.Series:
    """Channel or region names ("" without the column); a blank channel is an error."""
    if column not in table:
        return pd.Series([""] * len(table), dtype=object)
    names = table[column]
    if column == "channel":
        _flag(report, lines, (names == "").to_numpy(), column, "is empty", names)
    return names.reset_index(drop=True)


def _stamps(
    report: Collector,
    text: pd.Series,
    lines: np.ndarray,
    column: str,
    timezone: ZoneInfo,
    summer: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Seconds since 1970-01-01 UTC of each timestamp (-1 where bad, reported), and how many
    naive ones fell in a repeated hour (placed by ``summer``: True = the summer-time one)."""
    text = text.reset_index(drop=True)
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
    out = np.full(len(text), -1, dtype=np.int64)
    ok = np.zeros(len(text), dtype=bool)
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
        good = parsed.notna().to_numpy()
        out[np.flatnonzero(aware)[good]] = parsed[good].dt.as_unit("s").astype("int64")
        ok[np.flatnonzero(aware)[good]] = True
    repeated = 0
    naive = ~aware
    kept = np.zeros(0, dtype=np.int64)
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        good = parsed.notna().to_numpy()
        index = pd.DatetimeIndex(parsed[good])
        flags = summer[naive][good]
        local = index.tz_localize(timezone, ambiguous=flags, nonexistent="NaT")
        missing = np.asarray(local.isna())
        unsure = index.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward").isna()
        repeated = int(np.asarray(unsure).sum())
        rows = np.flatnonzero(naive)[good]
        gap = np.zeros(len(text), dtype=bool)
        gap[rows[missing]] = True
        _flag(
            report,
            lines,
            gap,
            column,
            f"does not exist in {timezone.key} (clocks went forward); give a UTC offset",
            text,
        )
        kept = rows[~missing]
        out[kept] = local[~missing].as_unit("s").asi8
        ok[kept] = True
        ok[rows[missing]] = True  # reported already
    _flag(report, lines, ~ok, column, "is not an ISO 8601 timestamp", text)
    low, high = (pd.Timestamp(f"{y}-01-01", tz="UTC").value // 10**9 for y in YEARS)
    placed = np.zeros(len(text), dtype=bool)
    placed[np.flatnonzero(aware)] = ok[np.flatnonzero(aware)]
    if naive.any():
        placed[kept] = True
    outside = placed & ((out < low) | (out >= high))
    _flag(
        report, lines, outside, column, f"lies outside the years {YEARS[0]}..{YEARS[1] - 1}", text
    )
    return out, repeated


def _intervals(
    report: Collector,
    table: pd.DataFrame,
    lines: np.ndarray,
    timezone: ZoneInfo,
    interval_s: int,
) -> History | None:
    channel = _names(report, table, lines, "channel")
    region = _names(report, table, lines, "region")
    naive = table["interval_start"].reset_index(drop=True)
    first = ~pd.DataFrame({"t": naive, "c": channel, "r": region}).duplicated().to_numpy()
    starts, repeated = _stamps(report, naive, lines, "interval_start", timezone, first)
    volume = _numbers(report, table, lines, "volume")
    aht = _numbers(report, table, lines, "aht", positive=True, required=False)
    if _failed(report):
        return None
    if repeated:
        report.warn(
            "interval_start",
            f"{repeated} rows lie in an hour that clocks repeat in {timezone.key}: the first "
            "row of each interval is taken as summer time, its repeat as winter time",
        )
    distinct = np.unique(starts)
    gaps = np.diff(distinct)
    if len(gaps):
        values, counts = np.unique(gaps, return_counts=True)
        step = int(values[np.argmax(counts)])
    else:
        step = interval_s
    if step % 60 or interval_s % step:
        report(
            "interval_start",
            f"rows are mostly {step / 60:g} minutes apart, which does not divide the forecast "
            f"interval of {interval_s // 60} minutes",
        )
        return None
    local = pd.DatetimeIndex(pd.to_datetime(starts, unit="s", utc=True)).tz_convert(timezone)
    of_day = (local.hour * 3600 + local.minute * 60 + local.second).to_numpy()
    _flag(
        report,
        lines,
        of_day % step != 0,
        "interval_start",
        f"does not start a {step // 60}-minute interval counted from local midnight",
        naive,
    )
    if _failed(report):
        return None
    frame = pd.DataFrame(
        {"start_s": starts, "channel": channel, "region": region, "volume": volume, "aht": aht}
    )
    keep = _repeats(report, frame, lines)
    frame = frame[keep]
    known = np.isfinite(frame["aht"].to_numpy())
    rows = pd.DataFrame(
        {
            "start_s": frame["start_s"].to_numpy(),
            "channel": frame["channel"].to_numpy(),
            "region": frame["region"].to_numpy(),
            "volume": frame["volume"].to_numpy(),
            "aht_sum_s": np.where(known, frame["aht"].fillna(0) * frame["volume"], 0.0),
            "aht_n": np.where(known, frame["volume"], 0.0),
        }
    )
    return History(
        file=report.file,
        kind="intervals",
        rows=rows,
        contacts=None,
        step_s=step,
        first_s=int(starts.min()),
        end_s=int(starts.max()) + step,
        has_channel="channel" in table,
        has_region="region" in table and bool((region != "").any()),
        has_aht="aht" in table and bool(known.any()),
    )


def _repeats(report: Collector, frame: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
    """Which rows to keep: a repeat of an earlier row's interval, channel and region is
    dropped when its volume and handle time are the same (counted once), else kept (added)."""
    key = ["start_s", "channel", "region"]
    repeat = frame.duplicated(key).to_numpy()
    if not repeat.any():
        return np.ones(len(frame), dtype=bool)
    same = frame.fillna({"aht": -1.0}).duplicated([*key, "volume", "aht"]).to_numpy()
    first_line = frame.assign(line=lines).groupby(key)["line"].transform("min").to_numpy()
    dropped = [(f"line {lines[i]}", f"line {first_line[i]}") for i in np.flatnonzero(same)]
    added = [(f"line {lines[i]}", f"line {first_line[i]}") for i in np.flatnonzero(repeat & ~same)]
    report_repeats(
        report.warn,
        dropped,
        "repeats {other} (interval, channel, region and volume); counted once",
        "rows repeat an earlier row; counted once",
    )
    report_repeats(
        report.warn,
        added,
        "has the interval, channel and region of {other} with another volume; both are added",
        "rows repeat the interval of an earlier row with another volume; both are added",
    )
    return ~same


def _contacts(
    report: Collector, table: pd.DataFrame, lines: np.ndarray, timezone: ZoneInfo
) -> History | None:
    channel = _names(report, table, lines, "channel")
    region = _names(report, table, lines, "region")
    created = table["created_at"]
    starts, repeated = _stamps(
        report, created, lines, "created_at", timezone, np.ones(len(table), dtype=bool)
    )
    handle = _numbers(report, table, lines, "handle_time_s", required=False)
    wait = _numbers(report, table, lines, "wait_s", required=False)
    abandoned = np.full(len(table), np.nan)
    if "abandoned" in table:
        words = table["abandoned"].str.lower().reset_index(drop=True)
        abandoned[words.isin(TRUE).to_numpy()] = 1.0
        abandoned[words.isin(FALSE).to_numpy()] = 0.0
        bad = ~words.isin(TRUE | FALSE | {""}).to_numpy()
        _flag(
            report, lines, bad, "abandoned", "must be true or false (or 1 or 0)", table["abandoned"]
        )
    if _failed(report):
        return None
    if repeated:
        report.warn(
            "created_at",
            f"{repeated} contacts lie in an hour that clocks repeat in {timezone.key}; without "
            "an offset they are taken as summer time",
        )
    handled = np.isfinite(handle) & (handle > 0) & (abandoned != 1.0)
    rows = pd.DataFrame(
        {
            "start_s": starts,
            "channel": channel.to_numpy(),
            "region": region.to_numpy(),
            "volume": np.ones(len(table)),
            "aht_sum_s": np.where(handled, handle, 0.0),
            "aht_n": handled.astype(float),
        }
    )
    contacts = pd.DataFrame(
        {"channel": channel.to_numpy(), "handle_time_s": handle, "wait_s": wait}
    ).assign(abandoned=abandoned)
    return History(
        file=report.file,
        kind="contacts",
        rows=rows,
        contacts=contacts,
        step_s=1,
        first_s=int(starts.min()),
        end_s=int(starts.max()) + 1,
        has_channel="channel" in table,
        has_region="region" in table and bool((region != "").any()),
        has_aht=bool(handled.any()),
    )


def _failed(report: Collector) -> bool:
    """Whether a problem that stops the history from loading was found (not a warning)."""
    return any(not p.warning for p in report.problems)
