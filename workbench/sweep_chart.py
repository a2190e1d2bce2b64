"""The chart and the run folder of a sweep (``workbench.sweep``): ``sweep_chart`` draws the
KPI surface, ``write_sweep`` writes ``sweep.csv``, ``sweep.html``, ``sweep.png`` and
``manifest.json``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.loader import Sources
from scenarios.problems import show_value
from simulation.output import Output
from simulation.runfolder import copy_inputs
from workbench.sweep import SweepRun


def _plain(value: Any) -> Any:
    """A value Vega-Lite and JSON can carry (dates and lists as text)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return show_value(value)


def sweep_chart(table: pd.DataFrame, keys: Sequence[str]) -> Any:
    """The KPI surface as an Altair chart.

    One key: service level by channel along the key (line with its 95 % interval as a band),
    each channel's target share as a dashed rule in its colour, and total cost beside it. Two
    keys: a service-level heatmap per channel (first key across, second down), the cells whose
    mean service level is below the channel's target outlined, above a heatmap of total cost.
    More keys: the same heatmaps, one row per combination of the remaining keys. The target
    needs the table's ``target_share`` column (``met`` for the outline, else computed).
    """
    import altair as alt

    keys = list(keys)
    data = table.copy()
    fields = {key: f"key{i}" for i, key in enumerate(keys)}
    order = {key: list(dict.fromkeys(_plain(v) for v in table[key])) for key in keys}
    data = data.rename(columns=fields)
    for key in keys:
        data[fields[key]] = [_plain(v) for v in data[fields[key]]]
    percent = alt.Axis(format="%")
    tooltip = [
        *(alt.Tooltip(f"{fields[k]}:N", title=k) for k in keys),
        alt.Tooltip("channel:N"),
        alt.Tooltip("service_level:Q", format=".1%", title="service level"),
        alt.Tooltip("service_level_ci_low:Q", format=".1%", title="CI low"),
        alt.Tooltip("service_level_ci_high:Q", format=".1%", title="CI high"),
        alt.Tooltip("asa_s:Q", format=".1f", title="ASA [s]"),
        alt.Tooltip("cost_total:Q", format=",.0f", title="total cost"),
    ]
    costs = data.drop_duplicates("point")
    targets = None
    if "target_share" in data.columns:
        targets = data.drop_duplicates("channel")[["channel", "target_share"]]
        if "met" not in data.columns:
            data["met"] = data["service_level"] >= data["target_share"]
    if len(keys) == 1:
        first = fields[keys[0]]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in data[first])
        x = (
            alt.X(f"{first}:Q", title=keys[0], scale=alt.Scale(zero=False))
            if numeric
            else alt.X(f"{first}:O", title=keys[0], sort=order[keys[0]])
        )
        base = alt.Chart(data)
        band = base.mark_area(opacity=0.2).encode(
            x=x,
            y=alt.Y("service_level_ci_low:Q", axis=percent, title="service level"),
            y2="service_level_ci_high:Q",
            color=alt.Color("channel:N"),
        )
        line = base.mark_line(point=True).encode(
            x=x,
            y=alt.Y("service_level:Q", axis=percent, title="service level"),
            color=alt.Color("channel:N"),
            tooltip=tooltip,
        )
        cost = (
            alt.Chart(costs)
            .mark_line(point=True, color="black")
            .encode(x=x, y=alt.Y("cost_total:Q", title="total cost"), tooltip=tooltip[:1])
        )
        layers = band + line
        title = "service level (95 % CI)"
        if targets is not None:
            rule = (
                alt.Chart(targets)
                .mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
                .encode(
                    y=alt.Y("target_share:Q", axis=percent, title="service level"),
                    color=alt.Color("channel:N"),
                    tooltip=[
                        alt.Tooltip("channel:N"),
                        alt.Tooltip("target_share:Q", format=".0%", title="target"),
                    ],
                )
            )
            layers = band + line + rule
            title = "service level (95 % CI); dashed: each channel's target"
        return alt.hconcat(
            layers.properties(width=360, height=260, title=title),
            cost.properties(width=260, height=260, title="total cost"),
        )
    first, second = fields[keys[0]], fields[keys[1]]
    rest = keys[2:]
    if rest:
        for frame in (data, costs):
            frame["others"] = [
                ", ".join(f"{k}={row[fields[k]]}" for k in rest) for _, row in frame.iterrows()
            ]
    x = alt.X(f"{first}:O", title=keys[0], sort=order[keys[0]])
    y = alt.Y(f"{second}:O", title=keys[1], sort=order[keys[1]])
    cell = alt.Chart(data).encode(x=x, y=y)
    heat = cell.mark_rect().encode(
        color=alt.Color(
            "service_level:Q",
            title="service level",
            scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=tooltip,
    )
    text = cell.mark_text(fontSize=10).encode(text=alt.Text("service_level:Q", format=".0%"))
    layers = heat + text
    title = "service level by channel"
    if targets is not None:
        below = cell.transform_filter(alt.datum.met == False).mark_rect(  # noqa: E712
            fill=None, stroke="black", strokeWidth=2
        )
        layers = heat + below + text
        title = "service level by channel (outlined: below the channel's target)"
    facet: dict[str, Any] = {"column": alt.Column("channel:N", title=title)}
    if rest:
        facet["row"] = alt.Row("others:N", title=", ".join(rest))
    sl = layers.properties(width=160, height=160).facet(**facet)
    cost_cell = alt.Chart(costs).encode(x=x, y=y)
    cost = (
        cost_cell.mark_rect().encode(
            color=alt.Color("cost_total:Q", title="total cost", scale=alt.Scale(scheme="blues")),
            tooltip=tooltip,
        )
        + cost_cell.mark_text(fontSize=10).encode(text=alt.Text("cost_total:Q", format=",.0f"))
    ).properties(width=160, height=160, title="total cost")
    if rest:
        cost = cost.facet(row=alt.Row("others:N", title=", ".join(rest)))
    return alt.vconcat(sl, cost).resolve_scale(color="independent")


def write_sweep(
    run: SweepRun,
    output: Output,
    manifest: dict[str, Any],
    sources: Sources | None = None,
    png: bool = True,
) -> Path:
    """Fill the claimed sweep folder ``output`` and put it in place.

    ``sweep.csv`` (``run.table``), ``sweep.html`` (the chart, Vega inlined: works offline),
    ``sweep.png`` (the same through vl-convert, unless ``png`` is False), ``manifest.json``,
    and, when ``sources`` is given, ``scenario.toml`` with the CSV files it references, from
    the bytes the loader read.
    """
    tmp = output.tmp
    run.table.to_csv(tmp / "sweep.csv", index=False)
    chart = sweep_chart(run.table, list(run.plan.vary))
    chart.save(str(tmp / "sweep.html"), inline=True)
    if png:
        chart.save(str(tmp / "sweep.png"))
    if sources is not None:
        copy_inputs(tmp, sources.scenario, sources.inputs)
    return output.commit(manifest)
