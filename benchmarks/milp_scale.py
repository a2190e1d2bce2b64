"""The shift-covering MILP (``optimizer.shifts.milp``) at the size of a real week: build and
solve time.

A synthetic 7-day, 15-minute (672 intervals) instance with 3 sites in 3 time zones. Each site
offers 2 shift templates (8h30 with two 15-minute breaks and a 30-minute lunch, 6h with one
15-minute break) starting every 30 minutes (48 local starts) on each of the 7 days: 672 columns
per site, 2,016 in all. Coverage is 1 productive agent per scheduled agent except in breaks.
Needs: voice and chat, each in English and Spanish, with sinusoidal daily requirements from 5 to
60 agents (Spanish demand peaks later, weekends at 70 %), chat behind a bot with 3 containment
levels, and English email (async, 4 h window). Sites overlap in skills and languages, so the
allocation between sites matters. Solved with HiGHS, mip_gap 0.01, time limit 120 s.

Run on its own with ``.venv/bin/python -m benchmarks.milp_scale``; ``python -m benchmarks``
runs it last.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from optimizer.shifts import milp, model
from optimizer.shifts.problem import AsyncNeed, BotChoice, Column, RealTimeNeed, ShiftProblem

DAYS = 7
PER_DAY = 96  # 15-minute intervals
N = DAYS * PER_DAY
INTERVAL_S = 900.0
TIME_LIMIT_S = 120.0
MIP_GAP = 0.01
GOAL = "gap <= 1 % within 120 s"

# site: (UTC offset [h], hourly cost, needs served, max agents on duty)
SITES: dict[str, tuple[int, float, tuple[tuple[str, str], ...], int]] = {
    "lisbon": (0, 24.0, (("voice", "en"), ("chat", "en")), 160),
    "krakow": (1, 18.0, (("voice", "en"), ("voice", "es"), ("email", "en")), 140),
    "bogota": (-5, 14.0, (("voice", "es"), ("chat", "es"), ("chat", "en")), 180),
}
# template: (length [intervals], paid hours, break offsets [intervals from start] with length)
TEMPLATES: dict[str, tuple[int, float, tuple[tuple[int, int], ...]]] = {
    "full": (34, 8.0, ((8, 1), (16, 2), (26, 1))),  # 8h30: 15' at 2h, 30' at 4h, 15' at 6h30
    "part": (24, 6.0, ((12, 1),)),  # 6h: 15' at 3h
}
NIGHT_PREMIUM = 0.25  # local 22:00-06:00
WEEKEND_PREMIUM = 0.20  # local Saturday and Sunday (days 5 and 6: day 0 is a Monday)
BOT_OPTIONS = (0.0, 0.2, 0.4)
BOT_COST = (0.0, 9_000.0, 22_000.0)  # per week
ESCALATED_SHARE = 0.8  # agent work left per contained share (escalations take longer)
EMAIL_WINDOW = 16  # intervals (4 h)


def _daily(t: int, peak_hour_utc: float, low: float, high: float) -> float:
    """Sinusoidal daily requirement [agents] from ``low`` (12 h off peak) to ``high``."""
    hour = (t % PER_DAY) / 4.0
    shape = 0.5 + 0.5 * math.cos(2 * math.pi * (hour - peak_hour_utc) / 24.0)
    weekend = 0.7 if t // PER_DAY >= 5 else 1.0
    return low + (high - low) * shape**1.5 * weekend


def build_problem() -> ShiftProblem:
    """The synthetic week (see the module docstring)."""
    columns: list[Column] = []
    for site, (offset_h, hourly, _, _) in SITES.items():
        for day in range(DAYS):
            for half_hour in range(48):
                local_start = day * PER_DAY + half_hour * 2
                start = (local_start - offset_h * 4) % N  # UTC interval
                for template, (length, paid_h, breaks) in TEMPLATES.items():
                    off = {b + k for b, span in breaks for k in range(span)}
                    on_duty = tuple((start + k) % N for k in range(length))
                    coverage = tuple(((start + k) % N, 1.0) for k in range(length) if k not in off)
                    # premiums by local interval, spread over the paid hours
                    share = 0.0
                    for k in range(length):
                        local = (local_start + k) % N
                        hour = (local % PER_DAY) / 4.0
                        night = hour >= 22.0 or hour < 6.0
                        weekend = local // PER_DAY >= 5
                        share += NIGHT_PREMIUM * night + WEEKEND_PREMIUM * weekend
                    cost = hourly * paid_h * (1.0 + share / length)
                    hhmm = f"{half_hour // 2:02d}{half_hour % 2 * 30:02d}"
                    columns.append(
                        Column(
                            name=f"{site}-{template}-d{day}-{hhmm}",
                            site=site,
                            shift=template,
                            start_min=half_hour * 30,
                            day=None,
                            cost=round(cost, 2),
                            coverage=coverage,
                            on_duty=on_duty,
                        )
                    )

    def sites_for(channel: str, group: str) -> tuple[str, ...]:
        return tuple(s for s, (_, _, serves, _) in SITES.items() if (channel, group) in serves)

    def vector(peak: float, low: float, high: float, factor: float = 1.0) -> tuple[float, ...]:
        return tuple(float(math.ceil(_daily(t, peak, low, high) * factor)) for t in range(N))

    needs: list[RealTimeNeed | AsyncNeed] = [
        RealTimeNeed("voice", "en", sites_for("voice", "en"), {0.0: vector(13.0, 5, 60)}),
        RealTimeNeed("voice", "es", sites_for("voice", "es"), {0.0: vector(18.0, 5, 45)}),
    ]
    for group, peak, high in (("en", 14.0, 50.0), ("es", 19.0, 35.0)):
        needs.append(
            RealTimeNeed(
                "chat",
                group,
                sites_for("chat", group),
                {c: vector(peak, 5, high, 1.0 - ESCALATED_SHARE * c) for c in BOT_OPTIONS},
            )
        )
    email = tuple(round(_daily(t, 11.0, 1.0, 12.0), 3) for t in range(N))
    needs.append(AsyncNeed("email", "en", sites_for("email", "en"), EMAIL_WINDOW, {0.0: email}))
    return ShiftProblem(
        n_intervals=N,
        interval_s=INTERVAL_S,
        columns=tuple(columns),
        needs=tuple(needs),
        bots=(BotChoice("chat", BOT_OPTIONS, BOT_COST),),
        max_agents={s: m for s, (_, _, _, m) in SITES.items()},
    )


def measure(time_limit_s: float = TIME_LIMIT_S, mip_gap: float = MIP_GAP) -> dict[str, Any]:
    """Build and solve the synthetic week with HiGHS; every figure as a dictionary."""
    began = time.perf_counter()
    problem = build_problem()
    data_s = time.perf_counter() - began
    built = model.build_model(problem)
    n_int = sum(1 for v in built.prob.variables() if v.cat == "Integer")
    sol = milp.solve_model(built, "highs", time_limit_s=time_limit_s, mip_gap=mip_gap)
    return {
        "intervals": problem.n_intervals,
        "sites": len(SITES),
        "columns": len(problem.columns),
        "variables": len(built.prob.variables()),
        "integer_variables": n_int,
        "constraints": len(built.prob.constraints()),
        "nonzeros": sum(len(c) for c in built.prob.constraints()),
        "data_s": data_s,
        "build_s": built.build_s,
        "solve_s": sol.solve_s,
        "time_limit_s": time_limit_s,
        "mip_gap_target": mip_gap,
        "status": sol.status,
        "objective": sol.objective,
        "labour_cost": sol.labour_cost,
        "bot_cost": sol.bot_cost,
        "lower_bound": sol.lower_bound,
        "mip_gap": sol.mip_gap,
        "agent_shifts": sum(sol.agents.values()),
        "columns_used": len(sol.agents),
        "bot_levels": sol.bot_levels,
        "shortfalls": len(sol.shortfalls),
        "message": sol.message,
        "goal": GOAL,
        "goal_met": sol.status == "optimal"
        and sol.mip_gap is not None
        and sol.mip_gap <= mip_gap + 1e-9
        and sol.solve_s <= time_limit_s,
    }


def lines(f: dict[str, Any]) -> list[str]:
    """The figures as printed rows."""
    bound = "none" if f["lower_bound"] is None else f"{f['lower_bound']:,.0f}"
    gap = "none" if f["mip_gap"] is None else f"{f['mip_gap']:.3%}"
    return [
        f"MILP scale (HiGHS, mip_gap {f['mip_gap_target']:g}, limit {f['time_limit_s']:g} s): "
        f"{f['intervals']} intervals, {f['sites']} sites",
        f"  columns {f['columns']:,}, variables {f['variables']:,} "
        f"({f['integer_variables']:,} integer), constraints {f['constraints']:,}, "
        f"nonzeros {f['nonzeros']:,}",
        f"  build {f['data_s'] + f['build_s']:.2f} s (data {f['data_s']:.2f} s + PuLP model "
        f"{f['build_s']:.2f} s), solve {f['solve_s']:.2f} s",
        f"  status {f['status']}, objective {f['objective']:,.0f} (labour "
        f"{f['labour_cost']:,.0f} + bot {f['bot_cost']:,.0f}), bound {bound}, gap {gap}",
        f"  {f['agent_shifts']:,} agent-shifts on {f['columns_used']:,} columns, bot levels "
        f"{f['bot_levels']}, shortfalls {f['shortfalls']}",
        f"  goal {f['goal']}: " + ("ok" if f["goal_met"] else "MISSED"),
    ]


def report() -> dict[str, Any]:
    """Measure, print the rows, return the figures (for ``python -m benchmarks``)."""
    print("\n... MILP scale: synthetic week, 3 sites, HiGHS", flush=True)
    figures = measure()
    print("\n".join(lines(figures)))
    return figures


if __name__ == "__main__":
    figures = report()
    print(json.dumps(figures))
