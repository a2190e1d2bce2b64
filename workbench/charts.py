"""Altair charts of a run's tidy tables, and the small tidy tables they need.

Every chart is a function from a results table (a pandas DataFrame with the columns of
``intervals.csv`` or of one of the helpers below) to an Altair chart, so a notebook shows it,
``workbench report`` embeds it and ``vl_convert`` turns it into a PNG. The charts hold their data
inline (``alt.InlineData``, NaN written as null): no row limit, no file next to the notebook.

Time on the x axis is the UTC instant of the interval start (``interval_start``), so a daylight
saving change neither folds nor tears the line. Two axes label it: UTC at the bottom and the
planning clock (``interval_start_local``, offsets taken from the table itself, clock changes
included) at the top, with ticks on round local hours.

Tables (all rates are shares in [0, 1], times in seconds, costs in the scenario's currency):

* ``intervals``: ``intervals.csv`` or ``Results.intervals``, columns
  ``simulation.results.INTERVAL_COLUMNS``.
* :func:`agents_on_duty`: ``site``, ``interval``, ``interval_start``, ``interval_start_local``,
  ``site_time``, ``agents``.
* :func:`agents_required`: ``channel``, ``interval``, ``interval_start``,
  ``interval_start_local``, ``required``.
* :func:`cost_table`: ``option``, ``component``, ``kind``, ``cost``.
* :func:`tradeoff_table`: ``label``, ``channel``, ``target_share``, ``target_within_s``,
  ``service_level``, ``met``, ``all_met``, ``labor_cost``, ``bot_cost``, ``total_cost`` and any
  further values given per option (e.g. ``containment``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import altair as alt
import numpy as np
import pandas as pd

from optimizer.requirements import requirements
from scenarios.schema import Scenario
from scenarios.timeline import Horizon, shift_instances

Basis = Literal["productive", "rostered"]

WIDTH = 760
"""Default width of the time-line charts [px]."""

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_TICK_STEPS_H = (1, 2, 3, 6, 12, 24, 48, 168)
_MAX_TICKS = 10
_TARGET_DASH = [6, 4]


def offline() -> None:
    """Draw charts in this notebook without network: enable the ``"workbench"`` Altair renderer
    (``workbench.offline``), which inlines the Vega JavaScript once per kernel session and
    gives every chart a static SVG picture for views that run no scripts. Altair's default
    renderer loads Vega from a CDN and fails offline. Call it once, after the imports."""
    from workbench import offline as renderer  # imports the report's HTML module lazily

    renderer.enable()


# --------------------------------------------------------------------------------------------
# small pieces
# --------------------------------------------------------------------------------------------


def _inline(frame: pd.DataFrame) -> alt.InlineData:
    """The rows of ``frame`` as inline chart data (NaN -> null, numpy -> Python scalars)."""
    clean = frame.astype(object).where(frame.notna(), None)
    records: list[dict[str, Any]] = [
        {str(key): _plain(value) for key, value in row.items()}
        for row in clean.to_dict(orient="records")
    ]
    return alt.InlineData(values=records)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}")


def _times(frame: pd.DataFrame) -> pd.DataFrame:
    """``interval_start`` as UTC ISO text and ``interval_start_local`` as ISO text."""
    out = frame.copy()
    start = out["interval_start"]
    if not pd.api.types.is_string_dtype(start) and not pd.api.types.is_object_dtype(start):
        out["interval_start"] = pd.to_datetime(start, utc=True).dt.strftime(UTC_FORMAT)
    else:
        out["interval_start"] = start.astype(str)
    out["interval_start_local"] = out["interval_start_local"].map(
        lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v)
    )
    return out


@dataclass(frozen=True)
class _Clock:
    """Ticks and the planning clock's offsets of a time line.

    ``ticks_ms``: tick instants [ms since 1970 UTC], on round local hours; ``offsets``:
    ``(from_ms, offset_ms)`` of the planning clock in force from each instant, ascending;
    ``fmt``: d3 time format of the labels.
    """

    ticks_ms: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]
    fmt: str

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Clock:
        """The clock of a table with ``interval_start`` and ``interval_start_local``."""
        pairs = frame[["interval_start", "interval_start_local"]].drop_duplicates()
        utc = pd.to_datetime(pairs["interval_start"], utc=True)
        ms = [int(t.value // 1_000_000) for t in utc]
        local = [dt.datetime.fromisoformat(str(v)) for v in pairs["interval_start_local"]]
        order = np.argsort(ms, kind="stable")
        ms = [ms[k] for k in order]
        local = [local[k] for k in order]
        offsets: list[tuple[int, int]] = []
        for instant, wall in zip(ms, local, strict=True):
            delta = wall.utcoffset()
            offset = 0 if delta is None else int(delta.total_seconds() * 1000)
            if not offsets or offsets[-1][1] != offset:
                offsets.append((instant, offset))
        span_h = (ms[-1] - ms[0]) / 3_600_000 if ms else 0.0
        step = next((s for s in _TICK_STEPS_H if span_h / s <= _MAX_TICKS), _TICK_STEPS_H[-1])
        ticks = []
        for instant, wall in zip(ms, local, strict=True):
            minutes = wall.hour * 60 + wall.minute
            if step < 24:
                keep = minutes % (step * 60) == 0
            else:
                keep = minutes == 0 and wall.toordinal() % (step // 24) == 0
            if keep:
                ticks.append(instant)
        fmt = "%a %H:%M" if span_h <= 8 * 24 else "%d %b %H:%M"
        return cls(tuple(ticks), tuple(offsets), fmt)

    def offset_expr(self, value: str) -> str:
        """Vega expression of the planning-clock offset [ms] at the instant ``value``."""
        expr = str(self.offsets[0][1]) if self.offsets else "0"
        for start, offset in self.offsets[1:]:
            expr = f"({value} >= {start} ? {offset} : {expr})"
        return expr

    @property
    def local_title(self) -> str:
        """``planning clock (UTC+03:00)``, or both offsets around a clock change."""
        names = []
        for _, offset in self.offsets:
            sign = "+" if offset >= 0 else "-"
            minutes = abs(offset) // 60_000
            name = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
            if name not in names:
                names.append(name)
        return f"planning clock ({', '.join(names) or 'UTC'})"

    def utc_x(self, axis: bool = True, title: str = "UTC") -> alt.X:
        """The x encoding on ``interval_start``; with the UTC axis at the bottom if ``axis``."""
        return alt.X(
            "interval_start:T",
            scale=alt.Scale(type="utc"),
            axis=alt.Axis(
                values=list(self.ticks_ms),
                labelExpr=f"utcFormat(time(datum.value), '{self.fmt}')",
                labelAngle=0,
                labelOverlap=True,
                title=title,
                orient="bottom",
            )
            if axis
            else None,
        )

    def local_axis_layer(self) -> alt.Chart:
        """An invisible layer that draws the planning-clock axis on top."""
        ticks = pd.DataFrame(
            {"interval_start": [pd.Timestamp(t, unit="ms", tz="UTC") for t in self.ticks_ms]}
        )
        ticks["interval_start"] = ticks["interval_start"].dt.strftime(UTC_FORMAT)
        value = "time(datum.value)"
        return (
            alt.Chart(_inline(ticks))
            .mark_rule(opacity=0)
            .encode(
                x=alt.X(
                    "interval_start:T",
                    scale=alt.Scale(type="utc"),
                    axis=alt.Axis(
                        values=list(self.ticks_ms),
                        labelExpr=f"utcFormat({value} + {self.offset_expr(value)}, '{self.fmt}')",
                        labelAngle=0,
                        labelOverlap=True,
                        title=self.local_title,
                        orient="top",
                    ),
                )
            )
        )


def _time_tooltips() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("interval_start_local:N", title="start (planning clock)"),
        alt.Tooltip("interval_start:N", title="start (UTC)"),
    ]


def duration_text(seconds: float) -> str:
    """A duration as a planner writes it: ``20 s``, ``3 min``, ``1 h 30 min``, ``24 h``."""
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" + (f" {rest} min" if rest else "")


# --------------------------------------------------------------------------------------------
# tables for the charts
# --------------------------------------------------------------------------------------------


def targets(summary: Mapping[str, Any]) -> dict[str, float]:
    """Target share of every line of a ``summary.json`` dictionary (channel -> share in [0, 1])."""
    return {name: float(kpi["target"]["share"]) for name, kpi in summary["channels"].items()}


def with_targets(intervals: pd.DataFrame, summary_or_targets: Mapping[str, Any]) -> pd.DataFrame:
    """``intervals`` plus a ``target`` column (the channel's target share, in [0, 1]).

    ``summary_or_targets``: a ``summary.json`` dictionary, or a mapping channel -> share.
    Lines without a target get NaN.
    """
    shares = (
        targets(summary_or_targets)
        if "channels" in summary_or_targets
        else {str(k): float(v) for k, v in summary_or_targets.items()}
    )
    out = intervals.copy()
    out["target"] = out["channel"].map(shares).astype(float)
    return out


def _spread(
    out: np.ndarray, begin: float, end: float, weight: float, step: float, length: float
) -> None:
    """Add ``weight`` x the seconds of ``[begin, end)`` falling in each interval of ``out``.

    The time line wraps at ``length`` [s] (cyclic horizon), intervals are ``step`` [s] long
    (the last one may be shorter).
    """
    while begin < end:
        base = math.floor(begin / length) * length
        low, high = begin - base, min(end - base, length)
        for k in range(int(low // step), min(math.ceil(high / step), len(out))):
            overlap = min(high, (k + 1) * step, length) - max(low, k * step)
            if overlap > 0:
                out[k] += weight * overlap
        begin = base + high


def agents_on_duty(scenario: Scenario, basis: Basis = "productive") -> pd.DataFrame:
    """Agents of the scenario's roster on duty per site and interval (the plan, not a simulation).

    Computed from the roster's shift instances (``scenarios.timeline.shift_instances``, the
    same ones the engine runs, on the cyclic horizon) rather than from ``sites.csv``, which
    only holds whole-horizon hours per site. ``agents`` is the mean number over the interval:

    * ``basis="productive"``: agents on shift and not on a planned break, times
      ``(1 - absenteeism)(1 - offline_share)`` of the site: the expected productive agents,
      comparable with the ``agents`` column of ``optimizer.requirements`` and with the
      simulated ``agents_on_duty`` of ``intervals.csv`` (which moves a break to the end of
      the contact in hand and adds overtime);
    * ``basis="rostered"``: every rostered agent from shift start to end, breaks included,
      nobody absent: comparable with the ``scheduled`` column of the requirements.

    Columns: ``site``, ``interval`` (0..n-1), ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local`` (planning clock, ISO 8601 with offset), ``site_time`` (the site's
    wall clock, ``YYYY-MM-DD HH:MM``), ``agents`` [agents].
    """
    horizon = Horizon.of(scenario)
    n, step, length = horizon.n_intervals, float(horizon.interval_s), horizon.length_s
    starts = np.arange(n) * step
    seconds = np.minimum(starts + step, length) - starts
    cover = {site.name: np.zeros(n) for site in scenario.sites}
    for instance in shift_instances(scenario, horizon):
        site = scenario.sites[instance.site]
        weight = float(instance.agents)
        pieces = [(instance.start_s, instance.end_s)]
        if basis == "productive":
            weight *= (1.0 - site.absenteeism) * (1.0 - site.offline_share)
            pieces = _without_breaks(instance.start_s, instance.end_s, instance.breaks)
        for begin, end in pieces:
            _spread(cover[site.name], begin, end, weight, step, length)
    utc = horizon.interval_starts_utc
    local = [t.isoformat() for t in horizon.interval_starts_local]
    frames = [
        pd.DataFrame(
            {
                "site": site.name,
                "interval": np.arange(n, dtype=np.int64),
                "interval_start": utc.strftime(UTC_FORMAT),
                "interval_start_local": local,
                "site_time": utc.tz_convert(site.timezone).strftime("%Y-%m-%d %H:%M"),
                "agents": cover[site.name] / seconds,
            }
        )
        for site in scenario.sites
    ]
    return pd.concat(frames, ignore_index=True)


def _without_breaks(
    start: float, end: float, breaks: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``[start, end)`` minus the planned breaks ``(after_s, length_s)`` from the start."""
    pieces = []
    cursor = start
    for after, length in sorted(breaks):
        b0, b1 = min(max(start + after, cursor), end), min(start + after + length, end)
        if b0 > cursor:
            pieces.append((cursor, b0))
        cursor = max(cursor, b1)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def _at_simulated_bot_levels(scenario: Scenario) -> Scenario:
    """The scenario with each bot's ``options`` narrowed to its simulated ``containment``."""
    channels = []
    for channel in scenario.channels:
        bot = channel.bot
        if bot is not None:
            bot = bot.model_copy(update={"options": (bot.containment,)})
        channels.append(channel.model_copy(update={"bot": bot}))
    return scenario.model_copy(update={"channels": tuple(channels)})


