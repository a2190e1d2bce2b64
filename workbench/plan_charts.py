"""Charts of what ``workbench optimize`` planned, from its ``requirements.csv`` and
``costs.csv`` (README "Outputs of optimize"): staffing against requirement per channel, and
where the money goes by day, site and shift template."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.chart_time import _inline, _require

REQUIREMENT_SERIES = ("analytic requirement", "requirement of the plan", "planned")
"""The lines of ``requirement_chart``, in legend order."""


def requirement_table(requirements: pd.DataFrame) -> pd.DataFrame:
    """Per interval, channel and language group: the analytic requirement, the kept plan's
    requirement (analytic plus ``raise``) and what the plan gave (summed over the group's
    sites). Long form: ``interval_start``, ``channel`` (``"voice / en"``: one panel per group,
    since groups of a channel may share sites), ``series`` (``REQUIREMENT_SERIES``),
    ``agents``.

    ``analytic`` and ``raise`` repeat on every site row of a group (``requirements.csv``), so
    they are counted once per (interval, channel, group); ``planned`` is per site."""
    _require(
        requirements,
        ("interval_start", "channel", "group", "site", "analytic", "raise", "planned"),
        "requirement_table",
    )
    frame = requirements.assign(
        panel=requirements["channel"].astype(str) + " / " + requirements["group"].astype(str)
    )
    keys = ["interval_start", "panel"]
    per_group = frame.drop_duplicates(["interval_start", "panel"])
    demand = per_group.assign(corrected=per_group["analytic"] + per_group["raise"].fillna(0.0))
    wide = demand.set_index(keys)[["analytic", "corrected"]]
    wide["planned"] = frame.groupby(keys, sort=False)["planned"].sum()
    wide = wide.rename(
        columns={
            "analytic": REQUIREMENT_SERIES[0],
            "corrected": REQUIREMENT_SERIES[1],
            "planned": REQUIREMENT_SERIES[2],
        }
    )
    long = wide.reset_index().melt(id_vars=keys, var_name="series", value_name="agents")
    return long.rename(columns={"panel": "channel"})


def requirement_chart(requirements: pd.DataFrame) -> alt.Chart:
    """One panel per channel and language group: analytic requirement, the kept plan's
    requirement (blending or corrections included) and productive agents planned at the
    group's sites, by interval (UTC); see ``requirement_table``."""
    table = requirement_table(requirements)
    channels = list(dict.fromkeys(table["channel"]))
    return (
        alt.Chart(_inline(table))
        .mark_line(interpolate="step-after", strokeWidth=1.2)
        .encode(
            x=alt.X("interval_start:T", title="interval start (UTC)"),
            y=alt.Y("agents:Q", title="productive agents"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=list(REQUIREMENT_SERIES), range=["#9d9d9d", "#f58518", "#1f5fa8"]
                ),
            ),
            tooltip=[
                alt.Tooltip("interval_start:T", title="interval (UTC)", format="%a %d %b %H:%M"),
                alt.Tooltip("series:N"),
                alt.Tooltip("agents:Q", format=".2f"),
            ],
        )
        .properties(width=640, height=110)
        .facet(row=alt.Row("channel:N", sort=channels, title=None))
        .resolve_scale(y="independent")
    )


def spend_table(costs: pd.DataFrame) -> pd.DataFrame:
    """``costs.csv`` as chart rows: labour by ``day`` (the shift's start day, local to its site)
    and ``component`` ("site / template"); bot rows, which have no day, left out."""
    _require(costs, ("site", "shift", "day", "cost"), "spend_table")
    labour = costs[costs["day"].notna() & costs["site"].notna()].copy()
    labour["component"] = labour["site"].astype(str) + " / " + labour["shift"].astype(str)
    return labour.groupby(["day", "component"])["cost"].sum().reset_index()


def spend_chart(costs: pd.DataFrame) -> alt.Chart:
    """Labour cost by day as bars stacked by site and shift template; see ``spend_table``."""
    table = spend_table(costs)
    return (
        alt.Chart(_inline(table))
        .mark_bar()
        .encode(
            x=alt.X("day:O", title="day the shifts start (site's local date)"),
            y=alt.Y("cost:Q", stack="zero", title="labour cost"),
            color=alt.Color("component:N", title="site / template"),
            tooltip=[
                alt.Tooltip("day:O"),
                alt.Tooltip("component:N", title="site / template"),
                alt.Tooltip("cost:Q", format=",.2f"),
            ],
        )
        .properties(width=640, height=260)
    )
