"""Altair charts that compare options: cost by component per option, cost against an
option's parameter (bot containment, service-level target) and the rosters of a plan.

Drawn from the tables of :mod:`workbench.chart_tables` (:func:`cost_table`,
:func:`tradeoff_table`, :func:`plan_table`); :mod:`workbench.charts` re-exports these charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from workbench.chart_tables import Run, _comparison_costs, cost_table, plan_table
from workbench.chart_time import _inline, _require


def cost_chart(costs: pd.DataFrame | Mapping[str, Any] | Sequence[Run]) -> alt.Chart:
    """Cost by component as stacked bars, one bar per option.

    ``costs`` is one of:

    * a :func:`cost_table` (``option``, ``component``, ``cost`` [currency]): labour of each
      site and the bot, for each option;
    * a ``workbench compare`` table (``option``, ``kpi``, ``mean``): its ``labor_cost`` and
      ``bot_cost`` rows (labour is not split by site there);
    * ``(label, summary)`` pairs, passed to :func:`cost_table`;
    * one ``summary.json`` dictionary: one bar, labelled with the scenario name.

    Bars keep the options' order; costs are means over replications over the whole horizon.
    """
    if isinstance(costs, pd.DataFrame):
        table = costs if "component" in costs.columns else _comparison_costs(costs)
    elif isinstance(costs, Mapping):
        table = cost_table([(str(costs.get("scenario", "run")), costs)])
    else:
        table = cost_table(costs)
    _require(table, ("option", "component", "cost"), "cost_chart")
    table = table[["option", "component", "cost"]]
    options = list(dict.fromkeys(table["option"]))
    components = list(dict.fromkeys(table["component"]))
    return (
        alt.Chart(_inline(table))
        .mark_bar()
        .encode(
            x=alt.X("option:N", sort=options, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cost:Q", stack="zero", title="cost over the horizon"),
            color=alt.Color("component:N", sort=components, title="component"),
            order=alt.Order("component:N"),
            tooltip=[
                alt.Tooltip("option:N"),
                alt.Tooltip("component:N"),
                alt.Tooltip("cost:Q", format=",.0f"),
            ],
        )
        .properties(width=max(120, 90 * len(options)), height=260, title="cost by component")
    )


_AXIS_TITLES = {
    "containment": "bot containment",
    "target_share": "service-level target",
    "total_cost": "total cost",
    "labor_cost": "labour cost",
    "bot_cost": "bot cost",
}


def tradeoff_chart(
    table: pd.DataFrame,
    x: str = "containment",
    y: str | Sequence[str] = "total_cost",
) -> alt.LayerChart:
    """Cost against an option's parameter: a line through the options, one point each.

    ``table``: one row per option (:func:`tradeoff_table`, or a sweep's tidy table) with the
    column ``x`` (``"containment"`` or ``"target_share"``, shares in 0..1; any numeric column
    works) and the cost column(s) ``y`` [currency]. Several ``y`` columns (e.g.
    ``["labor_cost", "bot_cost", "total_cost"]``) become one coloured line each, which shows
    labour falling and bot cost rising with containment. Rows are drawn in ``x`` order; the
    tooltip shows the option's ``label`` and, if present, ``service_level`` and ``all_met``.
    """
    measures = [y] if isinstance(y, str) else list(y)
    _require(table, [x, *measures], "tradeoff_chart")
    extra = [c for c in ("label", "service_level", "all_met") if c in table.columns]
    long = table[[x, *measures, *extra]].melt(
        id_vars=[x, *extra], value_vars=measures, var_name="measure", value_name="cost"
    )
    long["measure"] = long["measure"].map(lambda m: _AXIS_TITLES.get(m, m))
    long = long.sort_values(x, kind="stable")
    share = x in ("containment", "target_share")
    x_enc = alt.X(
        f"{x}:Q",
        title=_AXIS_TITLES.get(x, x),
        axis=alt.Axis(format="%") if share else alt.Axis(),
        scale=alt.Scale(zero=False),
    )
    tooltip = [alt.Tooltip("label:N")] if "label" in extra else []
    tooltip += [
        alt.Tooltip(f"{x}:Q", title=_AXIS_TITLES.get(x, x), format=".0%" if share else ",.2f"),
        alt.Tooltip("measure:N"),
        alt.Tooltip("cost:Q", format=",.0f"),
    ]
    if "service_level" in extra:
        tooltip.append(alt.Tooltip("service_level:Q", format=".1%"))
    if "all_met" in extra:
        tooltip.append(alt.Tooltip("all_met:N", title="every target met"))
    names = list(dict.fromkeys(long["measure"]))
    color = alt.Color("measure:N", sort=names, title=None)
    base = alt.Chart(_inline(long)).encode(
        x=x_enc,
        y=alt.Y("cost:Q", title="cost over the horizon", scale=alt.Scale(zero=False)),
        color=color,
    )
    title = f"cost against {_AXIS_TITLES.get(x, x)}"
    return alt.LayerChart(
        layer=[base.mark_line(), base.mark_point(filled=True, size=60).encode(tooltip=tooltip)]
    ).properties(width=420, height=260, title=title)


def plan_chart(plan: Mapping[str, Any]) -> alt.LayerChart:
    """Cost of the rosters ``workbench optimize`` compared (a ``plan.json`` dictionary), each
    bar labelled with the cells that miss their target; see :func:`plan_table`."""
    table = plan_table(plan)
    table["label"] = [
        f"{n} cells short" + ("" if math.isnan(s) else f" ({s:.0%})")
        for n, s in zip(table["cells_short"], table["missed_share"], strict=True)
    ]
    order = list(table["plan"])
    base = alt.Chart(_inline(table)).encode(
        y=alt.Y("plan:N", sort=order, title=None),
        x=alt.X("cost:Q", title="expected cost over the horizon"),
        tooltip=[
            alt.Tooltip("plan:N"),
            alt.Tooltip("cost:Q", format=",.0f"),
            alt.Tooltip("cells_short:Q", title="cells short"),
            alt.Tooltip("missed_share:Q", title="share of cells missed", format=".1%"),
        ],
    )
    bars = base.mark_bar(color="#4c78a8")
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return alt.LayerChart(layer=[bars, text]).properties(
        width=460, height=30 * max(1, len(order)), title="rosters compared"
    )
