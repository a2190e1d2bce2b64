"""``workbench report DIR``: one self-contained HTML page of a run folder, and a PNG per chart.

The page (``DIR/report.html``) holds the KPI table of ``summary.json``, the charts of
:mod:`workbench.charts` and :mod:`workbench.day_charts` (service level per channel by day with
``p_meet`` and by interval a panel per day, day-by-hour heatmaps of service level and
backlog, agents on duty against agents required, cost; the plans compared when ``plan.json`` is
there), for a people plan the head count of ``people.csv`` and the schedule chart of
``schedule.csv`` (:mod:`workbench.report_people`, :mod:`workbench.people_charts`), and the
roster as a table (:mod:`workbench.report_roster`). The Vega, Vega-Lite and Vega-Embed
libraries are inlined (the bundle of ``vl_convert.javascript_bundle``) and every chart's data
is inline: the file opens
offline, from a mail attachment or a file share. Each chart is also written to
``DIR/charts/<name>.png`` by ``vl_convert.vegalite_to_png`` (no browser needed).

After drawing, the page's script marks every chart element with ``data-rendered="true"`` and
the drawn SVG's size and number of marks, and sums them up in ``#render-status``; the tests
read them back from headless Chromium.

The modules: :mod:`workbench.report_folder` reads and checks the run folder,
:mod:`workbench.report_charts` picks its charts, :mod:`workbench.report_html` renders the page;
this one writes the page and the PNGs (and re-exports the names callers use).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import vl_convert

from simulation.output import OutputError, write_file_atomic
from workbench.report_charts import (
    CHART_ERRORS,
    Chart,
    Loaded,
    ReportChart,
    load_scenario,
    report_charts,
)
from workbench.report_folder import REQUIRED_FILES, ReportError, RunFolder, read_run
from workbench.report_html import kpi_html, render_html, vega_bundle, vega_lite_version
from workbench.report_roster import roster_section

__all__ = [
    "CHART_ERRORS",
    "PNG_SCALE",
    "REQUIRED_FILES",
    "Chart",
    "ReportChart",
    "ReportError",
    "RunFolder",
    "Written",
    "export_png",
    "kpi_html",
    "png_scale",
    "read_run",
    "render_html",
    "report_charts",
    "vega_bundle",
    "vega_lite_version",
    "write_report",
]

PNG_SCALE = 2.0
"""Pixel density of the PNG export (2 = sharp on high-resolution screens and in print)."""
MAX_PNG_PX = 12_000
"""Tallest PNG written [px]: a chart that grows with the data (the schedule of thousands of
people) gets a lower pixel density instead of an image too large to open or hold in memory."""


def png_scale(chart: ReportChart) -> float:
    """The pixel density of ``chart``'s PNG: ``PNG_SCALE`` unless that would make it taller
    than ``MAX_PNG_PX``."""
    if chart.height_px is None or chart.height_px * PNG_SCALE <= MAX_PNG_PX:
        return PNG_SCALE
    return max(MAX_PNG_PX / chart.height_px, 0.25)


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


def _roster(loaded: Loaded, notes: list[str]) -> str:
    """The roster section's table, or why it is missing (also as a note)."""
    if loaded.scenario is None:
        if loaded.problem and "has no scenario.toml" not in loaded.problem:
            notes.append(f"roster: {loaded.problem}")
            return f"<p>The roster cannot be shown: {html.escape(loaded.problem)}.</p>"
        return ""
    try:
        return roster_section(loaded.scenario)
    except CHART_ERRORS as error:
        notes.append(f"roster: {error}")
        return f"<p>The roster cannot be shown: {html.escape(str(error))}.</p>"


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
    loaded = load_scenario(run)
    chart_list, notes = report_charts(run, loaded)
    roster = _roster(loaded, notes)
    pngs: list[Path] = []
    png_names: dict[str, str] = {}
    try:
        if png:
            folder = run.path / "charts"
            folder.mkdir(exist_ok=True)
            for c in chart_list:
                try:
                    pngs.append(export_png(c.chart, folder / f"{c.name}.png", png_scale(c)))
                except CHART_ERRORS as error:
                    notes.append(f"{c.name}.png: {error}")
                    continue
                png_names[c.name] = f"charts/{c.name}.png"
                if on_chart is not None:
                    on_chart(c.name)
        target = write_file_atomic(
            run.path / "report.html",
            render_html(run, chart_list, notes, png_names, roster),
            "report",
        )
    except OutputError as error:
        raise ReportError(str(error)) from None
    except OSError as error:
        raise ReportError(f"cannot write the report: {error.strerror or error}") from None
    except CHART_ERRORS as error:
        raise ReportError(f"the run files cannot be shown: {error!r}") from None
    return Written(target, pngs, notes)
