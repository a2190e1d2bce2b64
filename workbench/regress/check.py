"""Comparing a run with its baseline, series by series: the verdicts, their settings
(significance level, correction, practical thresholds) and the ``Check`` of a scenario.

Two verdicts per series (docs/regression.md):

- **identical**: every replication's value is bit-for-bit the baseline's (values are stored with
  ``repr``, which round-trips a float exactly);
- otherwise **drift vs noise**: a Student-t test on the replications. When the run uses the
  baseline's seed and replications, replication ``r`` of both runs draws from the same streams
  (``simulation.streams``), so the test is *paired*: a one-sample t test of the per-replication
  differences (as ``scipy.stats.ttest_rel``). Otherwise the two samples are independent and the
  test is Welch's unequal-variance t test (as ``scipy.stats.ttest_ind(equal_var=False)``). The
  p-values of one scenario are adjusted for the number of series compared, by default with the
  Benjamini-Hochberg step-up procedure (Benjamini and Hochberg 1995, J. R. Statist. Soc. B 57:
  289-300), or with Holm's step-down method (Holm 1979, Scand. J. Statist. 6: 65-70). When
  nothing changed every null hypothesis is true, and then the false discovery rate that BH
  controls *is* the chance of any false alarm in the scenario: both keep a failing build from
  noise at ``alpha``; when something did change, BH flags more of what moved (it bounds the
  share of false flags rather than their existence). A series *drifts* when its adjusted
  p-value is at most ``alpha`` and its mean difference is at least the practical threshold of
  its KPI (``DEFAULT_THRESHOLDS``).

Both tests ask whether the *mean* over replications moved. A code change that only alters how
random numbers are used leaves the means where they were: the paired differences then look like
noise (pairing buys nothing but costs nothing either) and the test stays calibrated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.regress.measurement import COSTS, Baseline
from workbench.regress.stats import benjamini_hochberg, holm, paired_t, welch_t

COST_THRESHOLD_KEY = "cost"

DEFAULT_THRESHOLDS: dict[str, float] = {
    "service_level": 0.005,
    "asa_s": 2.0,
    "abandon_rate": 0.005,
    "occupancy": 0.005,
    COST_THRESHOLD_KEY: 0.005,
}
"""Smallest mean difference that counts as drift: service level, abandonment and occupancy in
share points (0.005 = 0.5 percentage point), ASA in seconds, cost relative to the baseline mean
(0.005 = 0.5 %)."""


# statuses of a series, from best to worst
IDENTICAL = "identical"
NOISE = "noise"
"""Changed, but not significant after the multiple-comparison correction."""
SMALL = "below threshold"
"""Significant, but the mean moved less than the practical threshold."""
UNTESTABLE = "untestable"
"""Changed, but fewer than 2 defined replications on a side (or pair): no test possible."""
DRIFT = "drift"
NEW = "new"
"""A series the run has and the baseline has not (a channel added or renamed)."""
REMOVED = "removed"
"""A series the baseline has and the run has not."""
FAILING = frozenset({DRIFT, NEW, REMOVED})


CORRECTIONS: dict[str, Callable[[Sequence[float] | np.ndarray], np.ndarray]] = {
    "bh": benjamini_hochberg,
    "holm": holm,
}
"""Multiple-comparison corrections by name (``--correction``)."""
CORRECTION_NAMES = {"bh": "Benjamini-Hochberg", "holm": "Holm"}


@dataclass(frozen=True)
class Settings:
    """``alpha``: chance of a false alarm per scenario when nothing changed; ``correction``:
    "bh" or "holm" (``CORRECTIONS``); ``thresholds``: practical thresholds by KPI
    (``DEFAULT_THRESHOLDS`` keys; cost relative)."""

    alpha: float = 0.05
    correction: str = "bh"
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    def threshold(self, kpi: str, baseline_mean: float) -> float:
        """The practical threshold of ``kpi`` in its own unit."""
        if kpi in COSTS:
            return self.thresholds[COST_THRESHOLD_KEY] * abs(baseline_mean)
        return self.thresholds[kpi]


def parse_thresholds(items: Sequence[str]) -> tuple[dict[str, float], list[str]]:
    """``["asa_s=5", "cost=0.01"]`` over the defaults; returns (thresholds, problems)."""
    found = dict(DEFAULT_THRESHOLDS)
    problems = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in DEFAULT_THRESHOLDS:
            problems.append(
                f"--threshold: must be KPI=VALUE with KPI one of "
                f"{', '.join(DEFAULT_THRESHOLDS)} (got {item!r})"
            )
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (value >= 0 and math.isfinite(value)):
            problems.append(f"--threshold: {key} must be a number >= 0 (got {text!r})")
            continue
        found[key] = value
    return found, problems


ROW_COLUMNS = (
    "channel",
    "day",
    "kpi",
    "status",
    "n",
    "baseline",
    "now",
    "difference",
    "low",
    "high",
    "p",
    "p_adjusted",
    "threshold",
)
"""Columns of ``Check.rows``: the series, its status, replications tested, baseline and current
means, mean difference now - baseline with its interval, raw and adjusted p-values (by
``Settings.correction``), and the practical threshold, all in the KPI's unit."""


