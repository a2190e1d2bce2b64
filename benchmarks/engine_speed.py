"""Contacts simulated per second by the engine (``generate`` + ``run``), in this process.

Figures are the best of ``repeats`` runs (the least disturbed by the machine's other work).
"""

from __future__ import annotations

import cProfile
import io
import math
import pstats
from typing import Any

from benchmarks import common
from benchmarks.bare_simpy import run_bare
from simulation.arrivals import ContactTable, generate
from simulation.engine import ReplicationResult, run
from simulation.model import SimModel, build


def time_engine(
    model: SimModel, seed: int, replication: int, repeats: int
) -> tuple[dict[str, Any], ReplicationResult]:
    """Time ``generate`` + ``run`` ``repeats`` times; the figures of the fastest run."""
    best: dict[str, Any] | None = None
    result: ReplicationResult | None = None
    seconds: list[float] = []
    for _ in range(repeats):
        contacts, t_gen = common.timed(lambda: generate(model, seed, replication))
        result, t_run = _run(model, contacts, seed, replication)
        total = t_gen + t_run
        seconds.append(total)
        if best is None or total < best["seconds"]:
            best = {
                "contacts": contacts.contacts,
                "seconds": total,
                "generate_s": t_gen,
                "run_s": t_run,
                "contacts_per_s": contacts.contacts / total,
            }
    assert best is not None and result is not None
    best["all_seconds"] = seconds
    return best, result


def _run(
    model: SimModel, contacts: ContactTable, seed: int, replication: int
) -> tuple[ReplicationResult, float]:
    return common.timed(lambda: run(model, contacts, seed, replication))


def _engine_sla(result: ReplicationResult) -> tuple[float, float]:
    """Service level (within target / offered) and abandon share over the horizon."""
    answered = float(result.answered.sum())
    abandoned = float(result.abandoned.sum())
    offered = answered + abandoned
    if not offered:
        return math.nan, math.nan
    return float(result.answered_within.sum()) / offered, abandoned / offered


def erlang_a(days: int, repeats: int) -> dict[str, Any]:
    """Engine vs. the bare SimPy M/M/12+M model over the same simulated window.

    Runs alternate (engine, bare, engine, bare, ...) so that both see the same machine state.
    """
    scenario = common.erlang_a(days)
    model = build(scenario)
    seed = scenario.run.seed
    window_s = model.end_s - model.start_s  # warm-up + horizon + cool-down
    warmup_s = model.warmup_s
    horizon_s = model.horizon.length_s
    engine_best: dict[str, Any] | None = None
    engine_result: ReplicationResult | None = None
    bare_best: dict[str, Any] | None = None
    bare_seconds: list[float] = []
    engine_seconds: list[float] = []
    for _ in range(repeats):
        figures, result = time_engine(model, seed, 0, 1)
        engine_seconds.append(figures["seconds"])
        if engine_best is None or figures["seconds"] < engine_best["seconds"]:
            engine_best, engine_result = figures, result
        stats, seconds = common.timed(
            lambda: run_bare(
                common.ERLANG_AGENTS,
                common.ERLANG_CALLS_PER_HOUR,
                common.ERLANG_HANDLE_S,
                common.ERLANG_PATIENCE_S,
                window_s,
                seed,
            )
        )
        bare_seconds.append(seconds)
        if bare_best is None or seconds < bare_best["seconds"]:
            bare_best = {
                "contacts": stats.customers,
                "seconds": seconds,
                "contacts_per_s": stats.customers / seconds,
                "service_level": stats.service_level(
                    warmup_s, warmup_s + horizon_s, common.ERLANG_TARGET_S
                ),
                "abandon_share": stats.abandon_share(warmup_s, warmup_s + horizon_s),
            }
    assert engine_best is not None and engine_result is not None and bare_best is not None
    engine_best["all_seconds"] = engine_seconds
    bare_best["all_seconds"] = bare_seconds
    sl, abandon = _engine_sla(engine_result)
    engine_best["service_level"] = sl
    engine_best["abandon_share"] = abandon
    return {
        "days": days,
        "simulated_s": window_s,
        "engine": engine_best,
        "bare_simpy": bare_best,
        "ratio": engine_best["contacts_per_s"] / bare_best["contacts_per_s"],
    }


def global_retail(repeats: int) -> dict[str, Any]:
    """``scenarios/global-retail.toml``, replication 0 with the scenario's seed."""
    scenario = common.global_retail()
    model = build(scenario)
    figures, _ = time_engine(model, scenario.run.seed, 0, repeats)
    figures["days"] = scenario.scenario.days
    return figures


def profile_global_retail(top: int = 15) -> str:
    """cProfile of one global-retail replication (generate + run), top ``top`` by tottime."""
    scenario = common.global_retail()
    model = build(scenario)
    seed = scenario.run.seed
    profiler = cProfile.Profile()
    profiler.enable()
    contacts = generate(model, seed, 0)
    run(model, contacts, seed, 0)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
