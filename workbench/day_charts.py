"""Service level charts that stay readable over weeks (issue 14 point 6).

* :func:`daily_service_level_chart`: one point per planning-clock day (``daily.csv``) with its
  95 % interval, the target as a dashed rule, and below it ``p_meet``, the share of
  replications whose day reached the target share.
* :func:`interval_days_chart`: the per-interval service level as small multiples, one panel
  per planning-clock day, wrapped seven to a row, so that each row is a week and a column is
  one weekday when the horizon starts on a Monday. Over 28 days this is 4 rows of 7 panels of
  48 intervals each, where one 1,344-interval line over 760 px draws a blur.

Both take the tidy tables of a run (``daily.csv``, ``intervals.csv``) and return Altair charts
with their data inline, like :mod:`workbench.charts`.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from workbench.chart_time import _inline, _require
from workbench.charts import _TARGET_DASH, SL_COLUMNS, WIDTH

DAILY_COLUMNS = (
    "day",
    "date",
    "channel",
    "offered",
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
    "p_meet",
)
"""Columns of ``daily.csv`` the daily chart reads (docs/outputs.md)."""

PER_ROW = 7
"""Panels per row of :func:`interval_days_chart`: one week."""

_SL = alt.Scale(domain=[0, 1])
_MET_COLOURS = alt.Scale(domain=["meets target", "below target"], range=["#1a7f37", "#c62828"])


def _day_label(date: dt.date) -> str:
    """``Mon 23 Mar``."""
    return f"{date:%a} {date.day} {date:%b}"


def _span(dates: pd.Series) -> str:
    """``23 Mar - 19 Apr 2026``: the first and last of ISO ``dates``."""
    first, last = dt.date.fromisoformat(min(dates)), dt.date.fromisoformat(max(dates))
    year = "" if first.year == last.year else f" {first.year}"
    return f"{first.day} {first:%b}{year} - {last.day} {last:%b} {last.year}"


def daily_table(daily: pd.DataFrame, channel: str, target: float) -> pd.DataFrame:
    """The rows of one channel line of ``daily.csv`` for :func:`daily_service_level_chart`.

    Columns: ``day``, ``date`` (ISO), ``label`` (``Mon 23 Mar``; ``Mon 23`` over more than two
    weeks, where the month would not fit), ``offered``,
    ``service_level``, ``service_level_ci_low``, ``service_level_ci_high``, ``p_meet`` (shares
    in 0..1, empty where nothing was offered), ``target`` and ``verdict`` (``meets target`` or
    ``below target`` for the mean service level; empty where there is none).
    """
    _require(daily, DAILY_COLUMNS, "daily_service_level_chart")
    frame = daily[daily["channel"] == channel]
    if frame.empty:
        raise ValueError(f"daily_service_level_chart: no rows for channel {channel!r}")
    out = frame[list(DAILY_COLUMNS)].drop(columns="channel").sort_values("day")
    dates = [dt.date.fromisoformat(str(d)) for d in out["date"]]
    labels = [_day_label(d) for d in dates]
    short = [f"{d:%a} {d.day}" for d in dates]
    if len(dates) > 14 and len(set(short)) == len(short):
        labels = short  # 27 px a day: the month is in the subtitle
    out = out.assign(date=[d.isoformat() for d in dates], label=labels, target=float(target))
    level = out["service_level"].astype(float)
    out["verdict"] = (level >= target - 1e-12).map({True: "meets target", False: "below target"})
    out.loc[level.isna(), "verdict"] = None
    return _rounded(out).reset_index(drop=True)


def daily_service_level_chart(
    daily: pd.DataFrame, channel: str, target: float, replications: int | None = None
) -> alt.VConcatChart:
    """Service level by planning-clock day with its target, and ``p_meet`` below.

    ``daily``: ``daily.csv`` (columns ``DAILY_COLUMNS``); ``channel``: the channel line drawn;
    ``target``: its target share [0..1]; ``replications``: named in the subtitle when given.

    Top: the day's mean service level (a point, green when at or above the target, red below)
    with its 95 % interval over replications (a bar), joined by a thin line, and the target
    as a dashed rule. Bottom: ``p_meet``, the share of replications whose service level that
    day reached the target share, as bars labelled in percent. Days are bands on the x axis
    (``Mon 23 Mar``), so 28 days take 27 px each at the default width.
    """
    table = daily_table(daily, channel, target)
    labels = list(table["label"])
    many = len(labels) > 14
    x = alt.X(
        "label:O",
        sort=labels,
        title=None,
        # two lines, weekday above date: 28 days fit 760 px without turning the labels
        axis=alt.Axis(
            labelAngle=0,
            labelOverlap=False,
            labelExpr="[slice(datum.value, 0, 3), slice(datum.value, 4)]",
            labelFontSize=9 if many else 10,
        ),
    )
    x_hidden = alt.X("label:O", sort=labels, title=None, axis=alt.Axis(labels=False, ticks=False))
    tooltip = [
        alt.Tooltip("label:N", title="day"),
        alt.Tooltip("date:N", title="date (planning clock)"),
        alt.Tooltip("service_level:Q", title="service level", format=".1%"),
        alt.Tooltip("service_level_ci_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip("service_level_ci_high:Q", title="95% CI high", format=".1%"),
        alt.Tooltip("p_meet:Q", title="p_meet", format=".0%"),
        alt.Tooltip("offered:Q", title="offered (mean)", format=",.0f"),
    ]
    base = alt.Chart(_inline(table))
    axis = alt.Axis(format="%", title="service level", tickCount=5)
    band = base.mark_rule(strokeWidth=3, opacity=0.35, color="#4c78a8").encode(
        x=x_hidden,
        y=alt.Y("service_level_ci_low:Q", scale=_SL, axis=axis),
        y2="service_level_ci_high:Q",
        tooltip=tooltip,
    )
    line = base.mark_line(
        strokeWidth=1, color="#9aa5b1", invalid="break-paths-show-domains"
    ).encode(x=x_hidden, y=alt.Y("service_level:Q", scale=_SL, axis=axis))
    points = base.mark_point(filled=True, size=55, opacity=1).encode(
        x=x_hidden,
        y=alt.Y("service_level:Q", scale=_SL, axis=axis),
        color=alt.Color("verdict:N", scale=_MET_COLOURS, title=None, legend=alt.Legend()),
        tooltip=tooltip,
    )
    rule = (
        alt.Chart(_inline(pd.DataFrame({"target": [float(target)]})))
        .mark_rule(strokeDash=_TARGET_DASH, strokeWidth=1.5, color="#333")
        .encode(
            y=alt.Y("target:Q", scale=_SL, axis=axis),
            tooltip=[alt.Tooltip("target:Q", format=".0%")],
        )
    )
    top = alt.layer(band, line, points, rule).properties(width=WIDTH, height=200)
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y(
            "p_meet:Q",
            scale=_SL,
            title="p_meet",
            axis=alt.Axis(format="%", values=[0, 0.5, 1]),
        ),
        color=alt.Color(
            "p_meet:Q",
            scale=alt.Scale(domain=[0, 1], scheme=alt.SchemeParams("redyellowgreen")),
            legend=None,
        ),
        tooltip=tooltip,
    )
    text = base.mark_text(dy=-5, fontSize=9 if many else 10, baseline="bottom").encode(
        x=x,
        y=alt.Y("p_meet:Q", scale=_SL),
        text=alt.Text("p_meet:Q", format=".0%"),
    )
    bottom = alt.layer(bars, text).properties(width=WIDTH, height=70)
    runs = f" of {replications} replications" if replications else " of replications"
    return alt.vconcat(top, bottom, spacing=6).properties(
        title=alt.Title(
            f"service level by day: {channel}",
            subtitle=[
                f"{_span(table['date'])}: mean over replications (point) with its 95 % "
                f"interval (bar); dashed: target {target:.0%}",
                f"below: p_meet, the share{runs} whose day reaches the target",
            ],
        )
    )


def interval_days_table(intervals: pd.DataFrame, channel: str) -> pd.DataFrame:
    """One channel line of ``intervals.csv`` on the planning clock's days.

    Columns: those of ``SL_COLUMNS``, plus ``date`` (local ISO date), ``day`` (``Mon
    23 Mar``), ``hour`` (local wall-clock hours since midnight, 0..24) and ``offset`` (the UTC
    offset in force, ``+0100``): the line of a day is drawn per offset, so a clock change
    leaves a gap (spring) or draws the repeated hour twice (autumn) instead of a zigzag.
    """
    _require(intervals, SL_COLUMNS, "interval_days_chart")
    frame = intervals[intervals["channel"] == channel]
    if frame.empty:
        raise ValueError(f"interval_days_chart: no rows for channel {channel!r}")
    frame = frame[list(SL_COLUMNS)].copy()
    local = [dt.datetime.fromisoformat(str(v)) for v in frame["interval_start_local"]]
    frame["interval_start"] = frame["interval_start"].astype(str)
    frame["interval_start_local"] = [t.isoformat() for t in local]
    frame["date"] = [t.date().isoformat() for t in local]
    frame["day"] = [_day_label(t.date()) for t in local]
    frame["hour"] = [t.hour + t.minute / 60 for t in local]
    frame["offset"] = [t.strftime("%z") for t in local]
    return _rounded(frame).reset_index(drop=True)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares to 4 decimals (0.01 percentage point) and counts to 2: the page holds every
    value as text, and 17 digits of a mean over replications show nothing more."""
    shares = [c for c in frame.columns if c.startswith(("service_level", "p_meet", "target"))]
    return frame.round({**dict.fromkeys(shares, 4), "offered": 2, "hour": 4})


