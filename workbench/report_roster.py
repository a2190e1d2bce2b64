"""The roster of a run as a table for ``workbench report`` (issue 14 point 6), in place of the
scenario file's TOML.

Whatever form the roster was written in (weekday rows, dated rows, a roster CSV, or a people
plan's schedule, which the loader turns into dated rows), the table shows the same thing: the
shifts the engine runs (``scenarios.timeline.shift_instances``), one row per site, shift
template and start time, one column per site-local date, each cell the agents starting that
shift that date. Rows are grouped by site with a total per date; the last columns sum the
agent-shifts and paid hours over the horizon.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import cast

import pandas as pd

from scenarios.schema import Scenario
from scenarios.timeline import Horizon, shift_instances

ROSTER_COLUMNS = ("site", "shift", "start", "end", "date", "agents", "paid_hours")
"""Columns of :func:`roster_table`."""

MAX_ROSTER_ROWS = 400
"""Most rows (site, shift, start) shown; beyond, the busiest are shown and the rest counted."""


def _clock(minutes: int) -> str:
    """``HH:MM``, with ``+1`` when past midnight."""
    days, rest = divmod(minutes, 24 * 60)
    return f"{rest // 60:02d}:{rest % 60:02d}" + (f" +{days}" if days else "")


def roster_table(scenario: Scenario) -> pd.DataFrame:
    """The scenario's roster as shifts per date: ``site``, ``shift``, ``start`` and ``end``
    (site-local ``HH:MM``; ``end`` with ``+1`` past midnight), ``date`` (site-local start date,
    ISO), ``agents`` (starting that shift that date) and ``paid_hours`` (agents x paid time
    [h]). Sites in the scenario's order, then shift, start and date."""
    horizon = Horizon.of(scenario)
    rows = []
    for instance in shift_instances(scenario, horizon):
        roster_row = scenario.roster[instance.row]
        shift = scenario.shift(roster_row.shift)
        rows.append(
            {
                "site": roster_row.site,
                "shift": roster_row.shift,
                "start": _clock(roster_row.start),
                "end": _clock(roster_row.start + round(shift.length / 60)),
                "date": instance.day.isoformat(),
                "agents": instance.agents,
                "paid_hours": instance.agents * instance.paid_s / 3600,
                "order": (instance.site, roster_row.start),
            }
        )
    if not rows:
        return pd.DataFrame(columns=list(ROSTER_COLUMNS))
    table = pd.DataFrame(rows)
    table = table.groupby(
        ["site", "shift", "start", "end", "date"], as_index=False, sort=False
    ).agg(agents=("agents", "sum"), paid_hours=("paid_hours", "sum"), order=("order", "first"))
    table = table.sort_values(["order", "shift", "date"], kind="stable", ignore_index=True)
    return table[list(ROSTER_COLUMNS)]


def _date_heads(dates: list[str]) -> tuple[str, str]:
    """The two header rows over the dates: the months (spanning their dates), then weekday
    and day of the month (``Mon`` / ``23``)."""
    days = [dt.date.fromisoformat(d) for d in dates]
    months: list[tuple[str, int]] = []
    for day in days:
        name = f"{day:%B %Y}"
        if months and months[-1][0] == name:
            months[-1] = (name, months[-1][1] + 1)
        else:
            months.append((name, 1))
    top = "".join(f'<th colspan="{n}" class="month">{name}</th>' for name, n in months)
    below = "".join(_day_head(day) for day in days)
    return top, below


def _day_head(day: dt.date) -> str:
    weekend = ' class="weekend"' if day.weekday() >= 5 else ""
    return f"<th{weekend}>{day:%a}<br>{day.day}</th>"


def _cell(value: float, weekend: bool, blank: bool = True) -> str:
    text = "" if value == 0 and blank else f"{value:,.0f}"
    return f'<td class="weekend">{text}</td>' if weekend else f"<td>{text}</td>"


def roster_section(scenario: Scenario) -> str:
    """The report's roster table of ``scenario``: every planning-clock date of the horizon is a
    column (a date nobody works stays an empty column), plus the site-local dates just
    outside it that shifts start on."""
    dates = [d.isoformat() for d in Horizon.of(scenario).dates]
    return roster_html(roster_table(scenario), bool(scenario.schedule_rows), dates)


