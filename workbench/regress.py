"""Service-level forecast regression: re-run scenarios and compare them with stored baselines.

A *baseline* holds, for one scenario and one mode (``full`` or ``quick``), the per-replication
values of every compared *series*: a (channel line, day, KPI) triple, where the day is a
planning-clock date or ``"week"`` for the whole horizon. The KPIs are those of SPEC section 4:
``service_level`` [share], ``asa_s`` [s], ``abandon_rate`` [share] and ``occupancy`` [share] per
channel line, daily and weekly; plus the cost of the whole horizon (line ``"all"``, day
``"week"``): ``labor_cost`` (sum of the sites' labour cost), ``bot_cost`` and ``total_cost``
[scenario currency]. Labour is paid per agent-shift, so cost has no daily series.

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

No printing here: the command line (``workbench.regress_cmd``) reports.
"""

from __future__ import annotations

import json
import math
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scenarios.schema import Scenario
from simulation.engine import ReplicationResult
from simulation.model import SimModel, build
from simulation.results import Results, aggregate, lines, ratio, sha256_of
from simulation.runner import Timed, run_replications

MODES = ("full", "quick")
"""``full``: the scenario's ``[run]`` replications; ``quick``: at most ``QUICK_REPLICATIONS``."""
QUICK_REPLICATIONS = 5
"""Replications of the quick mode (pull requests); the seed stays the scenario's."""
KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy")
"""Per channel line, daily and weekly: [share], [s], [share], [share]."""
COSTS = ("labor_cost", "bot_cost", "total_cost")
"""Whole-horizon cost per replication [scenario currency], on line ``ALL``."""
WEEK = "week"
"""The ``day`` label of whole-horizon values."""
ALL = "all"
"""The ``channel`` label of cost values."""
COLUMNS = ("scenario", "mode", "replication", "channel", "day", "kpi", "value")
"""Columns of a baseline CSV (one row per replication and series)."""
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

SHARE_KPIS = frozenset({"service_level", "abandon_rate", "occupancy"})

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


class BaselineError(ValueError):
    """A baseline file that cannot be read (named, with what is wrong)."""


