"""What ``optimize`` returns: every round (``Iteration``) and the plan kept, with its verdict
(``Plan``), and the one error it raises (``OptimizeError``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optimizer.blending.cuts import CapacityPlan
from optimizer.plan.verdict import Short, Undecided
from optimizer.requirements import Requirements
from optimizer.shifts.coverable import Unserved
from optimizer.shifts.problem import Column, Shortfall, Solution
from scenarios.schema import RosterRow, Scenario
from simulation.results import Results


class OptimizeError(Exception):
    """The solver found no plan at all (not even one that falls short); ``str`` says why."""

    def __init__(self, message: str, shortfalls: tuple[Shortfall, ...] = ()) -> None:
        super().__init__(message)
        self.shortfalls = shortfalls


@dataclass
class Iteration:
    """One round of solve and simulate (or the hand roster simulated the same way)."""

    number: int
    solution: Solution | None
    """The MILP solution (None for the hand-made roster)."""
    results: Results
    shorts: list[Short]
    """Cells short by the per-cell test on the scenario seed (what the loop chases)."""
    judged_cells: int
    cost: float
    """The plan's cost [currency over the horizon]: its expected cost, priced from the roster
    (paid hours with premiums, absent agents unpaid, bot sessions; ``rounds.plan_cost``), the
    same figure wherever the plan appears."""
    simulated_cost: float = 0.0
    """Mean total cost over the scenario-seed replications [currency] (overtime and the
    absences drawn included)."""
    adjust: dict[tuple[str, str, int], float] = field(default_factory=dict)
    """The raises the correction loop had added to the analytic requirements when this round's
    MILP was solved: (channel, group, interval) -> productive agents (real time, with daily
    targets) or agent-intervals of work (asynchronous)."""
    capacity: CapacityPlan | None = None
    """The blending requirement this round's MILP was solved with (``optimizer.blending``):
    capacity floors and bot levels; None without real-time channels or with daily targets."""
    fdr_shorts: int = 0
    """Cells short after false-discovery-rate control (the verdict's test) on the scenario
    seed: what ranks the rounds' plans."""
    calibration: list[dict[str, object]] = field(default_factory=list)
    """The blending model's calibration after this round's simulation, one entry per queue
    (``Calibration.summary``)."""

    @property
    def missed_share(self) -> float:
        """Share of judged (channel, cell) pairs significantly short of target."""
        return len(self.shorts) / self.judged_cells if self.judged_cells else 0.0


@dataclass
class Plan:
    """The outcome of ``optimize``.

    ``scenario``: the input with the optimized roster and bot levels, its ``[run]`` set to the
    fresh verification seed and replications (so simulating it reproduces ``verified``).
    ``iterations[0]`` is the plan of the first round (the model's requirements before any
    simulation). ``hand``: the input roster simulated the same way, for comparison (None
    without a roster). ``notes``: what the reader should know (capacity bounds, stops).
    """

    scenario: Scenario
    roster: tuple[RosterRow, ...]
    bot_levels: dict[str, float]
    iterations: list[Iteration]
    verified: Results
    verified_shorts: list[Short]
    """Cells short on the fresh seed after false-discovery-rate control (the verdict)."""
    verified_raw_shorts: list[Short]
    """Cells short on the fresh seed by the per-cell test alone (for the record)."""
    verified_judged: int
    fresh_seed: int
    hand: Iteration | None
    requirements: Requirements
    chosen: int
    """Index of the iteration whose plan was kept (``rounds.rank``)."""
    notes: list[str] = field(default_factory=list)
    unserved: tuple[Unserved, ...] = ()
    """Requirements no candidate shift can cover (``optimizer.shifts.coverable``): planned
    around, left unstaffed."""
    power: dict[str, Any] = field(default_factory=dict)
    """The verdict's power against a cell 3 points below target (``power.verdict_power``)."""
    columns: tuple[Column, ...] = ()
    """The candidate shifts the MILP chose from (``solution.agents`` names them)."""
    below_target: dict[str, Any] = field(default_factory=dict)
    """Shares of cells and of volume below target - tolerance on the fresh seed, with their
    confidence intervals, per line and ``"all"`` (``verdict.below_target_shares``)."""
    batches: list[int] = field(default_factory=list)
    """Replications of the fresh-seed check after each of its batches (``verification``)."""
    looks: list[float] = field(default_factory=list)
    """Confidence of the "shown within 3 points" test at each batch (``verification``)."""
    undecided: list[Undecided] = field(default_factory=list)
    """Cells the fresh-seed check left open: neither called short nor shown less than 3 points
    below target (``verdict.undecided_cells``); any fails the verdict."""

    @property
    def cost(self) -> float:
        """The kept plan's cost (``Iteration.cost``)."""
        return self.iterations[self.chosen].cost

    @property
    def capacity_bound(self) -> bool:
        """True if the kept plan's round could not staff its requirements within the sites'
        capacity: the MILP proven short of the analytic ones, or the blending requirement
        beyond what the LP could staff (``max_agents``)."""
        kept = self.iterations[self.chosen]
        if kept.solution is not None and kept.solution.status == "infeasible":
            return True
        capacity = kept.capacity
        if capacity is None or capacity.unmet_without_max is None:
            return False
        return capacity.unmet_without_max < capacity.unmet - 1e-3

    @property
    def meets_targets(self) -> bool:
        """True if the fresh-seed check shows no significant shortfall and every cell less
        than 3 points below target (none undecided), every channel's whole-horizon service
        level meets its target and no demand is left unserved."""
        channels_met = all(kpi["met"] for kpi in self.verified.summary["channels"].values())
        return (
            channels_met and not self.verified_shorts and not self.undecided and not self.unserved
        )
