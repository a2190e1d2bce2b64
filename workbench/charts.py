"""Altair charts of a run's tidy tables, and the one place notebooks import charts from.

Every chart is a function from a results table (a pandas DataFrame with the columns of
``intervals.csv`` or of one of the tables of :mod:`workbench.chart_tables`) to an Altair chart,
so a notebook shows it, ``workbench report`` embeds it and ``vl_convert`` turns it into a PNG.
The charts hold their data inline and share the time axes of :mod:`workbench.chart_time` (UTC
at the bottom, the planning clock on top). Tables are computed first, then drawn: here the
time-line charts of one run (service level, heatmap, staffing); the charts comparing options
(cost, trade-off, plan) are in :mod:`workbench.option_charts`. This module re-exports the
tables and those charts, so ``charts.agents_on_duty``, ``charts.with_targets``,
``charts.cost_chart`` and the rest keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from workbench.chart_tables import (
    _HEAT,
    Basis,
    Run,
    agents_on_duty,
    agents_required,
    cost_table,
    heatmap_table,
    plan_table,
    targets,
    tradeoff_table,
    with_targets,
)
from workbench.chart_time import (
    UTC_FORMAT,
    _Clock,
    _close_steps,
    _inline,
    _require,
    _time_tooltips,
    _times,
    duration_text,
)
from workbench.option_charts import cost_chart, plan_chart, tradeoff_chart

__all__ = [
    "SL_COLUMNS",
    "UTC_FORMAT",
    "WIDTH",
    "Basis",
    "Run",
    "agents_on_duty",
    "agents_required",
    "cost_chart",
    "cost_table",
    "duration_text",
    "forecast_chart",
    "heatmap_chart",
    "heatmap_table",
    "offline",
    "plan_chart",
    "plan_table",
    "service_level_chart",
    "staffing_chart",
    "targets",
    "tradeoff_chart",
    "tradeoff_table",
    "with_targets",
]

WIDTH = 760
"""Default width of the time-line charts [px]."""

_TARGET_DASH = [6, 4]


def offline() -> None:
    """Draw charts in this notebook without network: enable the ``"workbench"`` Altair renderer
    (``workbench.offline``), which inlines the Vega JavaScript once per kernel session and
    gives every chart a static SVG picture for views that run no scripts. Altair's default
    renderer loads Vega from a CDN and fails offline. Call it once, after the imports."""
    from workbench import offline as renderer  # imports the report's HTML module lazily

    renderer.enable()


SL_COLUMNS = (
    "interval_start",
    "interval_start_local",
    "channel",
    "offered",
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
)


def service_level_chart(
    intervals: pd.DataFrame,
    channel: str | None = None,
    targets: Mapping[str, float] | None = None,
) -> alt.LayerChart:
    """Service level by interval with its 95 % confidence band and the target line.

    ``intervals``: ``intervals.csv`` columns ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local``, ``channel``, ``offered`` [contacts], ``service_level`` and
    ``service_level_ci_low``/``_high`` [share in 0..1; empty when nothing was offered].
    ``channel``: one line (default: every line in the table, one colour each).
    ``targets``: channel -> target share [0..1]; default: the table's ``target`` column (add it
    with :func:`with_targets` from ``summary.json``).

    Layers: an area between the CI ends (``y``/``y2``), the mean line, a dashed rule per channel
    at its target share, and an invisible layer carrying the planning-clock axis on top. The
    line breaks where nothing was offered.
    """
    _require(intervals, SL_COLUMNS, "service_level_chart")
    frame = intervals if channel is None else intervals[intervals["channel"] == channel]
    if frame.empty:
        raise ValueError(f"service_level_chart: no rows for channel {channel!r}")
    if targets is None:
        if "target" not in frame.columns:
            raise ValueError(
                "service_level_chart needs targets: pass targets={channel: share} or add a "
                "target column with with_targets(intervals, summary)"
            )
        rule = frame.groupby("channel", sort=False)["target"].first().dropna()
    else:
        rule = pd.Series({c: targets[c] for c in frame["channel"].unique() if c in targets})
    rule_frame = pd.DataFrame({"channel": rule.index.astype(str), "target": rule.to_numpy(float)})
    data = _times(frame[list(SL_COLUMNS)])
    clock = _Clock.of(data)
    base = alt.Chart(_inline(data))
    names = list(dict.fromkeys(data["channel"]))
    color = alt.Color(
        "channel:N",
        title="channel",
        scale=alt.Scale(domain=names),
        legend=alt.Legend() if len(names) > 1 else None,
    )
    y_title = "service level"
    percent = alt.Axis(format="%", title=y_title)
    tooltip = [
        alt.Tooltip("channel:N"),
        *_time_tooltips(),
        alt.Tooltip("service_level:Q", title="service level", format=".1%"),
        alt.Tooltip("service_level_ci_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip("service_level_ci_high:Q", title="95% CI high", format=".1%"),
        alt.Tooltip("offered:Q", title="offered (mean)", format=".1f"),
    ]
    band = base.mark_area(opacity=0.25, invalid="break-paths-show-domains").encode(
        x=clock.utc_x(),
        y=alt.Y("service_level_ci_low:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
        y2=alt.Y2("service_level_ci_high:Q"),
        color=color,
    )
    line = base.mark_line(
        point=alt.OverlayMarkDef(size=12), invalid="break-paths-show-domains"
    ).encode(
        x=clock.utc_x(axis=False),
        y=alt.Y("service_level:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
        color=color,
        tooltip=tooltip,
    )
    target = (
        alt.Chart(_inline(rule_frame))
        .mark_rule(strokeDash=_TARGET_DASH, strokeWidth=1.5)
        .encode(
            y=alt.Y("target:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
            color=color,
            tooltip=[alt.Tooltip("channel:N"), alt.Tooltip("target:Q", format=".0%")],
        )
    )
    title = "service level by interval" + (f": {channel}" if channel else "")
    return (
        alt.layer(band, line, target, clock.local_axis_layer())
        .resolve_axis(x="independent")
        .properties(
            width=WIDTH,
            height=220,
            title=alt.Title(title, subtitle="mean over replications, 95 % band; dashed: target"),
        )
    )


def heatmap_chart(
    intervals: pd.DataFrame, value: str = "service_level", channel: str | None = None
) -> alt.Chart:
    """Day-by-hour heatmap of a KPI (default service level; ``"backlog_end"`` for backlog).

    ``intervals``: ``intervals.csv`` columns (``interval_start``, ``interval_start_local``,
    ``channel``, the value and its weight, see :func:`heatmap_table`). Rows: local days of the
    planning clock; columns: local hour (0..23); colour: the value (service level on a fixed
    0..100 % red-to-green scale, backlog in contacts from 0). ``channel``: one line, or every
    line as a row of panels (counts such as the backlog get a colour scale per panel, and lines
    that are 0 throughout are named in the subtitle instead of drawn; shares share one scale).
    Hours where the value is undefined (nothing offered) stay blank.
    """
    table = heatmap_table(intervals, value, channel)
    title, _, _, fmt = _HEAT[value]
    shares = value in ("service_level", "abandon_rate", "occupancy")
    subtitle: list[str] = []
    if not shares and channel is None:
        # a panel of zeros would get a degenerate colour scale: name those lines instead
        flat = table.groupby("channel", sort=False)[value].apply(
            lambda v: bool((v.fillna(0) == 0).all())
        )
        zero = [str(c) for c, is_zero in flat.items() if is_zero]
        if zero and len(zero) < len(flat):
            table = table[~table["channel"].isin(zero)]
            subtitle = [f"always 0: {', '.join(zero)}"]
    days = list(dict.fromkeys(table.sort_values("date")["day"]))
    if shares:
        scale = alt.Scale(
            domain=[0, 1],
            scheme=alt.SchemeParams("redyellowgreen" if value == "service_level" else "orangered"),
        )
        legend = alt.Legend(format="%", title=title)
    else:
        scale = alt.Scale(
            domainMin=0, scheme=alt.SchemeParams("orangered" if value == "backlog_end" else "blues")
        )
        legend = alt.Legend(title=title)
    encoding: dict[str, Any] = {
        "x": alt.X("hour:O", title="hour of day (planning clock)", axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("day:O", sort=days, title=None),
        "color": alt.Color(f"{value}:Q", scale=scale, legend=legend),
        "tooltip": [
            alt.Tooltip("channel:N"),
            alt.Tooltip("day:N"),
            alt.Tooltip("hour:O", title="hour (planning clock)"),
            alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            alt.Tooltip("intervals:Q", title="intervals combined"),
        ],
    }
    faceted = channel is None and table["channel"].nunique() > 1
    if faceted:
        encoding["row"] = alt.Row("channel:N", title=None, sort=list(dict.fromkeys(table.channel)))
    name = f": {channel}" if channel else ""
    chart = (
        alt.Chart(_inline(table))
        .mark_rect()
        .encode(**encoding)
        .properties(
            width=24 * 22,
            title=alt.Title(f"{title} by day and hour{name}", subtitle=subtitle),
        )
    )
    if faceted and not shares:
        chart = chart.resolve_scale(color="independent")  # counts differ by channel
    return chart


def staffing_chart(
    on_duty: pd.DataFrame, required: pd.DataFrame, width: int = WIDTH
) -> alt.LayerChart:
    """Agents on duty by site (stacked areas) against the agents required (dashed line).

    ``on_duty``: :func:`agents_on_duty` (``site``, ``interval_start``,
    ``interval_start_local``, ``site_time``, ``agents`` [agents]). ``required``:
    :func:`agents_required` (``channel``, ``interval_start``, ``interval_start_local``,
    ``required`` [agents]), summed here over its channels: with agents who hold several skills
    that sum is what separate teams would need, an upper bound on what a pooled team needs.
    Use the same ``basis`` for both tables. The x axis is labelled in UTC (bottom) and on the
    planning clock (top); the tooltip adds each site's own wall clock. Values are steps over
    their interval, so each series gets one closing row at the end of the last interval.
    """
    _require(
        on_duty,
        ("site", "interval_start", "interval_start_local", "agents"),
        "staffing_chart (on_duty)",
    )
    _require(
        required,
        ("interval_start", "interval_start_local", "required"),
        "staffing_chart (required)",
    )
    duty = _times(on_duty)
    if "site_time" not in duty.columns:
        duty["site_time"] = ""
    duty = duty[["site", "interval_start", "interval_start_local", "site_time", "agents"]]
    need = (
        _times(required)
        .groupby(["interval_start", "interval_start_local"], sort=False)["required"]
        .sum()
        .reset_index()
    )
    need["series"] = "required (all channels)"
    duty = _close_steps(duty.assign(series=duty["site"]), "agents")
    need = _close_steps(need, "required")
    clock = _Clock.of(pd.concat([duty, need], ignore_index=True))
    sites = list(dict.fromkeys(duty["site"]))
    palette = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#eeca3b", "#9d755d", "#72b7b2"]
    color = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(
            domain=[*sites, "required (all channels)"],
            range=[*(palette[k % len(palette)] for k in range(len(sites))), "#222222"],
        ),
    )
    y_title = "agents"
    area = (
        alt.Chart(_inline(duty))
        .mark_area(interpolate="step-after", opacity=0.75)
        .encode(
            x=clock.utc_x(),
            y=alt.Y("agents:Q", stack="zero", title=y_title),
            color=color,
            order=alt.Order("site:N"),
            tooltip=[
                alt.Tooltip("site:N"),
                *_time_tooltips(),
                alt.Tooltip("site_time:N", title="site clock"),
                alt.Tooltip("agents:Q", title="agents on duty", format=".1f"),
            ],
        )
    )
    line = (
        alt.Chart(_inline(need))
        .mark_line(interpolate="step-after", strokeDash=_TARGET_DASH, strokeWidth=1.5)
        .encode(
            x=clock.utc_x(axis=False),
            y=alt.Y("required:Q", title=y_title),
            color=color,
            tooltip=[
                *_time_tooltips(),
                alt.Tooltip("required:Q", title="agents required", format=".1f"),
            ],
        )
    )
    return (
        alt.layer(area, line, clock.local_axis_layer())
        .resolve_axis(x="independent")
        .properties(
            width=width,
            height=240,
            title=alt.Title(
                "agents on duty by site against agents required",
                subtitle="areas: roster, stacked by site; dashed: required (analytic)",
            ),
        )
    )


def forecast_chart(daily: pd.DataFrame) -> alt.FacetChart:
    """Daily totals per channel of a forecast (``api.forecast(...).daily``): the last weeks of
    history, the forecast and its 80 % band [contacts a day], as in ``forecast.html``."""
    from workbench.forecast_chart import forecast_chart as chart

    return chart(daily)
