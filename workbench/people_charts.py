"""The schedule of a people plan as a chart: one row per person, one column per date, each cell
coloured by the shift worked that day (template and start time) or grey when off; rows grouped
by site and contract (README "Planning people", ``schedule.csv``).

The chart must stay readable for hundreds of people: a row is a few pixels high when there are
many (the height grows with the head count), person names move into the tooltip, and within a
group people are sorted by when they first work, so people on the same tour sit together and
the weekly patterns read as bands.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from workbench.chart_time import _inline, _require

SCHEDULE_CHART_COLUMNS = ("person", "site", "contract", "date", "shift", "start")
"""The columns of ``schedule.csv`` the chart needs (``end`` and ``paid_hours`` when given go
into the tooltip)."""
NO_CONTRACT = "(none)"
"""Contract label of schedule rows without a contract (as in ``people.csv``)."""
OFF = "off"
"""The shift label of a date a person does not work."""
OFF_COLOUR = "#eeeeee"

LABELLED_ROWS = 60
"""Up to this many people the rows are ``ROW_PX_LABELLED`` high and named on the axis."""
ROW_PX_LABELLED = 12
ROW_PX_MIN, ROW_PX_MAX = 3, 8
"""Row height of larger plans [px]: ``ROW_PX_MAX`` down to ``ROW_PX_MIN``, so that the rows
take about ``ROWS_PX`` in all."""
ROWS_PX = 1800
LEGEND_ROWS = 24
"""Most entries in one column of the shift legend (every entry is shown)."""
PANEL_GAP_PX = 8
DAYS_PX = 760
"""About the width of the date columns [px] (each column 12 to 48 px)."""


def _day_label(date: dt.date) -> str:
    return date.strftime("%a %d %b")


def schedule_cells(schedule: pd.DataFrame, groups: Sequence[str] = ()) -> pd.DataFrame:
    """The cells of :func:`schedule_chart`, one per row of ``schedule`` (a person's working
    date): ``group`` ("site / contract"), ``person``, ``order`` (the person's rank in the
    group, 0 first), ``date`` (ISO), ``day`` (label, e.g. "Mon 01 Jun"), ``shift``
    (template), ``label`` ("template HH:MM"), ``start``, ``end``, ``paid_hours`` (None when
    not given). Rows are in group, person and date order.

    Groups come in the order of ``groups`` ("site / contract", e.g. that of ``people.csv``),
    then any other in order of first appearance in ``schedule``; within a group
    people are sorted by the start time of their first shift, then its date, then the dates
    they work (those working from the horizon's first day first), then by name: people on the
    same tour sit together. ``schedule`` must have one row per person and date
    (``SCHEDULE_CHART_COLUMNS``; ``date`` ISO, ``start`` "HH:MM")."""
    _require(schedule, SCHEDULE_CHART_COLUMNS, "schedule_cells")
    frame = schedule.copy()
    frame["group"] = schedule_groups(schedule, each_row=True)
    frame["person"] = frame["person"].astype(str)
    frame["date"] = [dt.date.fromisoformat(str(d)) for d in frame["date"]]
    frame["start"] = frame["start"].astype(str)
    frame["shift"] = frame["shift"].astype(str)
    for column in ("end", "paid_hours"):
        if column not in frame.columns:
            frame[column] = None
    if frame.duplicated(["group", "person", "date"]).any():
        raise ValueError("a person has two shifts on one date")
    first = min(frame["date"])
    frame = frame.sort_values(["date", "start"], kind="stable")
    keys: dict[tuple[str, str], tuple[Any, ...]] = {}
    for (group, person), mine in frame.groupby(["group", "person"], sort=False):
        offsets = tuple((d - first).days for d in mine["date"])
        keys[(str(group), str(person))] = (mine["start"].iloc[0], offsets[0], offsets)
    present = schedule_groups(schedule)
    groups = [g for g in dict.fromkeys([*groups, *present]) if g in set(present)]
    rank = {group: k for k, group in enumerate(groups)}
    ordered = sorted(keys, key=lambda k: (rank[k[0]], *keys[k], k[1]))
    order: dict[tuple[str, str], int] = {}
    taken = dict.fromkeys(groups, 0)
    for key in ordered:
        order[key], taken[key[0]] = taken[key[0]], taken[key[0]] + 1
    frame["order"] = [order[(g, p)] for g, p in zip(frame["group"], frame["person"], strict=True)]
    frame["group_rank"] = [rank[g] for g in frame["group"]]
    frame = frame.sort_values(["group_rank", "order", "date"], kind="stable")
    frame["label"] = frame["shift"] + " " + frame["start"]
    frame["day"] = [_day_label(d) for d in frame["date"]]
    frame["date"] = [d.isoformat() for d in frame["date"]]
    columns = ["group", "person", "order", "date", "day", "shift", "label", "start", "end"]
    return frame[[*columns, "paid_hours"]].reset_index(drop=True)


def schedule_groups(schedule: pd.DataFrame, each_row: bool = False) -> list[str]:
    """The "site / contract" groups of ``schedule`` in order of first appearance (with
    ``each_row``, the group of every row); a row without contract is in ``NO_CONTRACT``."""
    contracts = [
        NO_CONTRACT if c is None or pd.isna(c) or str(c) == "" else str(c)
        for c in schedule["contract"]
    ]
    groups = [f"{s} / {c}" for s, c in zip(schedule["site"], contracts, strict=True)]
    return groups if each_row else list(dict.fromkeys(groups))


def row_px(people: int) -> int:
    """The height of one person's row [px] for a plan of ``people``."""
    if people <= LABELLED_ROWS:
        return ROW_PX_LABELLED
    return max(ROW_PX_MIN, min(ROW_PX_MAX, ROWS_PX // people))


def chart_height(people: int, groups: int) -> int:
    """About how tall :func:`schedule_chart` draws ``people`` in ``groups`` panels [px]: rows,
    gaps between panels, and title and axis."""
    return people * row_px(people) + max(groups - 1, 0) * PANEL_GAP_PX + 120


def schedule_chart(schedule: pd.DataFrame, groups: Sequence[str] = ()) -> alt.FacetChart:
    """People (rows) by date (columns) of ``schedule.csv``, one panel per site and contract
    (named with its head count), each working date a cell coloured by template and start time
    (ordered by start, so early and late read as a gradient), days off light grey (the
    panel's background); see :func:`schedule_cells`. Rows are ``row_px`` high: the chart
    grows with the head count; up to ``LABELLED_ROWS`` people are named on the axis, always in
    the tooltip."""
    cells = schedule_cells(schedule, groups)
    people = cells.drop_duplicates(["group", "person"])
    counts = people.groupby("group", sort=False)["person"].count()
    cells["panel"] = [f"{g} ({counts[g]})" for g in cells["group"]]
    panels = list(dict.fromkeys(cells["panel"]))
    first, last = (
        dt.date.fromisoformat(cells["date"].min()),
        dt.date.fromisoformat(cells["date"].max()),
    )
    days = [_day_label(first + dt.timedelta(days=k)) for k in range((last - first).days + 1)]
    labels = list(dict.fromkeys(cells.sort_values(["start", "shift"])["label"]))
    step = row_px(len(people))
    named = step >= ROW_PX_LABELLED
    column_px = max(14, min(64, DAYS_PX // len(days)))
    y = alt.Y(
        "person:N",
        sort=alt.EncodingSortField("order", op="min"),
        title=None,
        axis=alt.Axis(labels=named, ticks=named, labelFontSize=9, domain=False),
    )
    x = alt.X(
        "day:O",
        scale=alt.Scale(domain=days),
        title=None,
        axis=alt.Axis(orient="top", labelAngle=0 if column_px >= 56 else -50, labelFontSize=9),
    )
    colour = alt.Color(
        "label:O",
        scale=alt.Scale(domain=labels, scheme="turbo"),
        legend=alt.Legend(
            title="shift (template, start); grey: off",
            columns=math.ceil(len(labels) / LEGEND_ROWS),
            symbolLimit=0,
            symbolType="square",
        ),
    )
    tooltip = [
        alt.Tooltip("person:N"),
        alt.Tooltip("group:N", title="site / contract"),
        alt.Tooltip("day:N", title="date"),
        alt.Tooltip("shift:N"),
        alt.Tooltip("start:N"),
        alt.Tooltip("end:N"),
        alt.Tooltip("paid_hours:Q", title="paid hours"),
    ]
    return (
        alt.Chart(_inline(cells))
        .mark_rect(strokeWidth=0)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
        .properties(width=alt.Step(column_px), height=alt.Step(step))
        .facet(
            row=alt.Row(
                "panel:N",
                sort=panels,
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            ),
            spacing=PANEL_GAP_PX,
            title=alt.Title(
                f"Schedule: {len(people)} people by site and contract",
                subtitle="rows: people, sorted by their first shift's start; columns: dates",
            ),
        )
        .resolve_scale(y="independent")
        .configure_view(fill=OFF_COLOUR)
    )