def interval_days_chart(
    intervals: pd.DataFrame, channel: str, target: float, per_row: int = PER_ROW
) -> alt.FacetChart:
    """Service level by interval, one small panel per planning-clock day, ``per_row`` a row.

    ``intervals``: ``intervals.csv`` (``SL_COLUMNS``); ``channel``: the line drawn; ``target``:
    its target share [0..1]. Each panel: the 95 % band, the mean line (broken where nothing was
    offered, split at a clock change), small points (an interval alone between gaps stays
    visible) and the dashed target. x: local hour of the day, 0..24; panels share both axes.
    Fewer days than ``per_row`` share the full width (one day: one wide panel).
    """
    table = interval_days_table(intervals, channel)
    days = list(dict.fromkeys(table.sort_values("date")["day"]))
    columns = max(1, min(per_row, len(days)))
    spacing = 8
    width = max(60, (WIDTH - spacing * (columns - 1)) // columns)
    height = 90 if columns > 3 else 140
    hours = alt.X(
        "hour:Q",
        scale=alt.Scale(domain=[0, 24], nice=False),
        axis=alt.Axis(values=[0, 6, 12, 18, 24], title=None, labelAngle=0),
    )
    level = alt.Scale(domain=[0, 1])
    axis = alt.Axis(format="%", values=[0, 0.5, 1], title="service level")
    tooltip = [
        alt.Tooltip("interval_start_local:N", title="start (planning clock)"),
        alt.Tooltip("interval_start:N", title="start (UTC)"),
        alt.Tooltip("service_level:Q", title="service level", format=".1%"),
        alt.Tooltip("service_level_ci_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip("service_level_ci_high:Q", title="95% CI high", format=".1%"),
        alt.Tooltip("offered:Q", title="offered (mean)", format=".1f"),
    ]
    base = alt.Chart()
    band = base.mark_area(opacity=0.25, color="#4c78a8", invalid="break-paths-show-domains").encode(
        x=hours,
        y=alt.Y("service_level_ci_low:Q", scale=level, axis=axis),
        y2="service_level_ci_high:Q",
        detail="offset:N",
    )
    line = base.mark_line(
        color="#4c78a8",
        strokeWidth=1.2,
        point=alt.OverlayMarkDef(size=6, color="#4c78a8"),
        invalid="break-paths-show-domains",
    ).encode(
        x=hours,
        y=alt.Y("service_level:Q", scale=level, axis=axis),
        detail="offset:N",
        tooltip=tooltip,
    )
    rule = base.mark_rule(strokeDash=_TARGET_DASH, strokeWidth=1.2, color="#333").encode(
        y=alt.datum(float(target))
    )
    return (
        alt.layer(band, line, rule, data=_inline(table.drop(columns=["channel", "date"])))
        .properties(width=width, height=height)
        .facet(
            facet=alt.Facet("day:N", sort=days, title=None, header=alt.Header(labelFontSize=11)),
            columns=columns,
            spacing=spacing,
        )
        .properties(
            title=alt.Title(
                f"service level by interval, per day: {channel}",
                subtitle=(
                    f"one panel per day of the planning clock, {columns} to a row, x: hour of "
                    f"the day 0-24; mean over replications, 95 % band; dashed: target "
                    f"{target:.0%}"
                ),
            )
        )
    )
