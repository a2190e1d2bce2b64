"""Paired comparison of staffing options on common random numbers (``workbench compare``).

Every option is simulated with the same seed and the same replications. Replication ``r`` draws
every random number from streams keyed by ``(seed, r, purpose, key)`` (``simulation.streams``),
so replication ``r`` of each option sees the same customers (arrival times, handle times,
patience, bot outcomes) and the same absences of the agents the options share: the options
differ only by what was changed. That makes the per-replication difference between an option
and the first one (the baseline) far less noisy than the difference of two independent runs
(common random numbers; Law 2015, *Simulation Modeling and Analysis*, 5th ed., section 11.2).

For each KPI the replication ``r`` gives one whole-horizon value per option, ``x_r``; the
difference from the baseline is ``d_r = x_r - b_r``. Means and differences get Student-t
intervals over replications (paired t: ``mean(d) +- t(1 - alpha/2, n - 1) sd(d) / sqrt(n)``,
``sd`` with ``ddof = 1``; Law 2015, section 10.2.1), ignoring replications where the KPI is
undefined in either option (a channel with nothing offered). A KPI whose values are identical
in every replication has a zero-width interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scenarios.loader import Sources
from scenarios.schema import Scenario
from simulation import simulate
from simulation.output import Output
from simulation.results import Results
from simulation.runfolder import fill_run
from simulation.runner import Timed

CHANNEL_KPIS: dict[str, str] = {
    "service_level": "service level under the channel's counting rule, whole horizon [share 0..1]",
    "asa_s": "mean wait until an agent took the contact [s]",
    "abandon_rate": "abandoned / (answered + abandoned) [share 0..1]",
    "occupancy": "busy time / available time of the agents with the channel's skill [share 0..1]",
}
"""Per-channel KPIs compared, one whole-horizon value per replication, with their units."""

COST_KPIS: dict[str, str] = {
    "labor_cost": "labour cost over the horizon, sum over sites [currency of hourly_cost]",
    "bot_cost": "bot sessions over the horizon, sum over channels [currency]",
    "total_cost": "labour + bot cost over the horizon [currency]",
}
"""Cost KPIs compared (``channel = ALL``), one value per replication, with their units."""

SHARE_KPIS = frozenset({"service_level", "abandon_rate", "occupancy"})
"""KPIs that are shares: their intervals are clipped to [0, 1] (differences to [-1, 1])."""

ALL = "all"
"""The ``channel`` of the cost KPIs, which belong to the whole contact center."""

COMPARISON_COLUMNS: dict[str, str] = {
    "option": "option label; the first option is the baseline",
    "channel": "channel name (<channel>:callback for callback lines), or 'all' for costs",
    "kpi": "KPI name (CHANNEL_KPIS, COST_KPIS); units in its name or its description",
    "mean": "mean over replications of the option's whole-horizon value",
    "ci_low": "Student-t confidence interval of that mean, low end",
    "ci_high": "Student-t confidence interval of that mean, high end",
    "diff": "mean over replications of (option - baseline), paired by replication",
    "diff_ci_low": "paired Student-t confidence interval of the difference, low end",
    "diff_ci_high": "paired Student-t confidence interval of the difference, high end",
}
"""The columns of ``comparison.csv`` (``ComparisonResult.table``) with their meaning."""

VALUE_COLUMNS: dict[str, str] = {
    "option": "option label",
    "replication": "replication number (same customers across options)",
    "channel": "channel name, or 'all' for costs",
    "kpi": "KPI name",
    "value": "the option's whole-horizon value in that replication (units of the KPI)",
    "diff": "value - baseline's value in the same replication (NaN if either is undefined)",
}
"""The columns of ``ComparisonResult.values`` (``paired.csv``) with their meaning."""


class HorizonMismatch(ValueError):
    """Options plan different horizons and cannot be compared replication by replication.

    ``mismatches`` maps each offending option's label to what differs from the first option,
    e.g. ``"days 14 (not 7)"``.
    """

    def __init__(self, baseline: str, mismatches: dict[str, str]) -> None:
        self.baseline = baseline
        self.mismatches = mismatches
        super().__init__(
            "options must plan the same horizon (start, days, interval, timezone) as the first "
            f"option {baseline}: " + "; ".join(f"{k}: {v}" for k, v in mismatches.items())
        )


def horizon_of(scenario: Scenario) -> dict[str, Any]:
    """The planning horizon of a scenario: start, days, interval and timezone."""
    info = scenario.scenario
    return {
        "start": info.start,
        "days": info.days,
        "interval": info.interval,
        "timezone": info.timezone,
    }


def check_horizons(options: Mapping[str, Scenario]) -> None:
    """Raise ``HorizonMismatch`` naming each option whose horizon differs from the first's."""
    labels = list(options)
    first = horizon_of(options[labels[0]])
    mismatches = {}
    for label in labels[1:]:
        other = horizon_of(options[label])
        differs = [f"{k} {other[k]} (not {first[k]})" for k in first if other[k] != first[k]]
        if differs:
            mismatches[label] = ", ".join(differs)
    if mismatches:
        raise HorizonMismatch(labels[0], mismatches)


