"""The people plan in ``workbench report``: ``schedule.csv`` and ``people.csv`` of an optimize
folder that planned people (README "Planning people"), read and checked like the report's
other inputs (a damaged file gives :class:`ReportError` with one line naming the file, the line
and the value), and the head count by site and contract as an HTML table."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.tours.tables import PEOPLE_COLUMNS
from workbench.people_charts import SCHEDULE_CHART_COLUMNS
from workbench.report_errors import ReportError

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_WHOLE = re.compile(r"\d+")
_SPREADS = ("paid_hours_per_week", "nights", "weekend_days")


@dataclass(frozen=True)
class PeoplePlan:
    """``schedule.csv`` (one row per person and working date, every value a string but
    ``paid_hours``, a float or NaN) and ``people.csv`` (counts ``Int64``, figures float); either
    None when the folder lacks it."""

    schedule: pd.DataFrame | None
    people: pd.DataFrame | None


def _csv(path: Path) -> pd.DataFrame:
    """``path`` as a table of strings (empty cells ""), or ``ReportError`` naming it."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())
        raise ReportError(f"{path.name} cannot be read: {reason}") from None


def _columns(table: pd.DataFrame, needed: tuple[str, ...], name: str) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ReportError(f"{name} lacks the column(s) {', '.join(missing)}")


def _bad(name: str, row: int, column: str, value: str, kind: str) -> ReportError:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return ReportError(f"{name} line {row + 2}: {column} should be {kind} (got {shown!r})")


def _values(
    table: pd.DataFrame,
    column: str,
    name: str,
    kind: str,
    parse: Callable[[str], Any],
    required: bool = True,
) -> list[Any]:
    """``table[column]`` parsed value by value (None for an empty cell unless ``required``);
    a value ``parse`` rejects (``ValueError``) is a ``ReportError`` naming its line."""
    out: list[Any] = []
    for row, value in enumerate(table[column]):
        text = value.strip()
        if text == "" and not required:
            out.append(None)
            continue
        try:
            out.append(parse(text))
        except (ValueError, OverflowError):
            raise _bad(name, row, column, value, kind) from None
    return out


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def _whole(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _date(text: str) -> str:
    return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else _fail(text)


def _time(text: str) -> str:
    return text if _TIME.fullmatch(text) else _fail(text)


def _name(text: str) -> str:
    return text if text else _fail(text)


def _fail(text: str) -> Any:
    raise ValueError(text)


def read_schedule(path: Path) -> pd.DataFrame:
    """``schedule.csv``: every row names a person, site and shift, a date ``YYYY-MM-DD`` and a
    start ``HH:MM``, ``paid_hours`` (when the column is there) a number >= 0 or empty, and no
    person works twice on one date; else ``ReportError``."""
    name = path.name
    table = _csv(path)
    _columns(table, SCHEDULE_CHART_COLUMNS, name)
    for column in ("person", "site", "shift"):
        table[column] = _values(table, column, name, "a name", _name)
    table["date"] = _values(table, "date", name, "a date YYYY-MM-DD", _date)
    table["start"] = _values(table, "start", name, "a time HH:MM", _time)
    if "paid_hours" in table.columns:
        hours = _values(table, "paid_hours", name, "a number >= 0", _number, required=False)
        table["paid_hours"] = [math.nan if h is None else h for h in hours]
    twice = table.duplicated(["site", "contract", "person", "date"])
    if twice.any():
        row = int(twice.to_numpy().argmax())
        raise ReportError(
            f"{name} line {row + 2}: {table['person'].iloc[row]} works twice on "
            f"{table['date'].iloc[row]} (one row per person and working date)"
        )
    return table


def read_people(path: Path) -> pd.DataFrame:
    """``people.csv``: the columns of ``optimizer.tours.tables.PEOPLE_COLUMNS``; ``people`` a
    whole number, ``existing``, ``hires`` and ``releases`` whole numbers or empty, ``fte`` and
    ``cost`` numbers, the per-person spreads numbers or empty; else ``ReportError``."""
    name = path.name
    table = _csv(path)
    _columns(table, PEOPLE_COLUMNS, name)
    out = table[["site", "contract"]].copy()
    for column in ("people", "existing", "hires", "releases"):
        values = _values(table, column, name, "a whole number", _whole, required=column == "people")
        out[column] = pd.array(values, dtype="Int64")
    for column in PEOPLE_COLUMNS[6:]:
        required = column in ("fte", "cost")
        values = _values(table, column, name, "a number >= 0", _number, required=required)
        out[column] = [math.nan if v is None else v for v in values]
    return out


def read_people_plan(folder: Path) -> PeoplePlan:
    """``schedule.csv`` and ``people.csv`` of ``folder``, each None when absent."""
    schedule, people = folder / "schedule.csv", folder / "people.csv"
    return PeoplePlan(
        schedule=read_schedule(schedule) if schedule.exists() else None,
        people=read_people(people) if people.exists() else None,
    )


# --------------------------------------------------------------------------------------------
# the head count table
# --------------------------------------------------------------------------------------------


def _count(value: Any) -> str:
    return "-" if value is None or pd.isna(value) else f"{int(value):,}"


def _spread(row: Any, name: str, digits: int) -> str:
    low, mean, high = row[f"{name}_min"], row[f"{name}_mean"], row[f"{name}_max"]
    if pd.isna(mean):
        return "-"
    return f"{mean:.{digits}f} <small>({low:g}–{high:g})</small>"


HEADCOUNT_HEAD = [
    "site",
    "contract",
    "people",
    "existing",
    "hires",
    "releases",
    "FTE",
    "paid h/week per person",
    "nights per person",
    "weekend days per person",
    "cost",
]
"""The columns of :func:`headcount_html`."""


def headcount_rows(people: pd.DataFrame) -> list[list[str]]:
    """The rows of the head count table (HTML cells): every (site, contract) with people or
    with people employed today (a contract whose people all go shows its releases), then the
    total row ``all``. Per person: mean paid hours a week, night shifts and weekend days over
    the horizon, each with the min-max."""
    e = html.escape
    rows = []
    for _, row in people.iterrows():
        existing = row["existing"]
        kept = row["people"] > 0 or (not pd.isna(existing) and existing > 0)
        if not kept and row["site"] != "all":
            continue
        rows.append(
            [
                e(str(row["site"])),
                e(str(row["contract"])),
                _count(row["people"]),
                _count(existing),
                _count(row["hires"]),
                _count(row["releases"]),
                f"{row['fte']:,.1f}",
                _spread(row, "paid_hours_per_week", 1),
                _spread(row, "nights", 1),
                _spread(row, "weekend_days", 1),
                f"{row['cost']:,.0f}",
            ]
        )
    return rows


def headcount_html(
    people: pd.DataFrame, table: Callable[[list[str], list[list[str]], str], str]
) -> str:
    """The People section's text and table (``table`` draws it: head, rows, CSS class)."""
    total = people[people["site"] == "all"]
    count = int(total["people"].iloc[0]) if len(total) else int(people["people"].sum())
    return (
        f"<p>The plan names {count:,} people on weekly tours (people.csv): head count by site "
        "and contract, hires and releases against the people employed today "
        "(<code>people.existing</code>; - where not given), full-time equivalents, and per "
        "person the mean paid hours a week, night shifts and weekend days over the horizon "
        "(min–max in brackets); cost: the pay of those shifts if every one is worked.</p>"
        + table(HEADCOUNT_HEAD, headcount_rows(people), "kpi people")
    )