def agents_required(scenario: Scenario, basis: Basis = "productive") -> pd.DataFrame:
    """Agents required per channel and interval at the scenario's bot levels (analytic).

    From ``optimizer.requirements.requirements`` (Erlang A/C, chat concurrency, async backlog;
    see its docstring), summed over the customer-language groups of each channel, with every
    bot at its simulated ``containment``:

    * ``basis="productive"``: the ``agents`` column, productive agents needed;
    * ``basis="rostered"``: the ``scheduled`` column, grossed up for absenteeism, offline share
      and breaks (groups no site serves count 0).

    Columns: ``channel``, ``interval``, ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local`` (planning clock), ``required`` [agents].
    """
    horizon = Horizon.of(scenario)
    table = requirements(_at_simulated_bot_levels(scenario), horizon).table
    column = "agents" if basis == "productive" else "scheduled"
    summed = (
        table.groupby(["channel", "interval"], sort=False)[column]
        .sum(min_count=1)
        .fillna(0.0)
        .rename("required")
        .reset_index()
    )
    utc = horizon.interval_starts_utc.strftime(UTC_FORMAT)
    local = [t.isoformat() for t in horizon.interval_starts_local]
    index = summed["interval"].to_numpy(dtype=np.int64)
    summed["interval_start"] = np.asarray(utc)[index]
    summed["interval_start_local"] = np.asarray(local, dtype=object)[index]
    return summed[["channel", "interval", "interval_start", "interval_start_local", "required"]]


