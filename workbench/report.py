"""``workbench report DIR``: one self-contained HTML page of a run folder, and a PNG per chart.

The page (``DIR/report.html``) holds the KPI table of ``summary.json``, the charts of
:mod:`workbench.charts` (service level per channel, day-by-hour heatmaps of service level and
backlog, agents on duty against agents required, cost; the plans compared when ``plan.json`` is
there) and the scenario as run. The Vega, Vega-Lite and Vega-Embed libraries are inlined (the
bundle of ``vl_convert.javascript_bundle``) and every chart's data is inline: the file opens
offline, from a mail attachment or a file share. Each chart is also written to
``DIR/charts/<name>.png`` by ``vl_convert.vegalite_to_png`` (no browser needed).

After drawing, the page's script marks every chart element with ``data-rendered="true"`` and
the drawn SVG's size and number of marks, and sums them up in ``#render-status``; the tests
read them back from headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from scenarios.loader import load
from scenarios.problems import ScenarioError
from simulation.output import OutputError, write_file_atomic
from workbench import charts, plan_charts

REQUIRED_FILES = ("summary.json", "intervals.csv")
"""Files without which a folder is not a run folder."""

PNG_SCALE = 2.0
"""Pixel density of the PNG export (2 = sharp on high-resolution screens and in print)."""


class ReportError(Exception):
    """The folder is missing, is not a run folder, or holds a file that cannot be read."""


@dataclass(frozen=True)
class RunFolder:
    """What the report reads from a run folder (SPEC sections 4 and 5).

    ``summary``, ``manifest`` and ``plan`` are the JSON documents (``manifest`` empty and
    ``plan`` None when absent); ``intervals`` is ``intervals.csv``; ``scenario_text`` and
    ``optimized_text`` the scenario as run and, after ``optimize``, ``optimized.toml``.
    """

    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    intervals: pd.DataFrame
    scenario_text: str | None
    optimized_text: str | None
    plan: dict[str, Any] | None
    requirements: pd.DataFrame | None = None
    """``requirements.csv`` of an optimize folder (None when absent)."""
    costs: pd.DataFrame | None = None
    """``costs.csv`` of an optimize folder (None when absent)."""

    @property
    def roster_file(self) -> Path | None:
        """The scenario whose roster was simulated: ``optimized.toml`` after ``optimize``."""
        for name in ("optimized.toml", "scenario.toml"):
            if (self.path / name).is_file():
                return self.path / name
        return None


MAX_JSON_BYTES = 64 << 20
"""Largest JSON file of a run folder read [bytes] (a year of intervals stays far below)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (JSON has no NaN or Infinity)")


