"""How much time each round of ``optimize`` may take: the solver's time limit scaled with the
model's size, and the whole command held to ``[optimizer] time_budget``.

A round is a MILP solve then a simulation of its plan; after the last round come the
fresh-seed verification and the hand roster's simulation (about two rounds' simulation). The
clock starts when ``optimize`` starts (requirements and candidate shifts included).

* **Scaled limit.** ``time_limit`` is what a model the size of global-retail's may take
  (``REFERENCE_NONZEROS``, the constraint matrix's nonzeros at 30-minute intervals over a
  week); a model ``k`` times larger gets ``k`` times as long, since HiGHS's root LP and
  heuristics grow at least linearly with the matrix.
* **Budget.** No round starts unless the time spent so far, the next round (the longest round
  so far) and the verification (twice the longest simulation so far) fit in the budget. A
  round's solver limit is further capped so that its simulation and the verification still
  fit: whatever the solver has then is the round's plan (its best incumbent, or the LP
  rounding of ``optimizer.shifts.milp`` when HiGHS found none).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

REFERENCE_NONZEROS = 65_000
"""Constraint-matrix nonzeros of the model ``time_limit`` is meant for (global-retail's first
MILP has 63,145: 1,445 candidate shifts, 10,524 variables, 6,050 constraints)."""

MIN_LIMIT_S = 10.0
"""The least solver time a round is given [s]: below it HiGHS rarely leaves its root LP."""

FIRST_SHARE = 0.5
"""Share of the budget the first round's solver may take, before any simulation was timed."""


@dataclass(frozen=True)
class Round:
    """What ``on_round`` hears as a round starts: its ``number`` (from 0) of ``rounds``, the
    solver's time limit for it [s], the time spent so far [s] and the budget left [s]."""

    number: int
    rounds: int
    time_limit_s: float
    elapsed_s: float
    budget_left_s: float


@dataclass
class Budget:
    """The clock of one ``optimize``: ``time_limit_s`` [s] for a reference-size model,
    ``budget_s`` [s] for the whole command."""

    time_limit_s: float
    budget_s: float
    began: float = field(default_factory=time.monotonic)
    longest_round_s: float = 0.0
    longest_simulation_s: float = 0.0

    def elapsed(self) -> float:
        """Seconds since the command started."""
        return time.monotonic() - self.began

    def scaled_limit(self, nonzeros: int) -> float:
        """``time_limit_s`` scaled with the model's constraint-matrix ``nonzeros`` [s]."""
        return self.time_limit_s * max(1.0, nonzeros / REFERENCE_NONZEROS)

    def verification_s(self) -> float:
        """Estimated time of the verification and the hand roster's simulation [s]."""
        return 2.0 * self.longest_simulation_s

    def next_round_fits(self) -> bool:
        """True if another round and the verification fit in what is left of the budget."""
        if self.longest_round_s == 0.0:
            return True
        return self.elapsed() + self.longest_round_s + self.verification_s() <= self.budget_s

    def round_limit(self, nonzeros: int, first: bool) -> float:
        """The solver's time limit for the next round [s]: the scaled limit, capped so that the
        round's simulation and the verification fit (half the budget left in the first round,
        before a simulation was timed), never under ``MIN_LIMIT_S``."""
        left = self.budget_s - self.elapsed()
        if first:
            cap = FIRST_SHARE * left
        else:
            cap = left - self.longest_simulation_s - self.verification_s()
        return max(MIN_LIMIT_S, min(self.scaled_limit(nonzeros), cap))

    def record(self, round_s: float, simulation_s: float) -> None:
        """A round took ``round_s`` [s], of which ``simulation_s`` [s] simulating."""
        self.longest_round_s = max(self.longest_round_s, round_s)
        self.longest_simulation_s = max(self.longest_simulation_s, simulation_s)