Run = tuple[str, Mapping[str, Any]] | tuple[str, Mapping[str, Any], Mapping[str, Any]]
"""An option to compare: ``(label, summary)`` or ``(label, summary, values)``; ``values`` adds
columns such as ``{"containment": 0.3}`` to the :func:`tradeoff_table` row."""


def cost_table(runs: Iterable[Run]) -> pd.DataFrame:
    """Cost by component of each option, from ``(label, summary)`` pairs (summary.json dicts).

    One row per option and component: labour of each site (``summary["sites"][s]["cost"]``)
    and the bot (``summary["cost"]["bot"]``). Columns: ``option`` (the label), ``component``
    (``labour <site>`` or ``bot``), ``kind`` (``labour`` or ``bot``), ``cost`` (mean over
    replications, the scenario's currency).
    """
    rows = []
    for run in runs:
        label, summary = run[0], run[1]
        for site, figures in summary["sites"].items():
            rows.append(
                {
                    "option": label,
                    "component": f"labour {site}",
                    "kind": "labour",
                    "cost": float(figures["cost"]),
                }
            )
        rows.append(
            {
                "option": label,
                "component": "bot",
                "kind": "bot",
                "cost": float(summary["cost"]["bot"]),
            }
        )
    return pd.DataFrame(rows, columns=["option", "component", "kind", "cost"])