@dataclass(frozen=True)
class Check:
    """One scenario's run compared with its baseline.

    ``test``: "paired t" or "Welch t"; ``rows``: one per series (``ROW_COLUMNS``);
    ``inputs_changed``: the scenario or its CSV inputs differ from the baseline's;
    ``seconds``: wall-clock time of the run [s].
    """

    scenario: str
    mode: str
    test: str
    rows: pd.DataFrame
    baseline: Baseline
    current: Baseline
    inputs_changed: bool
    seconds: float

    def count(self, status: str) -> int:
        """Series with ``status``."""
        return int((self.rows["status"] == status).sum())

    @property
    def failing(self) -> pd.DataFrame:
        """Rows that fail the check: drift, new or removed series."""
        return self.rows[self.rows["status"].isin(FAILING)]

    @property
    def changed(self) -> pd.DataFrame:
        """Rows that are not identical."""
        return self.rows[self.rows["status"] != IDENTICAL]

    @property
    def verdict(self) -> str:
        """ "identical", "noise" (changed, no drift) or "drift"."""
        if len(self.failing):
            return DRIFT
        return IDENTICAL if len(self.changed) == 0 else NOISE


def _series(values: pd.DataFrame) -> dict[tuple[str, str, str], pd.Series]:
    """Values by (channel, day, kpi), each indexed by replication, in file order."""
    out: dict[tuple[str, str, str], pd.Series] = {}
    for key, group in values.groupby(["channel", "day", "kpi"], sort=False):
        out[(str(key[0]), str(key[1]), str(key[2]))] = group.set_index("replication")[
            "value"
        ].sort_index()
    return out


def _same_bits(a: pd.Series, b: pd.Series) -> bool:
    return list(a.index) == list(b.index) and [repr(float(v)) for v in a] == [
        repr(float(v)) for v in b
    ]


def compare(
    baseline: Baseline,
    current: Baseline,
    settings: Settings | None = None,
    paired: bool | None = None,
) -> Check:
    """Compare ``current`` with ``baseline`` series by series (module docstring).

    ``paired`` defaults to True exactly when both used the same seed and replications (the
    same random streams); pass it to force a test (the calibration tests do).
    """
    settings = settings or Settings()
    if paired is None:
        paired = baseline.seed == current.seed and baseline.replications == current.replications
    test = paired_t if paired else welch_t
    confidence = 1 - settings.alpha
    old, new = _series(baseline.values), _series(current.values)
    records: list[dict[str, Any]] = []
    for key in [*old, *(k for k in new if k not in old)]:
        channel, day, kpi = key
        record: dict[str, Any] = dict.fromkeys(ROW_COLUMNS, math.nan)
        record.update(channel=channel, day=day, kpi=kpi, n=0)
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            record["status"] = NEW if a is None else REMOVED
            present = b if a is None else a
            assert present is not None
            record["baseline" if b is None else "now"] = _nanmean(present.to_numpy(float))
            records.append(record)
            continue
        base_values, now_values = a.to_numpy(float), b.to_numpy(float)
        record["baseline"] = _nanmean(base_values)
        record["now"] = _nanmean(now_values)
        record["threshold"] = settings.threshold(kpi, record["baseline"])
        if _same_bits(a, b):
            record.update(status=IDENTICAL, n=len(a), difference=0.0, p=1.0)
        else:
            if paired:
                base_values, now_values = _aligned(a, b)
            result = test(base_values, now_values, confidence)
            if result is None:
                record["status"] = UNTESTABLE
            else:
                record.update(
                    status=NOISE,
                    n=result.n,
                    difference=result.difference,
                    low=result.low,
                    high=result.high,
                    p=result.p,
                )
        records.append(record)
    rows = pd.DataFrame.from_records(records, columns=list(ROW_COLUMNS))
    tested = rows["p"].notna().to_numpy()
    adjust = CORRECTIONS[settings.correction]
    rows.loc[tested, "p_adjusted"] = adjust(rows.loc[tested, "p"].to_numpy(float))
    candidates = (rows["status"] == NOISE) & (rows["p_adjusted"] <= settings.alpha)
    material = rows["difference"].abs() >= rows["threshold"]
    rows.loc[candidates & material, "status"] = DRIFT
    rows.loc[candidates & ~material, "status"] = SMALL
    return Check(
        scenario=current.scenario,
        mode=current.mode,
        test="paired t" if paired else "Welch t",
        rows=rows,
        baseline=baseline,
        current=current,
        inputs_changed=baseline.meta.get("sha256") != current.meta.get("sha256"),
        seconds=current.seconds,
    )


def _nanmean(values: np.ndarray) -> float:
    defined = values[~np.isnan(values)]
    return float(np.mean(defined)) if len(defined) else math.nan


def _aligned(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The replications both have, in order (paired samples)."""
    common = a.index.intersection(b.index)
    return a.loc[common].to_numpy(float), b.loc[common].to_numpy(float)
