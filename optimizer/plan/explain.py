"""Plain-language reasons: where the MILP could not cover a requirement and why, and why the
plan may cost more than a hand-made roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizer.shifts.problem import ShiftProblem, Shortfall, Solution
from scenarios.timeline import Horizon

if TYPE_CHECKING:
    from optimizer.plan.loop import Iteration


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