def tradeoff_table(runs: Iterable[Run], channel: str | None = None) -> pd.DataFrame:
    """One row per option, for :func:`tradeoff_chart`.

    ``runs``: ``(label, summary)`` or ``(label, summary, values)`` with ``summary`` a
    ``summary.json`` dictionary (from a sweep, repeated optimize runs or ``compare``) and
    ``values`` further columns, e.g. ``{"containment": 0.3}`` (the summary does not hold bot
    levels). ``channel`` picks the line whose target and service level are reported (default:
    the first channel of the first summary).

    Columns: ``label``, ``channel``, ``target_share`` [share], ``target_within_s`` [s],
    ``service_level`` [share, whole horizon], ``met`` (that channel), ``all_met`` (every line),
    ``labor_cost``, ``bot_cost``, ``total_cost`` (currency), then the ``values`` keys.
    """
    rows = []
    for run in runs:
        label, summary = run[0], run[1]
        values: Mapping[str, Any] = run[2] if len(run) > 2 else {}
        name = channel if channel is not None else next(iter(summary["channels"]))
        if name not in summary["channels"]:
            raise ValueError(f"option {label!r} has no channel {name!r}")
        kpi = summary["channels"][name]
        row: dict[str, Any] = {
            "label": label,
            "channel": name,
            "target_share": float(kpi["target"]["share"]),
            "target_within_s": float(kpi["target"]["within_s"]),
            "service_level": kpi["service_level"]["mean"],
            "met": bool(kpi["met"]),
            "all_met": all(bool(k["met"]) for k in summary["channels"].values()),
            "labor_cost": float(summary["cost"]["labor"]),
            "bot_cost": float(summary["cost"]["bot"]),
            "total_cost": float(summary["cost"]["total"]),
        }
        row.update(values)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------

SL_COLUMNS = (
    "interval_start",
    "interval_start_local",
    "channel",
    "offered",
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
)