def per_replication(results: Results) -> pd.DataFrame:
    """One row per replication, channel and KPI: ``replication``, ``channel``, ``kpi``,
    ``value`` (units of the KPI, see ``CHANNEL_KPIS`` and ``COST_KPIS``).

    Channel KPIs are the whole-horizon figures of ``Results.replications``; labour cost is the
    sum over sites of ``Results.sites.labor_cost``, bot cost the sum over channels of
    ``Results.replications.bot_cost``, total cost their sum.
    """
    reps = results.replications
    channel_rows = reps.melt(
        id_vars=["replication", "channel"],
        value_vars=list(CHANNEL_KPIS),
        var_name="kpi",
        value_name="value",
    )
    labor = results.sites.groupby("replication")["labor_cost"].sum()
    bot = reps.groupby("replication")["bot_cost"].sum().reindex(labor.index, fill_value=0.0)
    costs = pd.DataFrame(
        {"labor_cost": labor, "bot_cost": bot, "total_cost": labor + bot}
    ).reset_index()
    cost_rows = costs.melt(
        id_vars=["replication"], value_vars=list(COST_KPIS), var_name="kpi", value_name="value"
    )
    cost_rows.insert(1, "channel", ALL)
    out = pd.concat([channel_rows, cost_rows], ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out[["replication", "channel", "kpi", "value"]]


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` and its Student-t interval, NaN ignored.

    ``mean +- t(0.5 + confidence / 2, n - 1) * sd / sqrt(n)`` with ``sd`` of ddof 1; the
    interval is NaN with fewer than two values, and zero-width when all values are equal.
    """
    finite = values[~np.isnan(values)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(finite.mean())
    if n < 2:
        return mean, math.nan, math.nan
    if np.all(finite == finite[0]):
        return mean, mean, mean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        sd = float(finite.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def _clip(low: float, high: float, lowest: float) -> tuple[float, float]:
    """An interval of a share (or of a difference of shares) clipped to [lowest, 1]."""
    return float(np.clip(low, lowest, 1.0)), float(np.clip(high, lowest, 1.0))


def paired_values(values: Mapping[str, pd.DataFrame], baseline: str) -> pd.DataFrame:
    """Per-replication values of every option with their difference from ``baseline``
    (columns ``VALUE_COLUMNS``), paired on (replication, channel, KPI)."""
    keys = ["replication", "channel", "kpi"]
    base = values[baseline].rename(columns={"value": "base"})
    frames = []
    for label, table in values.items():
        merged = table.merge(base, on=keys, how="left")
        merged["diff"] = merged["value"] - merged["base"]
        merged.insert(0, "option", label)
        frames.append(merged.drop(columns="base"))
    return pd.concat(frames, ignore_index=True)[list(VALUE_COLUMNS)]


def comparison_table(paired: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """The tidy comparison (columns ``COMPARISON_COLUMNS``) from ``paired_values`` rows.

    Rows follow the options' order, then channels in the order the simulation reports them
    (costs last), then the KPI order of ``CHANNEL_KPIS`` and ``COST_KPIS``.
    """
    rows = []
    for (option, channel, kpi), group in paired.groupby(["option", "channel", "kpi"], sort=False):
        mean, low, high = mean_ci(group["value"].to_numpy(float), confidence)
        diff, diff_low, diff_high = mean_ci(group["diff"].to_numpy(float), confidence)
        if kpi in SHARE_KPIS:
            low, high = _clip(low, high, lowest=0.0)
            diff_low, diff_high = _clip(diff_low, diff_high, lowest=-1.0)
        rows.append(
            {
                "option": option,
                "channel": channel,
                "kpi": kpi,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "diff": diff,
                "diff_ci_low": diff_low,
                "diff_ci_high": diff_high,
            }
        )
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    order = {k: i for i, k in enumerate([*CHANNEL_KPIS, *COST_KPIS])}
    options = {o: i for i, o in enumerate(dict.fromkeys(paired["option"]))}
    channels = {c: i for i, c in enumerate(dict.fromkeys(paired["channel"]))}
    channels[ALL] = len(channels)
    key = (
        table["option"].map(options) * 1_000_000
        + table["channel"].map(channels) * 1_000
        + table["kpi"].map(order)
    )
    return table.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


@dataclass(frozen=True)
class ComparisonResult:
    """Staffing options simulated on common random numbers, compared with the first one.

    ``table``: the tidy comparison, one row per option, channel and KPI, columns
    ``COMPARISON_COLUMNS`` (``option``, ``channel``, ``kpi``, ``mean``, ``ci_low``,
    ``ci_high``, ``diff``, ``diff_ci_low``, ``diff_ci_high``). KPIs and their units:
    ``service_level``, ``abandon_rate``, ``occupancy`` [share 0..1], ``asa_s`` [s] per channel;
    ``labor_cost``, ``bot_cost``, ``total_cost`` [currency of ``hourly_cost``, over the
    horizon] with ``channel = "all"``. The baseline's own rows have ``diff`` 0.
    ``values``: the per-replication values behind it, columns ``VALUE_COLUMNS``.
    ``results``: each option's full ``Results`` (interval, daily, replication and site tables).
    ``baseline``: the first option's label; ``seed``, ``replications``: what every option ran
    with; ``confidence``: the level of the intervals.
    """

    table: pd.DataFrame
    values: pd.DataFrame
    results: dict[str, Results]
    baseline: str
    seed: int
    replications: int
    confidence: float

    @property
    def options(self) -> list[str]:
        """Option labels in order, the baseline first."""
        return list(self.results)

    @property
    def differences(self) -> pd.DataFrame:
        """The rows of ``table`` for the options other than the baseline, plus
        ``significant``: True where the interval of the difference excludes 0."""
        rows = self.table[self.table["option"] != self.baseline].copy()
        rows["significant"] = (rows["diff_ci_low"] > 0) | (rows["diff_ci_high"] < 0)
        return rows.reset_index(drop=True)

    def wide(self, column: str = "mean") -> pd.DataFrame:
        """``column`` of ``table`` (e.g. ``"mean"`` or ``"diff"``) with one row per channel
        and KPI and one column per option, in the options' order."""
        order = pd.MultiIndex.from_frame(self.table[["channel", "kpi"]].drop_duplicates())
        wide = self.table.pivot(index=["channel", "kpi"], columns="option", values=column)
        wide = wide.reindex(order)
        wide.columns.name = None
        return wide[self.options]


def run_comparison(
    options: Mapping[str, Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    confidence: float = 0.95,
    executor: str = "local",
    address: str | None = None,
    on_done: Callable[[Timed], None] | None = None,
) -> ComparisonResult:
    """Simulate every option on the same seed and replications and compare them with the first.

    ``options`` maps labels to scenarios, the baseline first. ``replications`` and ``seed``
    default to the first option's ``[run]``. Raises ``HorizonMismatch`` when an option plans
    another horizon (start, days, interval, timezone) than the first, and ``ValueError`` when
    there is no option. ``on_done`` is called after each replication of each option.
    """
    if not options:
        raise ValueError("compare needs at least one option")
    check_horizons(options)
    labels = list(options)
    first = options[labels[0]]
    seed = first.run.seed if seed is None else seed
    count = first.run.replications if replications is None else replications
    results = {
        label: simulate(
            scenario,
            replications=count,
            seed=seed,
            workers=workers,
            on_done=on_done,
            confidence=confidence,
            executor=executor,
            address=address,
        )
        for label, scenario in options.items()
    }
    return compare_results(results, seed, count, confidence)


def compare_results(
    results: Mapping[str, Results], seed: int, replications: int, confidence: float = 0.95
) -> ComparisonResult:
    """The comparison of options already simulated on the same ``seed`` and ``replications``
    (the first is the baseline): what ``run_comparison`` returns for the same options, seed
    and replications, without simulating them again (``workbench headline`` compares the
    simulations the optimizer ran)."""
    labels = list(results)
    paired = paired_values({label: per_replication(r) for label, r in results.items()}, labels[0])
    return ComparisonResult(
        table=comparison_table(paired, confidence),
        values=paired,
        results=dict(results),
        baseline=labels[0],
        seed=seed,
        replications=replications,
        confidence=confidence,
    )


def write_comparison(
    comparison: ComparisonResult,
    output: Output,
    manifest: dict[str, Any],
    inputs: Mapping[str, tuple[Sources, dict[str, Any]]],
) -> Path:
    """Fill the claimed comparison folder ``output`` and put it in place.

    ``comparison.csv`` (``table``), ``paired.csv`` (``values``), ``manifest.json``
    (``manifest``), and one run folder per option, named by its label, written by
    ``simulation.runfolder.fill_run`` (``summary.json``, ``replications.csv``, ``sites.csv``,
    interval and daily tables, ``scenario.toml`` and its CSVs, its own manifest). ``inputs``
    maps each label to the bytes its files were read as and its own manifest.
    """
    fill_comparison(comparison, output.tmp, inputs)
    return output.commit(manifest)


def fill_comparison(
    comparison: ComparisonResult,
    folder: Path,
    inputs: Mapping[str, tuple[Sources, dict[str, Any]]],
) -> None:
    """Write ``comparison.csv``, ``paired.csv`` and one run folder per option into the
    existing ``folder`` (``write_comparison``, without the top manifest)."""
    comparison.table.to_csv(folder / "comparison.csv", index=False)
    comparison.values.to_csv(folder / "paired.csv", index=False)
    for label, results in comparison.results.items():
        sources, option_manifest = inputs[label]
        (folder / label).mkdir()
        fill_run(
            folder / label, results, sources.scenario, sources.inputs, manifest=option_manifest
        )


def comparison_manifests(
    comparison: ComparisonResult,
    options: Mapping[str, tuple[Sources, str]],
    common: Mapping[str, Any],
) -> tuple[dict[str, tuple[Sources, dict[str, Any]]], dict[str, Any]]:
    """The manifests of a comparison folder: per option label (``options``: label -> the bytes
    its files were read as and the input path to record), its sources and the manifest of its
    run folder; and the folder's own manifest. ``common`` (seed, replications, run record,
    ...) goes into each of them."""
    inputs: dict[str, tuple[Sources, dict[str, Any]]] = {}
    for label, (sources, path) in options.items():
        inputs[label] = (
            sources,
            {
                "scenario": comparison.results[label].summary["scenario"],
                "option": label,
                "input": path,
                "input_sha256": sources.sha256,
                **common,
                "contacts_simulated": comparison.results[label].contacts,
            },
        )
    baseline = next(iter(options))
    manifest = {
        "scenario": inputs[baseline][1]["scenario"],
        "baseline": baseline,
        "options": [
            {
                "option": label,
                "scenario": own["scenario"],
                "input": own["input"],
                "input_sha256": own["input_sha256"],
                "folder": label,
            }
            for label, (_, own) in inputs.items()
        ],
        "confidence": comparison.confidence,
        **common,
    }
    return inputs, manifest
