"""The LP relaxation of a built shift model, held in one HiGHS instance that rows can be added
to and that re-solves from its last basis: what a cutting-plane loop needs
(``optimizer.blending.cuts`` adds dozens to thousands of rows a round and re-solves each time;
through PuLP every solve would rebuild the model from scratch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from optimizer.shifts.highs import run_in_thread
from optimizer.shifts.model import PENALTY, Model

RESTART_ROWS = 200
"""A batch of more rows than this is solved from scratch, not from the last basis: after 2,340
cuts on global-retail's first round the dual simplex from the old basis took 5.8 s, a fresh
solve 0.8 s (2026-12-06); a batch of a few dozen re-solves in 0.1 s from the basis."""

IPM_NONZEROS = 150_000
"""A model with at least this many constraint-matrix nonzeros is solved from scratch by the
interior point method (with crossover, which leaves a basis), not the dual simplex: the first
LP of global-retail over four weeks with people on tours (297,943 nonzeros, 47,841 columns)
took 63 s by IPM and over 390 s by the dual simplex on the same machine (2026-12-07, 2 cores
shared). Re-solves after a few more rows or fixed bounds start from the basis by simplex."""


@dataclass(frozen=True)
class Row:
    """``sum coefficients[v] v + slack >= lower`` over the model's variables by name; the
    slack (one per row, >= 0) costs ``PENALTY`` per unit, so a row never makes the LP
    infeasible."""

    coefficients: dict[str, float]
    lower: float


class LpSession:
    """``model``'s LP relaxation (integrality dropped) in HiGHS; ``time_limit_s`` [s] per
    solve."""

    def __init__(self, model: Model, time_limit_s: float) -> None:
        prob = model.prob
        variables = prob.variables()
        self.index = {v.name: k for k, v in enumerate(variables)}
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        self.time_limit_s = float(max(time_limit_s, 1.0))
        inf = highspy.kHighsInf
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], float)
        upper = np.array([inf if v.upBound is None else v.upBound for v in variables], float)
        highs.addVars(len(variables), lower, upper)
        self.lower, self.upper = lower, upper
        cost = np.array([prob.objective.get(v, 0.0) for v in variables], float)
        highs.changeColsCost(len(variables), np.arange(len(variables), dtype=np.int32), cost)
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        low: list[float] = []
        up: list[float] = []
        self.rows: dict[str, int] = {}
        for constraint in prob.constraints():
            self.rows[str(constraint.name)] = len(starts)
            starts.append(len(indices))
            for var, a in constraint.items():
                if a != 0:
                    indices.append(self.index[var.name])
                    values.append(a)
            bound_low, bound_up = constraint.getLb(), constraint.getUb()
            low.append(-inf if bound_low is None else bound_low)
            up.append(inf if bound_up is None else bound_up)
        highs.addRows(
            len(starts),
            np.array(low, float),
            np.array(up, float),
            len(indices),
            np.array(starts, np.int32),
            np.array(indices, np.int32),
            np.array(values, float),
        )
        self.highs = highs
        self.slacks = 0
        self.solves = 0

    def add_rows(self, rows: Sequence[Row]) -> None:
        """Add ``rows``, each with a penalised slack column of its own."""
        if not rows:
            return
        highs = self.highs
        first = highs.getNumCol()
        count = len(rows)
        highs.addVars(count, np.zeros(count), np.full(count, highspy.kHighsInf))
        highs.changeColsCost(
            count, np.arange(first, first + count, dtype=np.int32), np.full(count, PENALTY)
        )
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        for k, row in enumerate(rows):
            starts.append(len(indices))
            for name, a in row.coefficients.items():
                indices.append(self.index[name])
                values.append(a)
            indices.append(first + k)
            values.append(1.0)
        highs.addRows(
            count,
            np.array([row.lower for row in rows], float),
            np.full(count, highspy.kHighsInf),
            len(indices),
            np.array(starts, np.int32),
            np.array(indices, np.int32),
            np.array(values, float),
        )
        self.slacks += count
        if count > RESTART_ROWS:
            self.highs.clearSolver()

    def relax(self, prefix: str) -> int:
        """Drop the upper bound of every model row whose name starts with ``prefix``
        (``max_agents_`` rows, say); returns how many."""
        found = [k for name, k in self.rows.items() if name.startswith(prefix)]
        for k in found:
            self.highs.changeRowBounds(k, -highspy.kHighsInf, highspy.kHighsInf)
        return len(found)

    def bound(self, name: str, lower: float | None = None, upper: float | None = None) -> None:
        """Set a variable's lower and/or upper bound (the other kept)."""
        k = self.index[name]
        if lower is not None:
            self.lower[k] = lower
        if upper is not None:
            self.upper[k] = upper
        self.highs.changeColBounds(k, self.lower[k], self.upper[k])

    def fix(self, name: str, value: float) -> None:
        """Fix a variable (a bot level's binary, say) at ``value``."""
        self.bound(name, value, value)

    def solve(self) -> bool:
        """Solve (from the last basis; a large model without one by the interior point
        method, ``IPM_NONZEROS``); True if HiGHS reports an optimum."""
        highs = self.highs
        # HiGHS's time limit is on its run clock, which adds up over the instance's solves
        highs.setOptionValue("time_limit", highs.getRunTime() + self.time_limit_s)
        cold = not highs.getBasis().valid and highs.getNumNz() >= IPM_NONZEROS
        if cold:  # the crossover leaves a basis: the next solves start from it
            highs.setOptionValue("solver", "ipm")
        try:
            run_in_thread(highs)
        finally:
            if cold:
                highs.setOptionValue("solver", "choose")
        self.solves += 1
        return bool(highs.getModelStatus() == highspy.HighsModelStatus.kOptimal)

    def values(self, variables: Sequence[pulp.LpVariable]) -> np.ndarray:
        """The last solution's values of ``variables``."""
        col = np.asarray(self.highs.getSolution().col_value, float)
        return np.array([col[self.index[v.name]] for v in variables], float)

    def objective(self) -> float:
        """The last solution's objective [currency, penalties included]."""
        return float(self.highs.getInfo().objective_function_value)

    def slack(self) -> float:
        """Sum of the added rows' slacks in the last solution."""
        col = np.asarray(self.highs.getSolution().col_value, float)
        return float(col[len(col) - self.slacks :].sum()) if self.slacks else 0.0