def roster_html(table: pd.DataFrame, people: bool = False, dates: Sequence[str] = ()) -> str:
    """``roster_table`` as an HTML table: a header row per site, one row per shift and start
    with the agents starting it on each date (blank: none), the site's total per date, and per
    row the agent-shifts and paid hours over the horizon. ``people``: the roster is a people
    plan's schedule (the caption says people, not agents); ``dates``: ISO dates shown even
    when nobody starts a shift on them."""
    e = html.escape
    if table.empty:
        return "<p>The roster is empty: no agent works in this run.</p>"
    dates = sorted(set(table["date"]) | set(dates))
    weekend = [dt.date.fromisoformat(d).weekday() >= 5 for d in dates]
    keys = ["site", "shift", "start", "end"]
    wide = table.pivot_table(
        index=keys, columns="date", values="agents", aggfunc="sum", fill_value=0, sort=False
    ).reindex(columns=dates, fill_value=0)
    paid = table.groupby(keys, sort=False)["paid_hours"].sum()
    hours_of = {key: float(value) for key, value in paid.items()}
    months, days = _date_heads(dates)
    head = (
        '<thead><tr><th rowspan="2" class="label">shift, start-end</th>'
        f'{months}<th rowspan="2">agent-<br>shifts</th><th rowspan="2">paid<br>hours</th></tr>'
        f"<tr>{days}</tr></thead>"
    )
    body: list[str] = []
    shown = 0
    left_out = 0
    span = len(dates) + 3
    for site, rows in wide.groupby(level="site", sort=False):
        body.append(f'<tr class="site"><th colspan="{span}">{e(str(site))}</th></tr>')
        for key, counts in rows.iterrows():
            if shown >= MAX_ROSTER_ROWS:
                left_out += 1
                continue
            shown += 1
            _, shift, start, end = cast(tuple[str, str, str, str], key)
            cells = "".join(_cell(v, w) for v, w in zip(counts, weekend, strict=True))
            hours = hours_of[key]
            body.append(
                f'<tr><td class="label">{e(str(shift))} <span class="time">{e(str(start))}-'
                f"{e(str(end))}</span></td>{cells}<td>{counts.sum():,.0f}</td>"
                f"<td>{hours:,.0f}</td></tr>"
            )
        totals = rows.sum(axis=0)
        cells = "".join(_cell(v, w, blank=False) for v, w in zip(totals, weekend, strict=True))
        site_hours = paid[paid.index.get_level_values("site") == site].sum()
        body.append(
            f'<tr class="total"><td class="label">{e(str(site))}: all shifts</td>{cells}'
            f"<td>{totals.sum():,.0f}</td><td>{site_hours:,.0f}</td></tr>"
        )
    note = (
        f'<p class="notes">{left_out:,} more rows of shift and start are not shown.</p>'
        if left_out
        else ""
    )
    who = "people" if people else "agents"
    return (
        f"<p>{who.capitalize()} starting each shift on each site-local date (blank: none); "
        "start and end on the site's wall clock (+1: the next day); weekends shaded. Per site "
        "its total per date, and per row the agent-shifts and paid hours over the horizon "
        "(absences not deducted).</p>"
        f'<div class="roster-wrap"><table class="roster">{head}<tbody>{"".join(body)}'
        f"</tbody></table></div>{note}"
    )


ROSTER_STYLE = """
.roster-wrap { overflow-x: auto; max-width: 100%; }
table.roster { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 12px; }
table.roster th, table.roster td { padding: .15rem .3rem; border-bottom: 1px solid #eee;
                                   text-align: right; white-space: nowrap; min-width: 1.4rem; }
table.roster th { font-weight: 600; vertical-align: bottom; }
table.roster .label { text-align: left; position: sticky; left: 0; background: #fff; }
table.roster .time { color: #666; } table.roster th.month { text-align: left; color: #555; }
table.roster tr.site th { text-align: left; background: #f0f3f6; font-size: 13px; }
table.roster tr.total td { font-weight: 600; border-bottom: 1px solid #999; }
table.roster .weekend { background: #f7f3ea; }
"""
"""Styles of the roster table."""