def service_level_chart(
    intervals: pd.DataFrame,
    channel: str | None = None,
    targets: Mapping[str, float] | None = None,
) -> alt.LayerChart:
    """Service level by interval with its 95 % confidence band and the target line.

    ``intervals``: ``intervals.csv`` columns ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local``, ``channel``, ``offered`` [contacts], ``service_level`` and
    ``service_level_ci_low``/``_high`` [share in 0..1; empty when nothing was offered].
    ``channel``: one line (default: every line in the table, one colour each).
    ``targets``: channel -> target share [0..1]; default: the table's ``target`` column (add it
    with :func:`with_targets` from ``summary.json``).

    Layers: an area between the CI ends (``y``/``y2``), the mean line, a dashed rule per channel
    at its target share, and an invisible layer carrying the planning-clock axis on top. The
    line breaks where nothing was offered.
    """
    _require(intervals, SL_COLUMNS, "service_level_chart")
    frame = intervals if channel is None else intervals[intervals["channel"] == channel]
    if frame.empty:
        raise ValueError(f"service_level_chart: no rows for channel {channel!r}")
    if targets is None:
        if "target" not in frame.columns:
            raise ValueError(
                "service_level_chart needs targets: pass targets={channel: share} or add a "
                "target column with with_targets(intervals, summary)"
            )
        rule = frame.groupby("channel", sort=False)["target"].first().dropna()
    else:
        rule = pd.Series({c: targets[c] for c in frame["channel"].unique() if c in targets})
    rule_frame = pd.DataFrame({"channel": rule.index.astype(str), "target": rule.to_numpy(float)})
    data = _times(frame[list(SL_COLUMNS)])
    clock = _Clock.of(data)
    base = alt.Chart(_inline(data))
    names = list(dict.fromkeys(data["channel"]))
    color = alt.Color(
        "channel:N",
        title="channel",
        scale=alt.Scale(domain=names),
        legend=alt.Legend() if len(names) > 1 else None,
    )
    y_title = "service level"
    percent = alt.Axis(format="%", title=y_title)
    tooltip = [
        alt.Tooltip("channel:N"),
        *_time_tooltips(),
        alt.Tooltip("service_level:Q", title="service level", format=".1%"),
        alt.Tooltip("service_level_ci_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip("service_level_ci_high:Q", title="95% CI high", format=".1%"),
        alt.Tooltip("offered:Q", title="offered (mean)", format=".1f"),
    ]
    band = base.mark_area(opacity=0.25, invalid="break-paths-show-domains").encode(
        x=clock.utc_x(),
        y=alt.Y("service_level_ci_low:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
        y2=alt.Y2("service_level_ci_high:Q"),
        color=color,
    )
    line = base.mark_line(
        point=alt.OverlayMarkDef(size=12), invalid="break-paths-show-domains"
    ).encode(
        x=clock.utc_x(axis=False),
        y=alt.Y("service_level:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
        color=color,
        tooltip=tooltip,
    )
    target = (
        alt.Chart(_inline(rule_frame))
        .mark_rule(strokeDash=_TARGET_DASH, strokeWidth=1.5)
        .encode(
            y=alt.Y("target:Q", scale=alt.Scale(domain=[0, 1]), axis=percent),
            color=color,
            tooltip=[alt.Tooltip("channel:N"), alt.Tooltip("target:Q", format=".0%")],
        )
    )
    title = "service level by interval" + (f": {channel}" if channel else "")
    return (
        alt.layer(band, line, target, clock.local_axis_layer())
        .resolve_axis(x="independent")
        .properties(
            width=WIDTH,
            height=220,
            title=alt.Title(title, subtitle="mean over replications, 95 % band; dashed: target"),
        )
    )


_HEAT: dict[str, tuple[str, str, str | None, str]] = {
    # value: (title, aggregation over the intervals of one local hour, weight, d3 format)
    "service_level": ("service level", "weighted", "offered", ".0%"),
    "backlog_end": ("backlog [contacts]", "last", None, ".1f"),
    "abandon_rate": ("abandon rate", "weighted", "offered", ".0%"),
    "occupancy": ("occupancy", "weighted", "agents_on_duty", ".0%"),
    "asa_s": ("mean wait to answer [s]", "weighted", "answered", ".0f"),
    "offered": ("offered [contacts]", "sum", None, ".1f"),
    "agents_on_duty": ("agents on duty", "mean", None, ".1f"),
}


def heatmap_table(
    intervals: pd.DataFrame, value: str = "service_level", channel: str | None = None
) -> pd.DataFrame:
    """Day-by-hour cells of one KPI, on the planning clock (the data of :func:`heatmap_chart`).

    Day and hour come from ``interval_start_local``. The intervals of one local hour are
    combined as follows: ``service_level`` and ``abandon_rate`` weighted by ``offered``,
    ``asa_s`` by ``answered``, ``occupancy`` by ``agents_on_duty``; ``backlog_end`` is the last
    interval's (the stock at the end of the hour); ``offered`` is summed; ``agents_on_duty``
    averaged. A repeated hour (clock going back) is one cell; a skipped hour has none.

    Columns: ``channel``, ``date`` (ISO local date), ``day`` (``Mon 2026-06-01``), ``hour``
    (0..23, local), ``intervals`` (how many were combined), ``<value>``.
    """
    if value not in _HEAT:
        raise ValueError(f"heatmap value must be one of {', '.join(_HEAT)}, got {value!r}")
    _, how, weight, _ = _HEAT[value]
    needed = ["interval_start", "interval_start_local", "channel", value]
    if weight is not None:
        needed.append(weight)
    _require(intervals, needed, "heatmap_chart")
    frame = intervals if channel is None else intervals[intervals["channel"] == channel]
    if frame.empty:
        raise ValueError(f"heatmap_chart: no rows for channel {channel!r}")
    frame = _times(frame)
    local = frame["interval_start_local"].astype(str)
    work = pd.DataFrame(
        {
            "channel": frame["channel"].to_numpy(),
            "date": local.str.slice(0, 10).to_numpy(),
            "hour": local.str.slice(11, 13).astype(int).to_numpy(),
            "order": pd.to_datetime(frame["interval_start"], utc=True).to_numpy(),
            "value": frame[value].to_numpy(dtype=float),
            "weight": frame[weight].to_numpy(dtype=float) if weight else 1.0,
        }
    ).sort_values("order", kind="stable")
    rows = []
    for (name, date, hour), cell in work.groupby(["channel", "date", "hour"], sort=False):
        values, weights = cell["value"].to_numpy(), cell["weight"].to_numpy()
        known = ~np.isnan(values)
        if how == "last":
            result = values[-1]
        elif how == "sum":
            result = float(np.nansum(values))
        elif how == "mean":
            result = float(np.nanmean(values)) if known.any() else math.nan
        else:
            total = weights[known].sum()
            result = float(np.dot(values[known], weights[known]) / total) if total > 0 else math.nan
        day = dt.date.fromisoformat(str(date))
        rows.append(
            {
                "channel": name,
                "date": date,
                "day": f"{day:%a} {date}",
                "hour": int(cast(int, hour)),
                "intervals": len(cell),
                value: result,
            }
        )
    order = {name: k for k, name in enumerate(dict.fromkeys(frame["channel"]))}
    table = pd.DataFrame(rows)
    table["rank"] = table["channel"].map(order)
    table = table.sort_values(["rank", "date", "hour"], ignore_index=True)
    return table.drop(columns="rank")


def heatmap_chart(
    intervals: pd.DataFrame, value: str = "service_level", channel: str | None = None
) -> alt.Chart:
    """Day-by-hour heatmap of a KPI (default service level; ``"backlog_end"`` for backlog).

    ``intervals``: ``intervals.csv`` columns (``interval_start``, ``interval_start_local``,
    ``channel``, the value and its weight, see :func:`heatmap_table`). Rows: local days of the
    planning clock; columns: local hour (0..23); colour: the value (service level on a fixed
    0..100 % red-to-green scale, backlog in contacts from 0). ``channel``: one line, or every
    line as a row of panels (counts such as the backlog get a colour scale per panel, and lines
    that are 0 throughout are named in the subtitle instead of drawn; shares share one scale).
    Hours where the value is undefined (nothing offered) stay blank.
    """
    table = heatmap_table(intervals, value, channel)
    title, _, _, fmt = _HEAT[value]
    shares = value in ("service_level", "abandon_rate", "occupancy")
    subtitle: list[str] = []
    if not shares and channel is None:
        # a panel of zeros would get a degenerate colour scale: name those lines instead
        flat = table.groupby("channel", sort=False)[value].apply(
            lambda v: bool((v.fillna(0) == 0).all())
        )
        zero = [str(c) for c, is_zero in flat.items() if is_zero]
        if zero and len(zero) < len(flat):
            table = table[~table["channel"].isin(zero)]
            subtitle = [f"always 0: {', '.join(zero)}"]
    days = list(dict.fromkeys(table.sort_values("date")["day"]))
    if shares:
        scale = alt.Scale(
            domain=[0, 1],
            scheme=alt.SchemeParams("redyellowgreen" if value == "service_level" else "orangered"),
        )
        legend = alt.Legend(format="%", title=title)
    else:
        scale = alt.Scale(
            domainMin=0, scheme=alt.SchemeParams("orangered" if value == "backlog_end" else "blues")
        )
        legend = alt.Legend(title=title)
    encoding: dict[str, Any] = {
        "x": alt.X("hour:O", title="hour of day (planning clock)", axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("day:O", sort=days, title=None),
        "color": alt.Color(f"{value}:Q", scale=scale, legend=legend),
        "tooltip": [
            alt.Tooltip("channel:N"),
            alt.Tooltip("day:N"),
            alt.Tooltip("hour:O", title="hour (planning clock)"),
            alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            alt.Tooltip("intervals:Q", title="intervals combined"),
        ],
    }
    faceted = channel is None and table["channel"].nunique() > 1
    if faceted:
        encoding["row"] = alt.Row("channel:N", title=None, sort=list(dict.fromkeys(table.channel)))
    name = f": {channel}" if channel else ""
    chart = (
        alt.Chart(_inline(table))
        .mark_rect()
        .encode(**encoding)
        .properties(
            width=24 * 22,
            title=alt.Title(f"{title} by day and hour{name}", subtitle=subtitle),
        )
    )
    if faceted and not shares:
        chart = chart.resolve_scale(color="independent")  # counts differ by channel
    return chart


def _close_steps(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """``frame`` plus, per ``series``, a row at the end of its last interval with the same
    ``value``, so that a step-after line or area also draws the last interval."""
    starts = pd.to_datetime(frame["interval_start"], utc=True)
    distinct = starts.drop_duplicates().sort_values()
    if len(distinct) < 2:
        return frame
    step = distinct.iloc[-1] - distinct.iloc[-2]
    rows = frame.loc[starts.groupby(frame["series"]).idxmax()].copy()
    rows["interval_start"] = (starts[rows.index] + step).dt.strftime(UTC_FORMAT).to_numpy()
    rows["interval_start_local"] = [
        (dt.datetime.fromisoformat(str(v)) + step.to_pytimedelta()).isoformat()
        for v in rows["interval_start_local"]
    ]
    if "site_time" in rows.columns:
        rows["site_time"] = [
            (dt.datetime.fromisoformat(str(v)) + step.to_pytimedelta()).strftime("%Y-%m-%d %H:%M")
            if v
            else v
            for v in rows["site_time"]
        ]
    return pd.concat([frame, rows], ignore_index=True)


def staffing_chart(
    on_duty: pd.DataFrame, required: pd.DataFrame, width: int = WIDTH
) -> alt.LayerChart:
    """Agents on duty by site (stacked areas) against the agents required (dashed line).

    ``on_duty``: :func:`agents_on_duty` (``site``, ``interval_start``,
    ``interval_start_local``, ``site_time``, ``agents`` [agents]). ``required``:
    :func:`agents_required` (``channel``, ``interval_start``, ``interval_start_local``,
    ``required`` [agents]), summed here over its channels: with agents who hold several skills
    that sum is what separate teams would need, an upper bound on what a pooled team needs.
    Use the same ``basis`` for both tables. The x axis is labelled in UTC (bottom) and on the
    planning clock (top); the tooltip adds each site's own wall clock. Values are steps over
    their interval, so each series gets one closing row at the end of the last interval.
    """
    _require(
        on_duty,
        ("site", "interval_start", "interval_start_local", "agents"),
        "staffing_chart (on_duty)",
    )
    _require(
        required,
        ("interval_start", "interval_start_local", "required"),
        "staffing_chart (required)",
    )
    duty = _times(on_duty)
    if "site_time" not in duty.columns:
        duty["site_time"] = ""
    duty = duty[["site", "interval_start", "interval_start_local", "site_time", "agents"]]
    need = (
        _times(required)
        .groupby(["interval_start", "interval_start_local"], sort=False)["required"]
        .sum()
        .reset_index()
    )
    need["series"] = "required (all channels)"
    duty = _close_steps(duty.assign(series=duty["site"]), "agents")
    need = _close_steps(need, "required")
    clock = _Clock.of(pd.concat([duty, need], ignore_index=True))
    sites = list(dict.fromkeys(duty["site"]))
    palette = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#eeca3b", "#9d755d", "#72b7b2"]
    color = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(
            domain=[*sites, "required (all channels)"],
            range=[*(palette[k % len(palette)] for k in range(len(sites))), "#222222"],
        ),
    )
    y_title = "agents"
    area = (
        alt.Chart(_inline(duty))
        .mark_area(interpolate="step-after", opacity=0.75)
        .encode(
            x=clock.utc_x(),
            y=alt.Y("agents:Q", stack="zero", title=y_title),
            color=color,
            order=alt.Order("site:N"),
            tooltip=[
                alt.Tooltip("site:N"),
                *_time_tooltips(),
                alt.Tooltip("site_time:N", title="site clock"),
                alt.Tooltip("agents:Q", title="agents on duty", format=".1f"),
            ],
        )
    )
    line = (
        alt.Chart(_inline(need))
        .mark_line(interpolate="step-after", strokeDash=_TARGET_DASH, strokeWidth=1.5)
        .encode(
            x=clock.utc_x(axis=False),
            y=alt.Y("required:Q", title=y_title),
            color=color,
            tooltip=[
                *_time_tooltips(),
                alt.Tooltip("required:Q", title="agents required", format=".1f"),
            ],
        )
    )
    return (
        alt.layer(area, line, clock.local_axis_layer())
        .resolve_axis(x="independent")
        .properties(
            width=width,
            height=240,
            title=alt.Title(
                "agents on duty by site against agents required",
                subtitle="areas: roster, stacked by site; dashed: required (analytic)",
            ),
        )
    )


def _comparison_costs(table: pd.DataFrame) -> pd.DataFrame:
    """A ``workbench compare`` table (``option``, ``kpi``, ``mean``) as a cost table."""
    names = {"labor_cost": ("labour", "labour"), "bot_cost": ("bot", "bot")}
    rows = table[table["kpi"].isin(list(names))]
    return pd.DataFrame(
        {
            "option": rows["option"].to_numpy(),
            "component": [names[k][0] for k in rows["kpi"]],
            "kind": [names[k][1] for k in rows["kpi"]],
            "cost": rows["mean"].to_numpy(dtype=float),
        }
    )


def cost_chart(costs: pd.DataFrame | Mapping[str, Any] | Sequence[Run]) -> alt.Chart:
    """Cost by component as stacked bars, one bar per option.

    ``costs`` is one of:

    * a :func:`cost_table` (``option``, ``component``, ``cost`` [currency]): labour of each
      site and the bot, for each option;
    * a ``workbench compare`` table (``option``, ``kpi``, ``mean``): its ``labor_cost`` and
      ``bot_cost`` rows (labour is not split by site there);
    * ``(label, summary)`` pairs, passed to :func:`cost_table`;
    * one ``summary.json`` dictionary: one bar, labelled with the scenario name.

    Bars keep the options' order; costs are means over replications over the whole horizon.
    """
    if isinstance(costs, pd.DataFrame):
        table = costs if "component" in costs.columns else _comparison_costs(costs)
    elif isinstance(costs, Mapping):
        table = cost_table([(str(costs.get("scenario", "run")), costs)])
    else:
        table = cost_table(costs)
    _require(table, ("option", "component", "cost"), "cost_chart")
    table = table[["option", "component", "cost"]]
    options = list(dict.fromkeys(table["option"]))
    components = list(dict.fromkeys(table["component"]))
    return (
        alt.Chart(_inline(table))
        .mark_bar()
        .encode(
            x=alt.X("option:N", sort=options, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cost:Q", stack="zero", title="cost over the horizon"),
            color=alt.Color("component:N", sort=components, title="component"),
            order=alt.Order("component:N"),
            tooltip=[
                alt.Tooltip("option:N"),
                alt.Tooltip("component:N"),
                alt.Tooltip("cost:Q", format=",.0f"),
            ],
        )
        .properties(width=max(120, 90 * len(options)), height=260, title="cost by component")
    )


_AXIS_TITLES = {
    "containment": "bot containment",
    "target_share": "service-level target",
    "total_cost": "total cost",
    "labor_cost": "labour cost",
    "bot_cost": "bot cost",
}


def tradeoff_chart(
    table: pd.DataFrame,
    x: str = "containment",
    y: str | Sequence[str] = "total_cost",
) -> alt.LayerChart:
    """Cost against an option's parameter: a line through the options, one point each.

    ``table``: one row per option (:func:`tradeoff_table`, or a sweep's tidy table) with the
    column ``x`` (``"containment"`` or ``"target_share"``, shares in 0..1; any numeric column
    works) and the cost column(s) ``y`` [currency]. Several ``y`` columns (e.g.
    ``["labor_cost", "bot_cost", "total_cost"]``) become one coloured line each, which shows
    labour falling and bot cost rising with containment. Rows are drawn in ``x`` order; the
    tooltip shows the option's ``label`` and, if present, ``service_level`` and ``all_met``.
    """
    measures = [y] if isinstance(y, str) else list(y)
    _require(table, [x, *measures], "tradeoff_chart")
    extra = [c for c in ("label", "service_level", "all_met") if c in table.columns]
    long = table[[x, *measures, *extra]].melt(
        id_vars=[x, *extra], value_vars=measures, var_name="measure", value_name="cost"
    )
    long["measure"] = long["measure"].map(lambda m: _AXIS_TITLES.get(m, m))
    long = long.sort_values(x, kind="stable")
    share = x in ("containment", "target_share")
    x_enc = alt.X(
        f"{x}:Q",
        title=_AXIS_TITLES.get(x, x),
        axis=alt.Axis(format="%") if share else alt.Axis(),
        scale=alt.Scale(zero=False),
    )
    tooltip = [alt.Tooltip("label:N")] if "label" in extra else []
    tooltip += [
        alt.Tooltip(f"{x}:Q", title=_AXIS_TITLES.get(x, x), format=".0%" if share else ",.2f"),
        alt.Tooltip("measure:N"),
        alt.Tooltip("cost:Q", format=",.0f"),
    ]
    if "service_level" in extra:
        tooltip.append(alt.Tooltip("service_level:Q", format=".1%"))
    if "all_met" in extra:
        tooltip.append(alt.Tooltip("all_met:N", title="every target met"))
    names = list(dict.fromkeys(long["measure"]))
    color = alt.Color("measure:N", sort=names, title=None)
    base = alt.Chart(_inline(long)).encode(
        x=x_enc,
        y=alt.Y("cost:Q", title="cost over the horizon", scale=alt.Scale(zero=False)),
        color=color,
    )
    title = f"cost against {_AXIS_TITLES.get(x, x)}"
    return alt.LayerChart(
        layer=[base.mark_line(), base.mark_point(filled=True, size=60).encode(tooltip=tooltip)]
    ).properties(width=420, height=260, title=title)


def plan_table(plan: Mapping[str, Any]) -> pd.DataFrame:
    """The rosters compared in ``plan.json``: hand roster, analytic plan, corrected plan and
    the verified plan (fresh seed; the corrected plan's roster, so its cost).

    Columns: ``plan``, ``cost`` [currency, the plan's expected cost], ``cells_short`` (cells
    failing the one-sided test), ``missed_share`` [share of judged cells; NaN for the verified
    plan, whose test controls the false discovery rate instead].
    """
    labels = {
        "hand_roster": "hand roster",
        "first_round": "first round (model alone)",
        "corrected_plan": "corrected by simulation",
    }
    rows = []
    for key, label in labels.items():
        entry = plan.get("comparison", {}).get(key)
        if entry:
            rows.append(
                {
                    "plan": label,
                    "cost": float(entry["cost"]),
                    "cells_short": int(entry["cells_short"]),
                    "missed_share": float(entry["missed_share"]),
                }
            )
    verification = plan.get("verification")
    if verification:
        judged = verification.get("cells_judged")
        rows.append(
            {
                "plan": "verified (fresh seed)",
                "cost": float(verification["cost"]),
                "cells_short": int(verification["cells_short"]),
                "missed_share": verification["cells_short"] / judged if judged else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["plan", "cost", "cells_short", "missed_share"])


def plan_chart(plan: Mapping[str, Any]) -> alt.LayerChart:
    """Cost of the rosters ``workbench optimize`` compared (a ``plan.json`` dictionary), each
    bar labelled with the cells that miss their target; see :func:`plan_table`."""
    table = plan_table(plan)
    table["label"] = [
        f"{n} cells short" + ("" if math.isnan(s) else f" ({s:.0%})")
        for n, s in zip(table["cells_short"], table["missed_share"], strict=True)
    ]
    order = list(table["plan"])
    base = alt.Chart(_inline(table)).encode(
        y=alt.Y("plan:N", sort=order, title=None),
        x=alt.X("cost:Q", title="expected cost over the horizon"),
        tooltip=[
            alt.Tooltip("plan:N"),
            alt.Tooltip("cost:Q", format=",.0f"),
            alt.Tooltip("cells_short:Q", title="cells short"),
            alt.Tooltip("missed_share:Q", title="share of cells missed", format=".1%"),
        ],
    )
    bars = base.mark_bar(color="#4c78a8")
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return alt.LayerChart(layer=[bars, text]).properties(
        width=460, height=30 * max(1, len(order)), title="rosters compared"
    )


def forecast_chart(daily: pd.DataFrame) -> alt.FacetChart:
    """Daily totals per channel of a forecast (``api.forecast(...).daily``): the last weeks of
    history, the forecast and its 80 % band [contacts a day], as in ``forecast.html``."""
    from workbench.forecast_chart import forecast_chart as chart

    return chart(daily)
