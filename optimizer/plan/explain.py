"""Plain-language reasons: where the MILP could not cover a requirement and why, and why the
plan may cost more than a hand-made roster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from optimizer.plan.verdict import offered_by_cell
from optimizer.requirements import Requirements
from optimizer.shifts.coverable import NO_SITE, Unserved
from optimizer.shifts.problem import ShiftProblem, Shortfall, Solution
from scenarios.timeline import Horizon

if TYPE_CHECKING:
    from optimizer.plan.outcome import Iteration
    from optimizer.plan.verdict import Short, Undecided
    from simulation.results import Results


def sites_at_max(problem: ShiftProblem, solution: Solution) -> dict[str, int]:
    """Sites whose ``max_agents`` the plan reaches in some interval, with the bound."""
    on_duty: dict[tuple[str, int], int] = {}
    for column in problem.columns:
        count = solution.agents.get(column.name, 0)
        for t in set(column.on_duty) if count else ():
            on_duty[column.site, t] = on_duty.get((column.site, t), 0) + count
    return {
        site: bound
        for site, bound in problem.max_agents.items()
        if any(on_duty.get((site, t), 0) >= bound for t in range(problem.n_intervals))
    }


def describe_shortfalls(
    shortfalls: tuple[Shortfall, ...], horizon: Horizon, binding: dict[str, int] | None = None
) -> str:
    """One line per (channel, group): where staffing cannot be provided and why; ``binding``
    names sites whose max_agents is reached at some time (shifts covering a short interval may
    be blocked by the bound at another time of the same shift)."""
    lines = []
    seen: dict[tuple[str, str], list[Shortfall]] = {}
    for item in shortfalls:
        seen.setdefault((item.channel, item.group), []).append(item)
    for (channel, group), items in seen.items():
        first = horizon.interval_starts_utc[items[0].interval].strftime("%Y-%m-%dT%H:%MZ")
        worst = max(items, key=lambda s: s.amount)
        if not worst.sites:
            lines.append(
                f"channel '{channel}', language '{group}': no site has the skill and speaks "
                f"the language ({len(items)} intervals with demand, first {first})"
            )
            continue
        at_max = sorted({s for item in items for s in item.sites_at_max})
        elsewhere = sorted(s for s in (binding or {}) if s in worst.sites and s not in at_max)
        if at_max:
            reason = f"sites at max_agents then: {', '.join(at_max)}"
        elif elsewhere:
            reason = "max_agents reached at other hours of the same shifts: " + ", ".join(
                f"{s} ({(binding or {})[s]})" for s in elsewhere
            )
        else:
            reason = f"sites that could serve it: {', '.join(worst.sites)}"
        lines.append(
            f"channel '{channel}', language '{group}': up to {worst.amount:.1f} agents short in "
            f"{len(items)} intervals, first {first}; {reason}"
        )
    return "\n".join(lines)


def hand_roster_notes(hand: Iteration, plan_cost: float) -> list[str]:
    """Why the plan may cost more than the hand-made roster: the targets it misses."""
    missed = [
        f"{name} {100 * (kpi['service_level']['mean'] or 0):.1f} % "
        f"(target {100 * kpi['target']['share']:.0f} %)"
        for name, kpi in hand.results.summary["channels"].items()
        if not kpi["met"]
    ]
    if not missed and not hand.shorts:
        difference = plan_cost - hand.cost
        verdict = "saves" if difference < 0 else "costs"
        return [
            f"the hand-made roster meets the targets; the plan {verdict} {abs(difference):,.0f}"
        ]
    return [
        f"the hand-made roster misses the targets ({', '.join(missed) or 'in some intervals'}; "
        f"{len(hand.shorts)} of {hand.judged_cells} cells short), so it is no benchmark for "
        f"cost: the plan costs {plan_cost - hand.cost:+,.0f} "
        f"({100 * (plan_cost / hand.cost - 1):+.1f} %) against it"
    ]


def _runs(intervals: list[int]) -> list[tuple[int, int]]:
    """Consecutive interval indexes merged into (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for t in sorted(set(intervals)):
        if runs and t == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], t)
        else:
            runs.append((t, t))
    return runs