def replications_for(scenario: Scenario, mode: str) -> int:
    """Replications run in ``mode``: the scenario's, or at most ``QUICK_REPLICATIONS``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    count = scenario.run.replications
    return min(count, QUICK_REPLICATIONS) if mode == "quick" else count


# ------------------------------------------------------------------------------------------
# Measuring: per-replication KPIs, daily and weekly


def daily_kpis(model: SimModel, reps: Sequence[ReplicationResult]) -> dict[str, dict[str, Any]]:
    """Per-replication KPIs of every line by planning day: ``{line: {kpi: array}}``, each array
    of shape (replications, days), NaN where undefined (nothing offered, nobody available).

    The ratios are those of ``daily.csv`` (``simulation.results.aggregate``) before its mean over
    replications: service level [share], ASA = wait of started contacts / started [s],
    abandonment = abandoned / (answered + abandoned) [share], occupancy = busy / available time
    of the agents with the channel's skill [share].
    """
    day_of = model.horizon.interval_day
    n_days = len(model.horizon.dates)
    productive = np.stack([r.productive_s for r in reps])  # reps x sites x intervals
    busy = np.stack([r.busy_s for r in reps])

    def by_day(values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], n_days))
        for d in range(n_days):
            out[:, d] = values[:, day_of == d].sum(axis=1)
        return out

    found: dict[str, dict[str, Any]] = {}
    for line in lines(model, reps):
        answered, abandoned = by_day(line.answered), by_day(line.abandoned)
        found[line.name] = {
            "service_level": ratio(by_day(line.within), by_day(line.denominator)),
            "asa_s": ratio(by_day(line.wait_sum), by_day(line.started)),
            "abandon_rate": ratio(abandoned, answered + abandoned),
            "occupancy": ratio(
                by_day(busy[:, line.sites, :].sum(axis=1)),
                by_day(productive[:, line.sites, :].sum(axis=1)),
            ),
        }
    return found


def kpi_values(
    model: SimModel, reps: Sequence[ReplicationResult], results: Results, mode: str
) -> pd.DataFrame:
    """The tidy baseline table (``COLUMNS``) of one run: daily values from ``daily_kpis``,
    weekly ones from ``results.replications`` (whole-horizon ratios of sums), cost per
    replication from the replication counters (labour summed over sites, bot over channels)."""
    name = model.scenario.scenario.name
    days = [d.isoformat() for d in model.horizon.dates]
    ids = [r.replication for r in reps]
    weekly = {
        (str(row["channel"]), int(row["replication"])): row
        for row in results.replications.to_dict("records")
    }
    rows: list[tuple[str, str, int, str, str, str, float]] = []
    for line, kpis in daily_kpis(model, reps).items():
        for d, day in enumerate(days):
            for kpi in KPIS:
                values = kpis[kpi][:, d]
                rows.extend(
                    (name, mode, r, line, day, kpi, float(v))
                    for r, v in zip(ids, values, strict=True)
                )
        for kpi in KPIS:
            rows.extend(
                (name, mode, r, line, WEEK, kpi, float(weekly[(line, r)][kpi])) for r in ids
            )
    for kpi in COSTS:
        for rep in reps:
            labor = float(rep.labor_cost.sum())
            bot = float(rep.bot_cost.sum())
            value = {"labor_cost": labor, "bot_cost": bot, "total_cost": labor + bot}[kpi]
            rows.append((name, mode, rep.replication, ALL, WEEK, kpi, value))
    return pd.DataFrame(rows, columns=list(COLUMNS))


@dataclass(frozen=True)
class Baseline:
    """Per-replication KPI values of one scenario in one mode, and how they were made.

    ``values`` has the columns ``COLUMNS``; ``meta`` is the JSON beside the CSV: scenario
    name, mode, seed, replications, the file and the sha256 of it and of its CSV inputs, and the
    code version. ``seconds`` is the wall-clock time of the run that made it [s] (0 when read).
    """

    scenario: str
    mode: str
    seed: int
    replications: tuple[int, ...]
    values: pd.DataFrame
    meta: dict[str, Any]
    seconds: float = 0.0


def input_hashes(file: Path, scenario: Scenario) -> dict[str, str]:
    """sha256 of the scenario file and of the forecast and roster CSVs it names."""
    found = {file.name: sha256_of(file)}
    extra = [f.path for f in scenario.forecasts.values()]
    if scenario.roster_file:
        extra.append(scenario.roster_file)
    for relative in sorted(set(extra)):
        path = file.parent / relative
        if path.is_file():
            found[relative] = sha256_of(path)
    return found


def measure(
    scenario: Scenario,
    mode: str = "full",
    *,
    file: Path | None = None,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    on_done: Callable[[Timed], None] | None = None,
    code: Mapping[str, str] | None = None,
) -> Baseline:
    """Simulate ``scenario`` in ``mode`` and return its per-replication KPIs as a ``Baseline``.

    ``seed`` and ``replications`` default to the scenario's seed and ``replications_for``;
    ``workers``, ``executor`` and ``address`` choose where replications run (results are
    identical whatever they are); ``file`` (the scenario file) is hashed into the meta and
    ``code`` (versions) copied into it.
    """
    clock = _now()
    model = build(scenario)
    used_seed = scenario.run.seed if seed is None else seed
    count = replications_for(scenario, mode) if replications is None else replications
    timed = run_replications(
        model,
        used_seed,
        range(count),
        workers=workers,
        on_done=on_done,
        executor=executor,
        address=address,
    )
    reps = [t.result for t in timed]
    results = aggregate(model, reps, used_seed)
    values = kpi_values(model, reps, results, mode)
    name = scenario.scenario.name
    meta: dict[str, Any] = {
        "scenario": name,
        "mode": mode,
        "seed": used_seed,
        "replications": count,
        "file": None if file is None else file.as_posix(),
        "sha256": {} if file is None else input_hashes(file, scenario),
        "code": dict(code or {}),
        "series": int(values.groupby(["channel", "day", "kpi"]).ngroups),
    }
    return Baseline(name, mode, used_seed, tuple(range(count)), values, meta, _now() - clock)


def _now() -> float:
    return time.perf_counter()


# ------------------------------------------------------------------------------------------
# Baseline files


def baseline_paths(root: Path, scenario: str, mode: str) -> tuple[Path, Path]:
    """``<root>/<scenario>/<mode>.csv`` and ``.json``."""
    folder = Path(root) / scenario
    return folder / f"{mode}.csv", folder / f"{mode}.json"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def write_baseline(baseline: Baseline, root: Path) -> tuple[Path, Path]:
    """Write the baseline CSV (values with ``repr``, exact) and its JSON meta under ``root``."""
    csv_path, json_path = baseline_paths(root, baseline.scenario, baseline.mode)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame = baseline.values.copy()
    frame["value"] = [repr(float(v)) for v in frame["value"]]
    _write_atomic(csv_path, frame.to_csv(index=False, lineterminator="\n"))
    _write_atomic(json_path, json.dumps(baseline.meta, indent=2) + "\n")
    return csv_path, json_path


def remove_baseline(root: Path, scenario: str, mode: str) -> None:
    """Delete one mode's baseline files, and the scenario's folder once empty."""
    for path in baseline_paths(root, scenario, mode):
        path.unlink(missing_ok=True)
    folder = Path(root) / scenario
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def stored_scenarios(root: Path, mode: str) -> list[str]:
    """Names of the scenarios with a ``mode`` baseline under ``root``."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{mode}.csv"))


