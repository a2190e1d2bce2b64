"""The HTML page of ``workbench report``: KPI, plan and manifest tables, the charts' Vega-Lite
specifications drawn by the inlined Vega bundle, and the page's self-check script."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert

from workbench.chart_tables import plan_table
from workbench.chart_time import duration_text
from workbench.report_charts import ReportChart
from workbench.report_folder import RunFolder
from workbench.report_people import headcount_html
from workbench.report_roster import ROSTER_STYLE

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
                f"{_pct(target['share'])} in {duration_text(target['within_s'])}",
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
    undecided = len(verification.get("undecided") or [])  # the cells the check left open
    if undecided:
        verdict += (
            f"; {undecided} cells undecided (neither shown short nor shown within 3 points of "
            "target, listed in plan.json)"
        )
    elif verification.get("meets_targets") and "undecided" in verification:
        verdict += "; every cell shown less than 3 points below its target"
    levels = ", ".join(f"{e(str(k))} {v:.0%}" for k, v in (plan.get("bot_levels") or {}).items())
    parts = [
        f"<p>Solver {e(str(plan.get('solver', '-')))} "
        f"({e(str(plan.get('solver_status', '-')))}), {len(plan.get('iterations', []))} "
        f"simulate-and-correct rounds; verified on fresh seed "
        f"{e(str(verification.get('seed', '-')))}: the plan <strong>{verdict}</strong>"
        f"{' (sites at max_agents)' if verification.get('capacity_bound') else ''}."
        f"{' Bot levels: ' + levels + '.' if levels else ''}</p>"
    ]
    rows = plan_table(plan)
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

_PEOPLE_STYLE = """
table.people th:nth-child(2), table.people td:nth-child(2) { text-align: left; }
table.people tr:last-child td { font-weight: 600; } table.people small { color: #666; }
"""
"""Styles of the People section (only on the page of a people plan)."""

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
    roster: str = "",
) -> str:
    """The report page: manifest, KPI tables, plan, charts (Vega inlined) and the roster
    (``roster``: its section's HTML, :func:`workbench.report_roster.roster_html`)."""
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
    files = [
        name
        for name, text in (
            ("optimized.toml", run.optimized_text),
            ("scenario.toml", run.scenario_text),
        )
        if text is not None
    ]
    source = (
        f"<p>From {e(files[0])} of the run folder"
        + (" (the verified roster; the input as given is scenario.toml)" if len(files) > 1 else "")
        + ".</p>"
        if files
        else ""
    )
    plan_section = f"<h2>Optimized plan</h2>{_plan_html(run.plan)}" if run.plan is not None else ""
    style = _STYLE + ROSTER_STYLE
    if run.people is not None:
        plan_section += f"<h2>People</h2>{headcount_html(run.people, _table)}"
        style += _PEOPLE_STYLE
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}: workbench report</title>
<style>{style}</style>
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
<h2 id="charts">Charts</h2>
{note_html}
{"".join(figures)}
<h2 id="roster">Roster</h2>
{source}
{roster or "<p>The folder holds no scenario.toml: no roster to show.</p>"}
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
