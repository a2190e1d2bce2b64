"""The terminal KPI tables of ``simulate`` and ``optimize``, as a planner reads them.

Two tables from one run's ``Results`` and its ``Scenario``:

- **by channel**: contacts arrived and offered (means per replication over the horizon),
  service level with its 95 % interval, the target as written in the file (``80% in 20s``,
  ``95% in 24h``), whether it is met, ASA and abandon rate, and the cost per contact;
- **by site**: paid hours, FTE, occupancy, overtime and labour cost; then the cost line.

Money carries ``scenario.currency`` when the file gives one (``EUR 3.21``), else it is a plain
number; times carry their unit (``s``, ``min``, ``h``).

Cost per contact of a channel [currency per contact] = (its share of the labour cost + its bot
cost) / contacts arrived. Agents are shared between channels, so the labour cost is split in
proportion to each channel's handled work: contacts answered (or responded to) x the mean
handle time of the file (times ``escalated_handle_time_factor`` behind a bot, divided by the
chat ``concurrency``): an allocation by expected agent time, not a measured one.

FTE of a site = its simulated paid hours per week / one full-time week (the largest
``hours_per_week.max`` of the contracts, else 40 h; ``optimizer.tours.tables.full_time_s``).
Paid hours are those of the simulation: absent agent-shifts are unpaid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from optimizer.tours.tables import full_time_s
from scenarios.schema import Scenario
from scenarios.units import format_duration
from simulation.results import Results

CALLBACK = ":callback"
"""Suffix of the accepted-callback line of a voice channel (``voice:callback``)."""


def pct(value: float | None) -> str:
    """A share as ``48.7%`` (``-`` when undefined)."""
    return "-" if value is None or _nan(value) else f"{100 * value:.1f}%"


def share_text(share: float) -> str:
    """A target share as a planner writes it: ``0.8`` -> ``80%``, ``0.875`` -> ``87.5%``."""
    return f"{round(100 * share, 4):g}%"


def num(value: float | None, digits: int = 1) -> str:
    """A number with thousands separators (``-`` when undefined)."""
    return "-" if value is None or _nan(value) else f"{value:,.{digits}f}"


def money(value: float | None, currency: str | None, digits: int = 0) -> str:
    """``EUR 1,234`` with a currency, ``1,234`` without (``-`` when undefined)."""
    shown = num(value, digits)
    return shown if currency is None or shown == "-" else f"{currency} {shown}"


def wait(seconds: float | None) -> str:
    """A wait with its unit: ``12.3 s`` below a minute, ``4.2 min`` below an hour, else
    ``3.1 h`` (``-`` when undefined)."""
    if seconds is None or _nan(seconds):
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def targets_as_written(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """``target.within`` of each channel as the file writes it (``"24h"``), by line name; a
    voice channel's ``callback.within`` under ``<channel>:callback``. Empty without ``raw``
    (the parsed TOML document, ``scenarios.loader.read_raw``)."""
    written: dict[str, str] = {}
    for channel in (raw or {}).get("channels", []) or []:
        if not isinstance(channel, Mapping) or not isinstance(channel.get("name"), str):
            continue
        for key, line in (("target", channel["name"]), ("callback", channel["name"] + CALLBACK)):
            table = channel.get(key)
            if isinstance(table, Mapping) and isinstance(table.get("within"), str):
                written[line] = table["within"]
    return written


def target_labels(scenario: Scenario, raw: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Each channel line's target as a planner reads it, ``80% in 20s``: the share, and the
    time as written in ``raw`` (``targets_as_written``) or rebuilt in the file's notation; a
    voice channel's accepted callbacks (``<channel>:callback``) have the channel's share
    within ``callback.within``."""
    written = targets_as_written(raw)
    labels = {}
    for channel in scenario.channels:
        share = share_text(channel.target.share)
        within = written.get(channel.name) or format_duration(channel.target.within)
        labels[channel.name] = f"{share} in {within}"
        if channel.callback is not None:
            line = channel.name + CALLBACK
            within = written.get(line) or format_duration(channel.callback.within)
            labels[line] = f"{share} in {within}"
    return labels


def cost_per_contact(results: Results, scenario: Scenario) -> dict[str, float]:
    """Cost per arrived contact of each channel [currency per contact]: the labour cost split
    by expected handled work (module docstring) plus the channel's bot cost, over its
    contacts arrived. NaN for a channel where nothing arrived."""
    reps = results.replications
    channels = {c.name: c for c in scenario.channels}
    work: dict[str, float] = dict.fromkeys(channels, 0.0)
    bot: dict[str, float] = dict.fromkeys(channels, 0.0)
    arrived: dict[str, float] = dict.fromkeys(channels, 0.0)
    count = max(int(reps["replication"].nunique()), 1)
    for line, rows in reps.groupby("channel", sort=False):
        name = str(line).split(":")[0]
        spec = channels.get(name)
        if spec is None:
            continue
        factor = spec.bot.escalated_handle_time_factor if spec.bot is not None else 1.0
        concurrency = spec.concurrency if spec.kind == "chat" else 1
        answered = float(rows["answered"].sum()) / count
        work[name] += answered * spec.handle_time.mean * factor / concurrency
        if not str(line).endswith(CALLBACK):
            bot[name] += float(rows["bot_cost"].sum()) / count
            arrived[name] += float(rows["arrived"].sum()) / count
    labor = float(results.sites.groupby("replication")["labor_cost"].sum().mean())
    total_work = sum(work.values())
    costs = {}
    for name in channels:
        share = work[name] / total_work if total_work > 0 else 0.0
        costs[name] = (labor * share + bot[name]) / arrived[name] if arrived[name] > 0 else math.nan
    return costs