def _json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, strictly: no NaN or Infinity (which Python's ``json`` would
    accept), a regular file of at most ``MAX_JSON_BYTES``; else ``ReportError`` naming it."""
    try:
        size = path.stat().st_size
        if not path.is_file() or size > MAX_JSON_BYTES:
            raise ReportError(
                f"{path.name} is not a regular file of at most {MAX_JSON_BYTES:,} bytes"
            )
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ReportError(f"{path.name} cannot be read: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise ReportError(f"{path.name} cannot be read: {reason}") from None
    if not isinstance(document, dict):
        raise ReportError(f"{path.name} is not a JSON object")
    return document


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))  # 1e999 reads as inf, a 400-digit int overflows
    except OverflowError:
        return False


_KINDS: dict[str, Callable[[Any], bool]] = {
    "a number": _finite_number,
    "a number or null": lambda v: v is None or _finite_number(v),
    "a whole number": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "a whole number or null": lambda v: v is None or (isinstance(v, int) and type(v) is not bool),
    "true or false": lambda v: isinstance(v, bool),
    "a string": lambda v: isinstance(v, str),
    "an object": lambda v: isinstance(v, dict),
    "a list": lambda v: isinstance(v, list),
    "a list of strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "an object of strings": lambda v: (
        isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
    ),
    "an object of numbers": lambda v: (
        isinstance(v, dict) and all(_finite_number(x) for x in v.values())
    ),
    "two numbers or nulls": lambda v: (
        isinstance(v, list) and len(v) == 2 and all(x is None or _finite_number(x) for x in v)
    ),
}
"""What a value read by the report may be, by the name its problem gives it."""

Rule = tuple[tuple[str, ...], str, bool]
"""A key path, the kind of its value (a key of ``_KINDS``) and whether it must be there."""

_ABSENT = object()


def _check(document: dict[str, Any], rules: list[Rule], what: str) -> None:
    """Raise ``ReportError`` for the first rule ``document`` breaks: ``WHAT: key.path missing``
    or ``WHAT: key.path should be KIND (got VALUE)``."""
    for keys, kind, required in rules:
        node: Any = document
        for key in keys:
            node = node.get(key, _ABSENT) if isinstance(node, dict) else _ABSENT
            if node is _ABSENT:
                break
        if node is _ABSENT:
            if required:
                raise ReportError(f"{what}: {'.'.join(keys)} missing")
            continue
        if not _KINDS[kind](node):
            shown = json.dumps(node, allow_nan=True, default=str)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ReportError(f"{what}: {'.'.join(keys)} should be {kind} (got {shown})")


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path.name} cannot be read: {error}") from None


def _check_summary(summary: dict[str, Any]) -> None:
    """Every key the report reads is there with a value it can show (a ``summary.json`` of SPEC
    section 4: numbers finite, null where there is no data)."""
    channels = summary.get("channels")
    sites = summary.get("sites")
    if not isinstance(channels, dict) or not channels or not isinstance(sites, dict):
        raise ReportError("summary.json is not a run summary: channels or sites missing")
    rules: list[Rule] = [(("cost", key), "a number", True) for key in ("labor", "bot", "total")]
    rules += [
        (("scenario",), "a string", False),
        (("seed",), "a whole number", False),
        (("replications",), "a whole number", False),
    ]
    for name in channels:
        rules += [
            (("channels", name), "an object", True),
            (("channels", name, "service_level", "mean"), "a number or null", True),
            (("channels", name, "service_level", "ci95"), "two numbers or nulls", False),
            (("channels", name, "target", "share"), "a number", True),
            (("channels", name, "target", "within_s"), "a number", True),
            (("channels", name, "met"), "true or false", False),
        ]
        rules += [
            (("channels", name, key), "a number or null", False)
            for key in ("offered", "asa_s", "abandon_rate", "occupancy")
        ]
    for name in sites:
        rules += [
            (("sites", name), "an object", True),
            (("sites", name, "cost"), "a number", True),
        ]
        rules += [
            (("sites", name, key), "a number or null", False)
            for key in ("paid_hours", "occupancy", "overtime_hours")
        ]
    _check(summary, rules, "summary.json is not a run summary")


def _check_manifest(manifest: dict[str, Any]) -> None:
    """The manifest keys the report shows have values it can show."""
    rules: list[Rule] = [
        (("command",), "a list of strings", False),
        (("versions",), "an object of strings", False),
        (("input_sha256",), "a string", False),
        (("finished_utc",), "a string", False),
    ]
    _check(manifest, rules, "manifest.json is not a run manifest")


def _check_plan(plan: dict[str, Any]) -> None:
    """The ``plan.json`` keys the report reads (SPEC section 5) have values it can show."""
    rules: list[Rule] = [
        (("solver",), "a string", False),
        (("solver_status",), "a string", False),
        (("bot_levels",), "an object of numbers", False),
        (("iterations",), "a list", False),
        (("comparison",), "an object", False),
        (("verification",), "an object", False),
        (("verification", "meets_targets"), "true or false", False),
        (("verification", "capacity_bound"), "true or false", False),
        (("verification", "cost"), "a number", False),
        (("verification", "cells_short"), "a whole number", False),
        (("verification", "cells_judged"), "a whole number or null", False),
    ]
    comparison = plan.get("comparison")
    entries = comparison if isinstance(comparison, dict) else {}
    for key, entry in entries.items():
        if entry is None:
            continue  # no hand roster
        rules += [
            (("comparison", key), "an object", True),
            (("comparison", key, "cost"), "a number", True),
            (("comparison", key, "cells_short"), "a whole number", True),
            (("comparison", key, "missed_share"), "a number", True),
        ]
    _check(plan, rules, "plan.json is not an optimizer plan")


def read_run(path: str | Path) -> RunFolder:
    """Read a run folder; raise :class:`ReportError` naming what is missing or unreadable."""
    folder = Path(path)
    if not folder.exists():
        raise ReportError("no such folder")
    if not folder.is_dir():
        raise ReportError("not a folder (give the run folder that simulate or optimize wrote)")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ReportError(
            f"not a run folder: {', '.join(missing)} missing (give the folder that "
            f"workbench simulate or optimize wrote)"
        )
    summary = _json(folder / "summary.json")
    _check_summary(summary)
    try:
        intervals = pd.read_csv(folder / "intervals.csv")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise ReportError(f"intervals.csv cannot be read: {error}") from None
    needed = [c for c in charts.SL_COLUMNS if c not in intervals.columns]
    needed += [c for c in ("backlog_end",) if c not in intervals.columns]
    if needed or intervals.empty:
        what = f"lacks the column(s) {', '.join(needed)}" if needed else "has no rows"
        raise ReportError(f"intervals.csv {what}")
    manifest = _json(folder / "manifest.json") if (folder / "manifest.json").exists() else {}
    _check_manifest(manifest)
    plan = _json(folder / "plan.json") if (folder / "plan.json").exists() else None
    if plan is not None:
        _check_plan(plan)
    tables: dict[str, pd.DataFrame | None] = {}
    for name in ("requirements", "costs"):
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path) if path.is_file() else None
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise ReportError(f"{path.name} cannot be read: {error}") from None
    return RunFolder(
        path=folder,
        summary=summary,
        manifest=manifest,
        intervals=intervals,
        scenario_text=_text(folder / "scenario.toml"),
        optimized_text=_text(folder / "optimized.toml"),
        plan=plan,
        requirements=tables["requirements"],
        costs=tables["costs"],
    )


# --------------------------------------------------------------------------------------------
# charts of a run
# --------------------------------------------------------------------------------------------

Chart = alt.Chart | alt.LayerChart


@dataclass(frozen=True)
class ReportChart:
    """One chart of the report: ``name`` (file name of its PNG, HTML id), heading, caption."""

    name: str
    title: str
    caption: str
    chart: Chart


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


CHART_ERRORS = (ValueError, KeyError, TypeError, IndexError, ArithmeticError)
"""What a chart built from damaged run files may raise: the chart is left out with a note."""


def report_charts(run: RunFolder) -> tuple[list[ReportChart], list[str]]:
    """The charts of a run folder, and a note for every chart left out (with the reason)."""
    out: list[ReportChart] = []
    notes: list[str] = []
    taken: set[str] = set()

    def add(name: str, title: str, caption: str, build: Callable[[], Chart | None]) -> None:
        try:
            chart = build()
        except CHART_ERRORS as error:
            notes.append(f"{title}: {error}")
            return
        if chart is not None:
            out.append(ReportChart(_slug(name, taken), title, caption, chart))

    intervals = charts.with_targets(run.intervals, run.summary)
    lines = [c for c in run.summary["channels"] if c in set(intervals["channel"])]
    for line in lines:
        target = run.summary["channels"][line]["target"]
        add(
            f"service-level-{line}",
            f"Service level: {line}",
            f"Mean over replications by interval with its 95 % confidence band; dashed: "
            f"the target ({target['share']:.0%} within "
            f"{charts.duration_text(target['within_s'])}).",
            partial(charts.service_level_chart, intervals, line),
        )
    add(
        "heatmap-service-level",
        "Service level by day and hour",
        "Local days and hours of the planning clock; each hour's intervals weighted by "
        "contacts offered. Blank: nothing offered.",
        lambda: charts.heatmap_chart(run.intervals, "service_level"),
    )
    add(
        "heatmap-backlog-end",
        "Backlog by day and hour",
        "Contacts waiting at the end of each local hour (mean over replications).",
        lambda: charts.heatmap_chart(run.intervals, "backlog_end"),
    )
    add(
        "staffing",
        "Agents on duty against agents required",
        "Roster of the run (expected productive agents: on shift, not on a planned break, net "
        "of absenteeism and offline time) stacked by site, against the analytic requirement "
        "(Erlang A/C, chat, async backlog) summed over channels at the simulated bot levels.",
        lambda: _staffing(run, notes),
    )
    add(
        "cost",
        "Cost by component",
        "Labour by site and bot sessions over the horizon, mean over replications.",
        lambda: charts.cost_chart(run.summary),
    )
    requirements, costs = run.requirements, run.costs
    if requirements is not None:
        add(
            "requirement",
            "Planned staffing against requirement",
            "Per channel and language group (requirements.csv): the group's analytic "
            "requirement at the chosen bot level, the kept plan's requirement (for a real-time "
            "group the blending requirement: productive agents at the group's sites, whatever "
            "they answer) and the productive agents the plan gives there. Email and social: "
            "work arriving, work after the loop's raises and work capacity planned, in "
            "agent-intervals.",
            partial(plan_charts.requirement_chart, requirements),
        )
    if costs is not None:
        add(
            "spend",
            "Where the money goes",
            "Labour cost of the kept plan by the day its shifts start, stacked by site and "
            "shift template (costs.csv: the MILP's shift costs, premiums included; the bots' "
            "cost is in plan.json). The simulated cost of the same plan is in the KPI table.",
            partial(plan_charts.spend_chart, costs),
        )
    plan = run.plan
    if plan is not None:

        def plans() -> Chart | None:
            if charts.plan_table(plan).empty:
                notes.append("rosters compared: plan.json holds no comparison")
                return None
            return charts.plan_chart(plan)

        add(
            "plans",
            "Rosters compared",
            "Expected cost of the hand roster, the plan of the first round, the plan "
            "corrected by simulation and the verified plan (the same roster), with the cells "
            "that miss their target (scenario seed; fresh seed for the verified plan).",
            plans,
        )
    return out, notes


def _staffing(run: RunFolder, notes: list[str]) -> Chart | None:
    """Agents on duty against required, from the run's scenario; None (with a note) if the
    scenario cannot be loaded or does not match the intervals."""
    source = run.roster_file
    if source is None:
        notes.append("agents on duty: the folder has no scenario.toml")
        return None
    try:
        scenario = load(source)
        on_duty = charts.agents_on_duty(scenario)
        required = charts.agents_required(scenario)
    except ScenarioError as error:
        first = error.problems[0] if error.problems else error
        notes.append(f"agents on duty: {source.name} does not load ({first})")
        return None
    except (ValueError, ArithmeticError) as error:
        notes.append(f"agents on duty: the requirements cannot be computed ({error})")
        return None
    if set(on_duty["interval_start"]) != set(run.intervals["interval_start"].astype(str)):
        notes.append(f"agents on duty: {source.name} plans another horizon than intervals.csv")
        return None
    return charts.staffing_chart(on_duty, required)


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite (the version Altair writes) and Vega-Embed as one script, which sets
    ``window.vega``, ``window.vegaLite`` and ``window.vegaEmbed``."""
    return vl_convert.javascript_bundle(_GLOBALS, vl_version=vega_lite_version())