def read_baseline(root: Path, scenario: str, mode: str) -> Baseline | None:
    """The stored baseline, or None if there is none; ``BaselineError`` if it is unreadable."""
    csv_path, json_path = baseline_paths(root, scenario, mode)
    if not csv_path.is_file():
        return None
    try:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise BaselineError(f"{csv_path.parent}: cannot read the {mode} baseline: {exc}") from exc
    if list(frame.columns) != list(COLUMNS):
        raise BaselineError(
            f"{csv_path}: columns must be {', '.join(COLUMNS)} (got {', '.join(frame.columns)})"
        )
    try:
        frame["replication"] = frame["replication"].astype(int)
        frame["value"] = [float(v) for v in frame["value"]]
        seed = int(meta["seed"])
        count = int(meta["replications"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"{csv_path.parent}: malformed {mode} baseline: {exc}") from exc
    ids = tuple(sorted(set(frame["replication"])))
    return Baseline(scenario, mode, seed, ids or tuple(range(count)), frame, meta)


# ------------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class TTest:
    """A two-sided Student-t test of the mean difference now - baseline.

    ``n``: pairs (paired) or the smaller sample (Welch); ``difference``: mean difference, in
    the KPI's unit; ``low``, ``high``: its confidence interval; ``p``: two-sided p-value.
    """

    n: int
    difference: float
    low: float
    high: float
    p: float


def _t_result(difference: float, se: float, df: float, confidence: float, n: int) -> TTest:
    if not se > 0:  # no spread at all: the difference is certain
        return TTest(n, difference, difference, difference, 0.0 if difference != 0 else 1.0)
    t = difference / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return TTest(n, difference, difference - half, difference + half, p)


def paired_t(base: np.ndarray, now: np.ndarray, confidence: float = 0.95) -> TTest | None:
    """Paired t test on the per-replication differences ``now - base`` (pairs where both are
    defined), as ``scipy.stats.ttest_rel``; None with fewer than 2 pairs."""
    mask = ~np.isnan(base) & ~np.isnan(now)
    d = now[mask] - base[mask]
    n = len(d)
    if n < 2:
        return None
    se = float(np.std(d, ddof=1)) / math.sqrt(n)
    return _t_result(float(np.mean(d)), se, n - 1, confidence, n)


def welch_t(base: np.ndarray, now: np.ndarray, confidence: float = 0.95) -> TTest | None:
    """Welch's unequal-variance t test of ``mean(now) - mean(base)`` with Welch-Satterthwaite
    degrees of freedom (Welch 1947, Biometrika 34: 28-35), as
    ``scipy.stats.ttest_ind(equal_var=False)``; None when a side has fewer than 2 values."""
    a, b = base[~np.isnan(base)], now[~np.isnan(now)]
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = float(np.var(a, ddof=1)) / len(a), float(np.var(b, ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    denominator = va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)
    df = (va + vb) ** 2 / denominator if denominator > 0 else float(len(a) + len(b) - 2)
    return _t_result(float(np.mean(b) - np.mean(a)), se, df, confidence, min(len(a), len(b)))


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (Benjamini and Hochberg 1995): the i-th smallest of
    m is multiplied by m / i, made monotone from the largest down and capped at 1. Reject where
    adjusted p <= alpha (as ``scipy.stats.false_discovery_control(p, method="bh")``)."""
    values = np.asarray(p, dtype=float)
    m = len(values)
    if m == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adjusted
    return out


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979): the i-th smallest of m is multiplied by
    (m - i + 1), made monotone and capped at 1. Reject where adjusted p <= alpha."""
    values = np.asarray(p, dtype=float)
    m = len(values)
    if m == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * values[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


# ------------------------------------------------------------------------------------------
# Comparing


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


def update_summary(check: Check | None, limit: int = 8) -> str:
    """One line saying what an ``--update`` changed: new baseline, identical, or which series
    changed (drifting ones first, whole-horizon ones before daily ones)."""
    if check is None:
        return "new baseline"
    if check.verdict == IDENTICAL:
        return "identical"
    changed = check.changed
    order = changed["status"].map({DRIFT: 0, NEW: 1, REMOVED: 1, SMALL: 2, NOISE: 3, UNTESTABLE: 4})
    weekly_first = (changed["day"] != WEEK).astype(int)
    changed = changed.assign(order=order, daily=weekly_first).sort_values(
        ["order", "daily"], kind="stable"
    )
    names = [f"{r.channel}/{r.day}/{r.kpi} ({r.status})" for r in changed.itertuples()]
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return (
        f"changed: {len(changed)} of {len(check.rows)} series "
        f"({len(check.failing)} drift, new or removed): {', '.join(names[:limit])}{more}"
    )


# ------------------------------------------------------------------------------------------
# Reports


def format_value(kpi: str, value: float) -> str:
    """A KPI value for people: shares in %, ASA in s, cost with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kpi in SHARE_KPIS:
        return f"{100 * value:.2f} %"
    if kpi == "asa_s":
        return f"{value:.1f} s"
    return f"{value:,.2f}"


def format_difference(kpi: str, difference: float, low: float, high: float) -> str:
    """A difference with its interval: percentage points for shares, s for ASA."""
    if math.isnan(difference):
        return "-"
    if kpi in SHARE_KPIS:
        scale, unit, digits = 100.0, " pp", 2
    elif kpi == "asa_s":
        scale, unit, digits = 1.0, " s", 1
    else:
        scale, unit, digits = 1.0, "", 2
    text = f"{scale * difference:+,.{digits}f}{unit}"
    if not math.isnan(low):
        text += f" [{scale * low:+,.{digits}f}, {scale * high:+,.{digits}f}]"
    return text


def format_p(p: float) -> str:
    """A p-value with 2 significant digits, or "-"."""
    if math.isnan(p):
        return "-"
    return "< 1e-12" if p < 1e-12 else f"{p:.2g}"


def describe_settings(settings: Settings) -> str:
    """The test and thresholds in one sentence (markdown)."""
    t = settings.thresholds
    return (
        "Significance: paired Student-t test on the per-replication differences when the run "
        "uses the baseline's seed and replications, Welch's t test otherwise; p-values "
        f"{CORRECTION_NAMES[settings.correction]}-adjusted over the series of each scenario "
        f"at alpha = {settings.alpha:g}; "
        f"intervals are {100 * (1 - settings.alpha):g} % Student-t intervals of the mean "
        "difference. Drift = significant and at least the practical threshold: service level "
        f"{100 * t['service_level']:g} pp, ASA {t['asa_s']:g} s, abandonment "
        f"{100 * t['abandon_rate']:g} pp, occupancy {100 * t['occupancy']:g} pp, cost "
        f"{100 * t[COST_THRESHOLD_KEY]:g} %."
    )


def drift_rows(checks: Sequence[Check]) -> list[dict[str, str]]:
    """Failing series of all checks as display rows (markdown and console)."""
    out = []
    for check in checks:
        for r in check.failing.to_dict("records"):
            kpi = str(r["kpi"])
            out.append(
                {
                    "scenario": check.scenario,
                    "channel": str(r["channel"]),
                    "day": str(r["day"]),
                    "KPI": kpi if r["status"] == DRIFT else f"{kpi} ({r['status']})",
                    "baseline": format_value(kpi, float(r["baseline"])),
                    "now": format_value(kpi, float(r["now"])),
                    "difference [CI]": format_difference(
                        kpi, float(r["difference"]), float(r["low"]), float(r["high"])
                    ),
                    "p": format_p(float(r["p"])),
                    "p adjusted": format_p(float(r["p_adjusted"])),
                }
            )
    return out


SCENARIO_LEGEND = (
    "reps: replications of the baseline / of this run; inputs: the scenario file and its CSV "
    "inputs compared with the baseline's (sha256); series: (channel, day, KPI) compared; "
    "noise: changed but not significant (or too few replications to test); below thr.: "
    "significant but smaller than the practical threshold; drift: significant and at least "
    "the threshold, or a series added or removed."
)


def scenario_rows(checks: Sequence[Check], missing: Sequence[str]) -> list[dict[str, str]]:
    """One display row per scenario: verdict and the count of series by status."""
    out = []
    for check in checks:
        base_n, now_n = len(check.baseline.replications), len(check.current.replications)
        out.append(
            {
                "scenario": check.scenario,
                "verdict": check.verdict,
                "test": check.test,
                "reps": f"{base_n}/{now_n}",
                "inputs": "changed" if check.inputs_changed else "same",
                "series": str(len(check.rows)),
                "identical": str(check.count(IDENTICAL)),
                "noise": str(check.count(NOISE) + check.count(UNTESTABLE)),
                "below thr.": str(check.count(SMALL)),
                "drift": str(len(check.failing)),
                "time": f"{check.seconds:.1f} s",
            }
        )
    for name in missing:
        out.append(
            {
                "scenario": name,
                "verdict": "no baseline",
                **dict.fromkeys(
                    (
                        "test",
                        "reps",
                        "inputs",
                        "series",
                        "identical",
                        "noise",
                        "below thr.",
                        "drift",
                        "time",
                    ),
                    "-",
                ),
            }
        )
    return out


def _markdown_table(rows: Sequence[Mapping[str, str]]) -> list[str]:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row[h]).replace("|", "\\|") for h in header]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown_report(
    checks: Sequence[Check],
    mode: str,
    settings: Settings,
    baselines: Path,
    missing: Sequence[str] = (),
    orphans: Sequence[str] = (),
) -> str:
    """The markdown summary (for ``$GITHUB_STEP_SUMMARY``): scenarios, then what drifted."""
    failing = any(c.verdict == DRIFT for c in checks) or bool(missing)
    lines = [
        f"# Service-level regression check ({mode} mode): {'FAILED' if failing else 'passed'}",
        "",
        f"Re-run of each scenario compared with the baselines in `{baselines.as_posix()}`. "
        + describe_settings(settings),
        "",
    ]
    table = scenario_rows(checks, missing)
    if table:
        lines += _markdown_table(table)
        lines += ["", SCENARIO_LEGEND]
    else:
        lines.append("No scenario checked.")
    lines += ["", "## Drift", ""]
    drifted = drift_rows(checks)
    lines += _markdown_table(drifted) if drifted else ["No drift."]
    if missing:
        lines += [
            "",
            f"No {mode} baseline for: {', '.join(missing)}. Run `workbench regress"
            f"{' --quick' if mode == 'quick' else ''} --update FILE` and commit the result.",
        ]
    if orphans:
        lines += [
            "",
            f"Baselines without a scenario file (not checked): {', '.join(orphans)}.",
        ]
    return "\n".join(lines) + "\n"


def junit_xml(
    checks: Sequence[Check], mode: str, settings: Settings, missing: Sequence[str] = ()
) -> bytes:
    """JUnit XML: one test suite for the mode, one test case per scenario, failing with the
    drift details when it drifts (or has no baseline)."""
    suite_name = f"workbench regress ({mode})"
    classname = f"regress.{mode}"
    failures = sum(c.verdict == DRIFT for c in checks) + len(missing)
    total_time = sum(c.seconds for c in checks)
    root = ET.Element(
        "testsuites",
        name="workbench regress",
        tests=str(len(checks) + len(missing)),
        failures=str(failures),
        errors="0",
        time=f"{total_time:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(len(checks) + len(missing)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total_time:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="alpha", value=f"{settings.alpha:g}")
    for key, value in settings.thresholds.items():
        ET.SubElement(properties, "property", name=f"threshold.{key}", value=f"{value:g}")
    for check in checks:
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=check.scenario, time=f"{check.seconds:.3f}"
        )
        summary = (
            f"{check.scenario}: {check.verdict}; {check.test}; {len(check.rows)} series: "
            f"{check.count(IDENTICAL)} identical, {check.count(NOISE)} noise, "
            f"{check.count(UNTESTABLE)} untestable, {check.count(SMALL)} below threshold, "
            f"{len(check.failing)} drift"
        )
        if check.verdict == DRIFT:
            details = [
                f"{r['channel']} {r['day']} {r['KPI']}: baseline {r['baseline']}, now {r['now']},"
                f" difference {r['difference [CI]']}, p {r['p']} (adjusted {r['p adjusted']})"
                for r in drift_rows([check])
            ]
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(check.failing)} series drifted",
                type="drift",
            )
            failure.text = "\n".join(details)
        ET.SubElement(case, "system-out").text = summary
    for name in missing:
        case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
        ET.SubElement(
            case, "failure", message=f"no {mode} baseline", type="missing-baseline"
        ).text = f"no {mode} baseline for {name}; run workbench regress --update"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
