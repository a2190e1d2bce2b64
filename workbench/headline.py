"""The headline workflow in one run (``workbench headline``, ``make run``): optimize the
scenario, compare the plan with the file's hand-made roster on common
random numbers, and say what was found in three lines.

Nothing is simulated twice: ``optimize`` already simulates every round's plan and the hand
roster on the scenario's seed with ``[optimizer.verify] replications`` replications (common
random numbers: the same customers), so the paired comparison of the hand roster and the kept
plan is built from those simulations (``compare.compare_results``). It is what
``workbench compare FILE optimize/optimized.toml --replications N`` would compute, with N the
verify replications (``tests/test_headline.py`` checks that it is identical).

The verdict is the optimizer's: the plan's fresh-seed check (``optimizer.plan.verification``).
``--quick`` (``make run``) runs one round and a fresh-seed check of at most twice
``verify.replications``, where ``workbench optimize`` runs up to ``max_iterations`` rounds and
``max_replications``: the findings say so ("quick preview").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from optimizer.plan.outcome import Plan
from optimizer.plan.power import meets_in_words
from scenarios.schema import Scenario
from workbench.compare import ComparisonResult, compare_results
from workbench.kpi_tables import money, pct, share_text

HAND, OPTIMIZED = "hand", "optimized"
"""Labels of the two options compared: the file's roster and the optimizer's plan."""


def quick(scenario: Scenario) -> Scenario:
    """``scenario`` cut down to a quick preview: one simulate-and-correct round
    (``[optimizer] max_iterations = 1``: the plan of the analytic model, simulated once) and a
    fresh-seed check of ``[optimizer.verify] replications`` replications and, if a cell is
    undecided after them, as many again (``max_replications`` = 2 x ``replications``, where
    the file's may allow more). The solver's limits and the verdict's test are the file's."""
    optimizer = scenario.optimizer
    first = optimizer.verify.replications
    most = min(2 * first, max(first, optimizer.verify.max_replications))
    verify = optimizer.verify.model_copy(update={"max_replications": most})
    cut = optimizer.model_copy(update={"max_iterations": 1, "verify": verify})
    return scenario.model_copy(update={"optimizer": cut})


def plan_comparison(plan: Plan) -> ComparisonResult | None:
    """The hand roster and the kept plan, paired on the simulations the optimizer ran on the
    scenario's seed (None when the file has no roster to compare)."""
    if plan.hand is None:
        return None
    chosen = plan.iterations[plan.chosen].results
    replications = int(chosen.summary["replications"])
    return compare_results(
        {HAND: plan.hand.results, OPTIMIZED: chosen},
        seed=int(chosen.summary["seed"]),
        replications=replications,
        confidence=plan.scenario.optimizer.verify.confidence,
    )


@dataclass(frozen=True)
class Preview:
    """What the run did against what the file asks for (for the findings' label)."""

    rounds: int
    """Simulate-and-correct rounds run."""
    file_rounds: int
    """The file's ``[optimizer] max_iterations``."""
    checked: int
    """Replications of the fresh-seed check."""
    file_most: int
    """The file's ``[optimizer.verify] max_replications``."""
    quick: bool
    """True when the run was cut down (``--quick``): a quick preview."""

    def label(self) -> str:
        """``1 round, fresh-seed check on 10 replications`` and, for a quick preview, what
        the file's settings allow."""
        rounds = f"{self.rounds} round{'s' if self.rounds != 1 else ''}"
        done = f"{rounds}, fresh-seed check on {self.checked} replications"
        if not self.quick:
            return done
        return (
            f"quick preview: {done}; workbench optimize runs up to {self.file_rounds} rounds "
            f"and {self.file_most} replications and may find a cheaper plan"
        )


def _missed(summary: dict, limit: int = 4) -> str:
    """``voice 48.9% (target 80%), chat 81.0% (target 90%)``: the channel lines whose mean
    service level misses the target, at most ``limit`` named."""
    missed = [
        f"{name} {pct(kpi['service_level']['mean'])} (target {share_text(kpi['target']['share'])})"
        for name, kpi in summary["channels"].items()
        if not kpi["met"]
    ]
    more = f" and {len(missed) - limit} more" if len(missed) > limit else ""
    return ", ".join(missed[:limit]) + more


def _row(table: pd.DataFrame, channel: str, kpi: str) -> dict | None:
    rows = table[(table["option"] == OPTIMIZED) & (table["channel"] == channel)]
    rows = rows[rows["kpi"] == kpi]
    return None if rows.empty else rows.iloc[0].to_dict()


def findings(
    plan: Plan, comparison: ComparisonResult | None, preview: Preview, currency: str | None
) -> tuple[str, str]:
    """Two lines: what the hand roster does, and what the plan does (its cost against the hand
    roster's, and its service level against the hand roster's, paired by replication with the
    confidence intervals) and the verdict of the fresh-seed check. Costs are the expected
    costs of ``optimize`` (every shift priced, absent agents unpaid, bot sessions: README "One
    cost per plan"), the hand roster priced the same way."""
    days = plan.scenario.scenario.days
    if comparison is None:
        hand = "hand roster: none in the file, nothing to compare the plan with"
    else:
        summary = comparison.results[HAND].summary
        missed = _missed(summary)
        hand_cost = plan.hand.cost if plan.hand is not None else summary["cost"]["total"]
        hand = (
            f"hand roster: cost {money(hand_cost, currency)} over {days} days; "
            + (f"misses {missed}" if missed else "meets every channel's target")
            + f" ({comparison.replications} replications, seed {comparison.seed})"
        )
    kind = "people on weekly tours" if plan.scenario.schedule_rows else "agent-shifts"
    how = preview.label()
    parts = [f"plan ({kind}; {how}): cost {money(plan.cost, currency)}"]
    if plan.hand is not None and plan.hand.cost > 0:  # expected costs, priced the same way
        change = plan.cost - plan.hand.cost
        parts[0] += (
            f", {change:+,.0f} ({100 * change / plan.hand.cost:+.1f} %) against the hand roster"
        )
    if comparison is not None:
        hand_summary = comparison.results[HAND].summary["channels"]
        for name, kpi in hand_summary.items():
            row = _row(comparison.table, name, "service_level")
            if kpi["met"] or row is None:
                continue
            parts.append(
                f"{name} {100 * row['diff']:+.1f} pp "
                f"[{100 * row['diff_ci_low']:+.1f}, {100 * row['diff_ci_high']:+.1f}]"
            )
    if plan.meets_targets:
        confidence = plan.scenario.optimizer.verify.confidence
        verdict = meets_in_words(plan.power, confidence)
    else:
        missed = _missed(plan.verified.summary)
        verdict = "does NOT meet every target on the fresh seed" + (f": {missed}" if missed else "")
        if plan.verified_shorts:
            verdict += f"; {len(plan.verified_shorts)} cells short"
        if plan.undecided:
            verdict += (
                f"; {len(plan.undecided)} cells undecided after {plan.batches[-1]} replications"
                " (neither shown short nor shown less than 3 points below target)"
            )
        if plan.unserved:
            verdict += "; demand no shift can serve"
        verdict += " (optimize/plan.json)"
        if plan.capacity_bound:
            limits = "max_agents or people.max" if plan.scenario.schedule_rows else "max_agents"
            verdict += f"; the sites' {limits} bind (optimize/plan.json notes)"
    return hand, "; ".join(parts) + f"; {verdict}"