def vega_lite_version() -> str | None:
    """The Vega-Lite ``major.minor`` of Altair's schema if vl-convert has it (else latest)."""
    found = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    if found is None:
        return None
    version = f"{found.group(1)}.{found.group(2)}"
    return version if version in vl_convert.get_vegalite_versions() else None


def _json_script(document: Any) -> str:
    """JSON for a ``<script type="application/json">`` element (no ``<`` to end it early)."""
    return json.dumps(document, allow_nan=False).replace("<", "\\u003c")


def _js_script(code: str) -> str:
    """JavaScript for an inline ``<script>`` element: ``</script`` and ``<!--`` escaped (both
    only ever occur inside string or regular-expression literals, where the escape is a no-op).
    """
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
    return code.replace("<!--", "<\\!--")


def _pct(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{100 * value:.1f} %"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    e = html.escape
    out = [f'<table class="{e(cls)}"><thead><tr>']
    out += [f"<th>{e(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def kpi_html(summary: dict[str, Any]) -> str:
    """The KPI tables of a ``summary.json`` as HTML: channels, sites, cost."""
    e = html.escape
    channel_rows = []
    for name, kpi in summary["channels"].items():
        sl = kpi["service_level"]
        low, high = (sl.get("ci95") or [None, None])[:2]
        target = kpi["target"]
        met = bool(kpi.get("met"))
        channel_rows.append(
            [
                e(str(name)),
                _num(kpi.get("offered"), 0),
                _pct(sl["mean"]),
                f"{_pct(low)} – {_pct(high)}",
                f"{_pct(target['share'])} in {charts.duration_text(target['within_s'])}",
                f'<span class="{"met" if met else "missed"}">{"yes" if met else "NO"}</span>',
                _num(kpi.get("asa_s")),
                _pct(kpi.get("abandon_rate")),
                _pct(kpi.get("occupancy")),
            ]
        )
    site_rows = [
        [
            e(str(name)),
            _num(site.get("paid_hours"), 0),
            _pct(site.get("occupancy")),
            _num(site.get("overtime_hours")),
            _num(site.get("cost"), 0),
        ]
        for name, site in summary["sites"].items()
    ]
    cost = summary["cost"]
    return "".join(
        [
            _table(
                [
                    "channel",
                    "offered",
                    "service level",
                    "95 % CI",
                    "target",
                    "met",
                    "ASA [s]",
                    "abandoned",
                    "occupancy",
                ],
                channel_rows,
                "kpi",
            ),
            _table(
                ["site", "paid hours", "occupancy", "overtime [h]", "labour cost"],
                site_rows,
                "kpi",
            ),
            _table(
                ["labour cost", "bot cost", "total cost"],
                [[_num(cost["labor"], 0), _num(cost["bot"], 0), _num(cost["total"], 0)]],
                "kpi",
            ),
        ]
    )


def _plan_html(plan: dict[str, Any]) -> str:
    e = html.escape
    verification = plan.get("verification") or {}
    verdict = (
        "meets every target" if verification.get("meets_targets") else "does NOT meet every target"
    )
    levels = ", ".join(f"{e(str(k))} {v:.0%}" for k, v in (plan.get("bot_levels") or {}).items())
    parts = [
        f"<p>Solver {e(str(plan.get('solver', '-')))} "
        f"({e(str(plan.get('solver_status', '-')))}), {len(plan.get('iterations', []))} "
        f"simulate-and-correct rounds; verified on fresh seed "
        f"{e(str(verification.get('seed', '-')))}: the plan <strong>{verdict}</strong>"
        f"{' (sites at max_agents)' if verification.get('capacity_bound') else ''}."
        f"{' Bot levels: ' + levels + '.' if levels else ''}</p>"
    ]
    rows = charts.plan_table(plan)
    if not rows.empty:
        parts.append(
            _table(
                ["plan", "simulated cost", "cells short", "share missed"],
                [
                    [e(str(plan_name)), _num(cost, 0), str(short), _pct(missed)]
                    for plan_name, cost, short, missed in zip(
                        rows["plan"],
                        rows["cost"].astype(float),
                        rows["cells_short"],
                        rows["missed_share"].astype(float),
                        strict=True,
                    )
                ],
                "kpi",
            )
        )
    return "".join(parts)


def _manifest_html(run: RunFolder) -> str:
    e = html.escape
    m = run.manifest
    items = [
        ("scenario", run.summary.get("scenario")),
        ("command", " ".join(str(a) for a in m.get("command", [])) or None),
        ("seed", run.summary.get("seed")),
        ("replications", run.summary.get("replications")),
        ("input sha256", m.get("input_sha256")),
        ("finished (UTC)", m.get("finished_utc")),
        (
            "versions",
            ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items()) or None,
        ),
    ]
    return (
        "<dl>"
        + "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in items if v not in (None, ""))
        + "</dl>"
    )


_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1060px; padding: 1rem 1.5rem 3rem; color: #1d1d1f; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.description { color: #555; margin-top: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; font-size: 12px; }
dt { color: #666; } dd { margin: 0; word-break: break-all; }
table.kpi { border-collapse: collapse; margin: .6rem 0 1rem; font-variant-numeric: tabular-nums; }
table.kpi th, table.kpi td { padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4;
                             text-align: right; white-space: nowrap; }
table.kpi th:first-child, table.kpi td:first-child { text-align: left; }
.met { color: #1a7f37; font-weight: 600; } .missed { color: #c62828; font-weight: 600; }
figure { margin: 1.2rem 0 2rem; } figcaption { color: #555; font-size: 12px; max-width: 900px; }
.chart { min-height: 60px; overflow-x: auto; }
.chart[data-rendered="false"]::before { content: "This chart could not be drawn: "
                                        attr(data-error); color: #c62828; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: 12px; }
.notes { color: #8a5a00; } #render-status { color: #888; font-size: 11px; }
"""

_SCRIPT = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var status = document.getElementById("render-status");
  var ids = Object.keys(specs);
  var drawn = 0, failed = 0;
  status.setAttribute("data-charts", String(ids.length));
  function done() {
    status.setAttribute("data-drawn", String(drawn));
    status.setAttribute("data-failed", String(failed));
    status.setAttribute("data-complete", String(drawn + failed === ids.length));
    status.textContent = drawn + " of " + ids.length + " charts drawn";
  }
  function fail(element, error) {
    failed += 1;
    element.setAttribute("data-rendered", "false");
    element.setAttribute("data-error", String(error && error.message || error));
    done();
  }
  if (typeof window.vegaEmbed !== "function") {
    ids.forEach(function (id) { fail(document.getElementById(id), "Vega did not load"); });
    done();
    return;
  }
  var options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  ids.forEach(function (id) {
    var element = document.getElementById(id);
    window.vegaEmbed(element, specs[id], options).then(function (result) {
      var svg = element.querySelector("svg");
      var box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      var marks = svg ? svg.querySelectorAll("g.role-mark > *").length : 0;
      element.setAttribute("data-width", String(Math.round(box.width)));
      element.setAttribute("data-height", String(Math.round(box.height)));
      element.setAttribute("data-marks", String(marks));
      if (box.width > 0 && box.height > 0 && marks > 0) {
        drawn += 1;
        element.setAttribute("data-rendered", "true");
        done();
      } else {
        fail(element, "empty drawing");
      }
    }).catch(function (error) { fail(element, error); });
  });
  done();
})();
"""


def render_html(
    run: RunFolder,
    chart_list: list[ReportChart],
    notes: list[str],
    png_names: dict[str, str] | None = None,
) -> str:
    """The report page: manifest, KPI tables, plan, charts (Vega inlined) and scenario."""
    e = html.escape
    png_names = png_names or {}
    title = str(run.summary.get("scenario", run.path.name))
    description = ""
    if run.scenario_text:
        found = re.search(r'^description\s*=\s*"(.*)"\s*$', run.scenario_text, re.MULTILINE)
        description = found.group(1) if found else ""
    specs = {f"chart-{c.name}": c.chart.to_dict() for c in chart_list}
    figures = []
    for c in chart_list:
        png = png_names.get(c.name)
        link = f' <a href="{e(png)}">PNG</a>' if png else ""
        figures.append(
            f'<figure><h3>{e(c.title)}</h3><div class="chart" id="chart-{e(c.name)}" '
            f'data-name="{e(c.name)}" data-rendered="pending"></div>'
            f"<figcaption>{e(c.caption)}{link}</figcaption></figure>"
        )
    note_html = (
        '<ul class="notes">' + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>" if notes else ""
    )
    scenario_parts = []
    if run.optimized_text is not None:
        scenario_parts.append(
            "<h3>optimized.toml (the verified roster and bot levels)</h3>"
            f"<pre>{e(run.optimized_text)}</pre>"
        )
    if run.scenario_text is not None:
        heading = "scenario.toml (the input as given)" if run.optimized_text else "scenario.toml"
        scenario_parts.append(f"<h3>{heading}</h3><pre>{e(run.scenario_text)}</pre>")
    if not scenario_parts:
        scenario_parts.append("<p>The folder holds no scenario.toml.</p>")
    plan_section = f"<h2>Optimized plan</h2>{_plan_html(run.plan)}" if run.plan is not None else ""
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}: workbench report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="description">{e(description)}</p>
{_manifest_html(run)}
<h2>Key figures</h2>
<p>Whole horizon, mean over replications; service level under each channel's counting rule
with a 95 % Student-t interval over replications.</p>
{kpi_html(run.summary)}
{plan_section}
<h2>Charts</h2>
{note_html}
{"".join(figures)}
<h2>Scenario</h2>
{"".join(scenario_parts)}
<p id="render-status" data-charts="{len(chart_list)}" data-drawn="0">Report generated
{e(generated)} by workbench report; charts need JavaScript (inlined, no network).</p>
<script type="application/json" id="chart-specs">{_json_script(specs)}</script>
<script>(function () {{
{_js_script(vega_bundle())}
}})();</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


@dataclass(frozen=True)
class Written:
    """What :func:`write_report` wrote: the page, the PNGs and the notes on charts left out."""

    html: Path
    pngs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_png(chart: Chart, path: Path, scale: float = PNG_SCALE) -> Path:
    """Write ``chart`` as a PNG with ``vl_convert.vegalite_to_png`` (no browser)."""
    png = vl_convert.vegalite_to_png(chart.to_dict(), scale=scale, vl_version=vega_lite_version())
    return write_file_atomic(path, png, "chart")


def write_report(
    path: str | Path,
    png: bool = True,
    on_chart: Callable[[str], None] | None = None,
) -> Written:
    """Write ``report.html`` and, if ``png``, ``charts/<name>.png`` into the run folder ``path``.

    Raises :class:`ReportError` when the folder is missing, not a run folder or unreadable, or
    when the files cannot be written.
    """
    run = read_run(path)
    chart_list, notes = report_charts(run)
    pngs: list[Path] = []
    png_names: dict[str, str] = {}
    try:
        if png:
            folder = run.path / "charts"
            folder.mkdir(exist_ok=True)
            for c in chart_list:
                try:
                    pngs.append(export_png(c.chart, folder / f"{c.name}.png"))
                except CHART_ERRORS as error:
                    notes.append(f"{c.name}.png: {error}")
                    continue
                png_names[c.name] = f"charts/{c.name}.png"
                if on_chart is not None:
                    on_chart(c.name)
        target = write_file_atomic(
            run.path / "report.html", render_html(run, chart_list, notes, png_names), "report"
        )
    except OutputError as error:
        raise ReportError(str(error)) from None
    except OSError as error:
        raise ReportError(f"cannot write the report: {error.strerror or error}") from None
    except CHART_ERRORS as error:
        raise ReportError(f"the run files cannot be shown: {error!r}") from None
    return Written(target, pngs, notes)