def describe_times(intervals: list[int], horizon: Horizon, shown: int = 3) -> str:
    """Intervals as runs on the planning clock and in UTC, the first ``shown`` of them:
    ``2026-06-01 03:00-04:59 local (00:00-01:59 UTC), ... and 4 more runs``."""
    local = horizon.interval_starts_local
    utc = horizon.interval_starts_utc
    step = dt.timedelta(seconds=horizon.interval_s)
    runs = _runs(intervals)
    parts = []
    for first, last in runs[:shown]:
        ends_local = local[last] + step - dt.timedelta(minutes=1)
        ends_utc = utc[last] + step - dt.timedelta(minutes=1)
        # a run past midnight shows the date it ends on
        end_local = ends_local.strftime(
            "%H:%M" if ends_local.date() == local[first].date() else "%Y-%m-%d %H:%M"
        )
        end_utc = ends_utc.strftime(
            "%H:%M" if ends_utc.date() == utc[first].date() else "%Y-%m-%d %H:%M"
        )
        parts.append(
            f"{local[first].strftime('%Y-%m-%d %H:%M')}-{end_local} local "
            f"({utc[first].strftime('%H:%M')}-{end_utc} UTC)"
        )
    more = f" and {len(runs) - shown} more runs" if len(runs) > shown else ""
    return ", ".join(parts) + more


def describe_unserved(
    unserved: tuple[Unserved, ...],
    requirements: Requirements,
    horizon: Horizon,
    levels: dict[str, float] | None = None,
) -> list[str]:
    """One line per channel and language group left unserved: why, how many contacts
    (expected, at the bot level of ``levels`` (channel -> containment), or the most over the
    levels when the channel has none there), when, and what would serve them."""
    table = requirements.table
    lines = []
    grouped: dict[tuple[str, str, str], list[int]] = {}
    for item in unserved:
        grouped.setdefault((item.channel, item.group, item.reason), []).append(item.interval)
    for (channel, group, reason), intervals in grouped.items():
        mine = table[(table["channel"] == channel) & (table["group"] == group)]
        # per bot level: a bot's recontacts may be all that reaches these hours
        rows = mine[mine["interval"].isin(intervals)]
        level = (levels or {}).get(channel)
        if level is not None and bool((rows["option"] - level).abs().lt(1e-9).any()):
            rows = rows[(rows["option"] - level).abs() < 1e-9]
        contacts = float(rows.groupby("option")["arrivals"].sum().max())
        lift = (
            f"a site with skill '{channel}' that speaks '{group}'"
            if reason == NO_SITE
            else f"a shift template covering these hours at a site serving '{group}'"
        )
        shown = f"{contacts:,.1f}" if contacts >= 0.1 else f"{contacts:.2g}"
        lines.append(
            f"channel '{channel}', language '{group}': unserved, {reason}: {shown} "
            f"expected contacts in {len(intervals)} intervals, "
            f"{describe_times(intervals, horizon)}; would need {lift}"
        )
    return lines


def describe_misses(
    shorts: Sequence[Short | Undecided],
    results: Results,
    horizon: Horizon,
    mode: str,
    what: str = "below target",
) -> list[str]:
    """One line per channel with cells short in the verdict (or left ``undecided``, ``what``
    saying which): how many, the share of the channel's volume they hold, the worst service
    level and when (interval targets)."""
    offered = offered_by_cell(results, mode)
    lines = []
    by_channel: dict[str, list[Short | Undecided]] = {}
    for short in shorts:
        by_channel.setdefault(short.channel, []).append(short)
    for channel, items in by_channel.items():
        worst = min(items, key=lambda s: s.service_level)
        line = (
            f"channel '{channel}': {len(items)} {'interval' if mode == 'interval' else 'day'}"
            f"{'s' if len(items) != 1 else ''} "
            f"{what} {100 * worst.target:.0f} % (worst {100 * worst.service_level:.1f} %)"
        )
        mine = [v for (line_name, _), v in offered.items() if line_name == channel]
        if mode == "interval" and mine:
            short_volume = sum(offered.get((channel, s.cell), 0.0) for s in items)
            total = sum(mine)
            share = short_volume / total if total > 0 else 0.0
            line += (
                f", {short_volume:,.1f} contacts ({100 * share:.1f} % of the channel's), "
                f"{describe_times([s.cell for s in items], horizon)}"
            )
        lines.append(line)
    return lines