def channel_table(
    results: Results, scenario: Scenario, written: Mapping[str, str] | None = None
) -> Table:
    """Per channel line: contacts arrived and offered, service level and its 95 % interval,
    the target as written (``written``: ``targets_as_written``; else the file's notation
    rebuilt from seconds), met, ASA, abandon rate and cost per contact; with repeats or
    redials in the scenario, first-contact resolution (FCR) and the repeat and redial
    contacts too (means per replication)."""
    summary = results.summary
    feedback = any(
        kpi.get("fcr") is not None or kpi.get("repeats") or kpi.get("redials")
        for kpi in summary["channels"].values()
    )
    currency = scenario.scenario.currency
    per_contact = cost_per_contact(results, scenario)
    table = Table(
        title=f"{summary['scenario']} by channel: {scenario.scenario.days} days, means of "
        f"{summary['replications']} replications (seed {summary['seed']})",
        caption="arrived: contacts customers sent (bot sessions and recontacts included); "
        "offered: those reaching an agent queue; SL: service level; cost/contact: labour "
        "split by handled work, plus bot, over arrived",
    )
    for column in (
        "channel",
        "arrived",
        "offered",
        "SL",
        "SL 95% CI",
        "target",
        "met",
        "ASA",
        "abandon",
        "cost/contact",
        *(("FCR", "repeats", "redials") if feedback else ()),
    ):
        table.add_column(column, justify="left" if column == "channel" else "right", no_wrap=True)
    for name, kpi in summary["channels"].items():
        sl = kpi["service_level"]
        low, high = sl["ci95"]
        target = kpi["target"]
        within = (written or {}).get(name) or format_duration(target["within_s"])
        callback = name.endswith(CALLBACK)
        table.add_row(
            Text(name),
            "" if callback else num(kpi["arrived"], 0),
            num(kpi["offered"], 0),
            pct(sl["mean"]),
            f"{pct(low)}-{pct(high)}",
            f"{share_text(target['share'])} in {within}",
            "yes" if kpi["met"] else "NO",
            wait(kpi["asa_s"]),
            pct(kpi["abandon_rate"]),
            "" if callback else money(per_contact.get(name), currency, 2),
            *(
                (pct(kpi.get("fcr")), num(kpi.get("repeats"), 0), num(kpi.get("redials"), 0))
                if feedback
                else ()
            ),
        )
    return table


def site_table(results: Results, scenario: Scenario) -> Table:
    """Per site: paid hours, FTE, occupancy, overtime and labour cost over the horizon (means
    of the replications), then the cost of the whole run: labour, bot and total."""
    summary = results.summary
    currency = scenario.scenario.currency
    weeks = scenario.scenario.days / 7.0
    full_h = full_time_s(scenario) / 3600.0
    table = Table(
        title=f"by site: {scenario.scenario.days} days",
        caption=f"FTE: paid hours a week / {full_h:g} h; occupancy: busy / available time of "
        "the site's agents; absent shifts are unpaid",
    )
    for column in ("site", "paid hours", "FTE", "occupancy", "overtime", "labour cost"):
        table.add_column(column, justify="left" if column == "site" else "right", no_wrap=True)
    for name, site in summary["sites"].items():
        table.add_row(
            Text(name),
            f"{num(site['paid_hours'], 0)} h",
            num(site["paid_hours"] / weeks / full_h, 1),
            pct(site["occupancy"]),
            f"{num(site.get('overtime_hours'), 1)} h",
            money(site["cost"], currency),
        )
    cost = summary["cost"]
    table.add_section()
    paid = sum(s["paid_hours"] for s in summary["sites"].values())
    table.add_row(
        "all sites",
        f"{num(paid, 0)} h",
        num(paid / weeks / full_h, 1),
        "",
        "",
        money(cost["labor"], currency),
    )
    table.add_row("bot sessions", "", "", "", "", money(cost["bot"], currency))
    table.add_row("total cost", "", "", "", "", money(cost["total"], currency))
    return table


def contacts_line(results: Results, scenario: Scenario, seconds: float) -> str:
    """What the run simulated, in the table's terms: contacts arrived per replication over the
    horizon (the sum of the table's ``arrived``), and all contacts simulated in every
    replication with the warm-up and cool-down, in ``seconds`` of wall time."""
    summary = results.summary
    arrived = sum(
        kpi["arrived"] or 0.0
        for name, kpi in summary["channels"].items()
        if not name.endswith(CALLBACK)
    )
    return (
        f"{arrived:,.0f} contacts arrived in the {scenario.scenario.days} days (mean of "
        f"{summary['replications']} replications, the table's 'arrived' total); "
        f"{results.contacts:,} simulated in all replications with warm-up and cool-down, "
        f"in {seconds:.1f} s"
    )
