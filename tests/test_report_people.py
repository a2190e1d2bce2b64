"""``workbench report`` on a people plan (issue 11 point 7): the head count table of
``people.csv`` and the schedule chart of ``schedule.csv`` (people x dates, coloured by shift,
grouped by site and contract, readable for 100+ people), a damaged people file exits 2 with
one line, and a run without them is reported as before.

The people run is assembled to keep the test short: small-shop simulated (2 replications) with
a ``schedule.csv`` and ``people.csv`` written by the optimizer's own writers
(``optimizer.tours.tables``, as ``optimizer.plan.files`` writes them) for hand-made people on
global-retail's three sites under two contracts. The report does not compare the schedule with
the simulated roster, so the mix is a fair people folder for it; a real people optimize run is
``tests/test_tours.py``'s.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import vl_convert
from typer.testing import CliRunner

from benchmarks.optimize_scale import CONTRACTS
from optimizer.tours.tables import people_table, schedule_table
from scenarios.loader import parse
from scenarios.schema import Scenario, ScheduleRow
from tests.test_report import Page, dump_dom, needs_chromium, report_fails, specs_of
from workbench import people_charts
from workbench.cli import app
from workbench.report import MAX_PNG_PX, PNG_SCALE, ReportChart, png_scale, read_run
from workbench.report_html import _PEOPLE_STYLE

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
MONDAY = dt.date(2026, 3, 23)

PEOPLE = {
    # (site, contract): (template, [(start, working days after MONDAY), ...])
    ("riga", "full-time"): (
        "full-8h",
        [("09:00", (0, 1, 2, 3, 4)), ("07:00", (2, 3, 4, 5, 6)), ("07:00", (0, 1, 2, 3, 4))],
    ),
    ("riga", "part-time"): ("part-4h", [("12:00", (0, 1, 3, 4)), ("06:00", (0, 2, 3, 4))]),
    ("bogota", "full-time"): (
        "full-8h",
        [(f"{h:02d}:00", tuple(range(k % 3, k % 3 + 5))) for k, h in enumerate((22, 6, 14, 6))],
    ),
    ("manila", "part-time"): ("part-4h", [("08:30", (1, 2, 3, 4)), ("18:00", (0, 1, 2, 3))]),
}
"""Eleven people: riga full-time 3 (5 employed today: 2 releases), bogota full-time 4 (2
employed: 2 hires), manila full-time none (1 employed: 1 release), riga and manila part-time
2 each, bogota part-time none (none employed: no row in the table)."""
EXISTING = {"riga": {"existing": 5}, "bogota": {"existing": 2}, "manila": {"existing": 1}}


def people_rows() -> tuple[Scenario, list[ScheduleRow]]:
    """global-retail with the benchmark's two contracts (full-time with people today) and the
    schedule rows of ``PEOPLE``."""
    raw = tomllib.loads((ROOT / "scenarios" / "global-retail.toml").read_text())
    raw["contracts"] = [dict(c) for c in CONTRACTS]
    raw["contracts"][0]["people"] = EXISTING
    scenario, problems = parse(raw, base=ROOT / "scenarios")
    assert scenario is not None, problems
    rows = [
        ScheduleRow.model_validate(
            {
                "person": f"{site}-{contract}-{k + 1:03d}",
                "site": site,
                "contract": contract,
                "date": MONDAY + dt.timedelta(days=day),
                "shift": template,
                "start": start,
            }
        )
        for (site, contract), (template, people) in PEOPLE.items()
        for k, (start, days) in enumerate(people)
        for day in days
    ]
    return scenario, rows


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small-shop simulated (2 replications) and reported without PNGs: no people files."""
    out = tmp_path_factory.mktemp("report-people") / "plain"
    source = ROOT / "scenarios" / "small-shop.toml"
    result = runner.invoke(app, ["simulate", str(source), "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--no-png"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def people_run(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``plain`` with ``schedule.csv`` and ``people.csv`` of ``people_rows``, reported with
    PNGs."""
    out = tmp_path_factory.mktemp("report-people") / "people"
    shutil.copytree(plain, out)
    (out / "report.html").unlink()
    scenario, rows = people_rows()
    schedule_table(scenario, rows).to_csv(out / "schedule.csv", index=False)
    people_table(scenario, rows).to_csv(out / "people.csv", index=False)
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert "left out" not in result.output
    return out


class Tables(HTMLParser):
    """The cells of every ``<table>`` of a page, by the table's class."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def schedule_data(folder: Path) -> list[dict]:
    [data] = list(
        specs_of((folder / "report.html").read_text())["chart-schedule"]["datasets"].values()
    )
    return data


# --------------------------------------------------------------------------------------------


def test_headcount_table_holds_the_figures_of_people_csv(people_run: Path) -> None:
    """Every (site, contract) with people or people employed today, and the total, with
    people.csv's figures as shown: counts, FTE to 0.1, per-person means to 0.1 with min-max,
    cost to the unit; a pair with nobody now or before is left out."""
    html = (people_run / "report.html").read_text()
    assert "<h2>People</h2>" in html and "The plan names 11 people" in html
    head, *rows = Tables(html).tables["kpi people"]
    assert head == [
        "site", "contract", "people", "existing", "hires", "releases", "FTE",
        "paid h/week per person", "nights per person", "weekend days per person", "cost",
    ]  # fmt: skip
    people = pd.read_csv(people_run / "people.csv")

    def count(value: float) -> str:
        return "-" if pd.isna(value) else f"{int(value):,}"

    def spread(row: pd.Series, name: str) -> str:
        low, mean, high = (row[f"{name}_{k}"] for k in ("min", "mean", "max"))
        return f"{mean:.1f} ({low:g}–{high:g})"

    shown = people[(people["people"] > 0) | (people["existing"] > 0) | (people["site"] == "all")]
    assert rows == [
        [
            row["site"],
            row["contract"],
            count(row["people"]),
            count(row["existing"]),
            count(row["hires"]),
            count(row["releases"]),
            f"{row['fte']:.1f}",
            spread(row, "paid_hours_per_week"),
            spread(row, "nights"),
            spread(row, "weekend_days"),
            f"{row['cost']:,.0f}",
        ]
        if row["people"] > 0
        else [*[str(v) for v in row[["site", "contract"]]], "0"]
        + [count(row[k]) for k in ("existing", "hires", "releases")]
        + ["0.0", "-", "-", "-", "0"]
        for _, row in shown.iterrows()
    ]
    assert [r[:6] for r in rows] == [
        ["riga", "full-time", "3", "5", "0", "2"],
        ["riga", "part-time", "2", "-", "-", "-"],
        ["bogota", "full-time", "4", "2", "2", "0"],
        ["manila", "full-time", "0", "1", "0", "1"],
        ["manila", "part-time", "2", "-", "-", "-"],
        ["all", "all", "11", "8", "2", "3"],
    ]


def test_schedule_chart_has_one_row_per_person_and_one_cell_per_worked_date(
    people_run: Path,
) -> None:
    """The chart's data are schedule.csv's rows: one cell per person and working date, with
    its shift, start and end; one row (rank) per person within a panel per site and contract,
    panels in people.csv's order."""
    cells = schedule_data(people_run)
    schedule = pd.read_csv(people_run / "schedule.csv")
    assert len(cells) == len(schedule)
    found = {(c["person"], c["date"]): c for c in cells}
    for _, row in schedule.iterrows():
        cell = found[(row["person"], row["date"])]
        assert cell["group"] == f"{row['site']} / {row['contract']}"
        assert (cell["shift"], cell["start"], cell["end"]) == (
            row["shift"],
            row["start"],
            row["end"],
        )
        assert cell["label"] == f"{row['shift']} {row['start']}"
    groups: dict[str, set[tuple[str, int]]] = {}
    for c in cells:
        groups.setdefault(c["group"], set()).add((c["person"], c["order"]))
    for group, people in groups.items():
        assert sorted(order for _, order in people) == list(range(len(people))), group
        site, contract = group.split(" / ")
        mine = schedule[(schedule["site"] == site) & (schedule["contract"] == contract)]
        assert {p for p, _ in people} == set(mine["person"])
    assert list(dict.fromkeys(c["group"] for c in cells)) == [
        "riga / full-time", "riga / part-time", "bogota / full-time", "manila / part-time",
    ]  # fmt: skip
    panels = list(dict.fromkeys(c["panel"] for c in cells))
    assert panels == ["riga / full-time (3)", "riga / part-time (2)", "bogota / full-time (4)",
                      "manila / part-time (2)"]  # fmt: skip


def test_people_are_sorted_by_their_first_shift_so_tours_sit_together(people_run: Path) -> None:
    """Within a panel: by the start time of the first shift, then its date, then the days."""
    cells = schedule_data(people_run)
    riga = sorted({(c["order"], c["person"]) for c in cells if c["group"] == "riga / full-time"})
    # 07:00 from Monday, 07:00 from Wednesday, 09:00 from Monday
    assert [p for _, p in riga] == [
        "riga-full-time-003", "riga-full-time-002", "riga-full-time-001",
    ]  # fmt: skip
    for group in {c["group"] for c in cells}:
        firsts = {}
        for c in sorted(cells, key=lambda c: (c["date"], c["start"])):
            if c["group"] == group:
                firsts.setdefault(c["order"], c["start"])
        starts = [firsts[k] for k in sorted(firsts)]
        assert starts == sorted(starts), group


def test_schedule_png_is_written(people_run: Path) -> None:
    data = (people_run / "charts" / "schedule.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 300 and height > 150
    assert 'href="charts/schedule.png"' in (people_run / "report.html").read_text()


@needs_chromium
def test_the_schedule_chart_draws_in_headless_chromium_offline(
    people_run: Path, tmp_path: Path
) -> None:
    """One mark per cell of the schedule, each in its panel; every other chart drawn too."""
    dom = Page(dump_dom(people_run / "report.html", tmp_path))
    attrs = dom.charts["chart-schedule"]
    assert attrs.get("data-rendered") == "true", attrs.get("data-error")
    assert int(attrs["data-marks"]) == len(pd.read_csv(people_run / "schedule.csv"))
    assert dom.status["data-failed"] == "0"


def test_a_plan_of_240_people_gets_rows_of_a_few_pixels_and_exports(tmp_path: Path) -> None:
    """240 people over 3 sites and 2 contracts: 7 px rows, names only in the tooltip, about
    1,800 px tall; the PNG exports at 2x. A chart far taller (tens of thousands of pixels) gets
    a lower pixel density, so its PNG stays within ``MAX_PNG_PX``."""
    rows = []
    for k in range(240):
        site, contract = ("riga", "bogota", "manila")[k % 3], ("full-time", "part-time")[k % 2]
        for day in range(k % 3, k % 3 + 5):
            date = MONDAY + dt.timedelta(days=day)
            rows.append([f"p{k:03d}", site, contract, date.isoformat(), "full-8h", "08:00"])
    schedule = pd.DataFrame(rows, columns=list(people_charts.SCHEDULE_CHART_COLUMNS))
    spec = people_charts.schedule_chart(schedule).to_dict()
    assert spec["spec"]["height"] == {"step": 7} and people_charts.row_px(240) == 7
    assert spec["spec"]["encoding"]["y"]["axis"]["labels"] is False
    png = vl_convert.vegalite_to_png(spec, scale=PNG_SCALE)
    width, height = struct.unpack(">II", png[16:24])
    expected = people_charts.chart_height(240, 6)
    assert 240 * 7 < height / PNG_SCALE < expected + 100 and width / PNG_SCALE < 1200
    chart = ReportChart("schedule", "", "", people_charts.schedule_chart(schedule), expected)
    assert png_scale(chart) == PNG_SCALE
    tall = ReportChart("schedule", "", "", chart.chart, 20_000)
    assert png_scale(tall) == pytest.approx(MAX_PNG_PX / 20_000)


def test_a_report_without_people_files_is_unchanged(plain: Path, people_run: Path) -> None:
    """No People section and no schedule chart; every other chart and section is the same as
    in the people run (whose only additions are those two)."""
    html = (plain / "report.html").read_text()
    assert "<h2>People</h2>" not in html and "chart-schedule" not in html
    people_html = (people_run / "report.html").read_text()
    specs, people_specs = specs_of(html), specs_of(people_html)
    assert people_specs.pop("chart-schedule")
    assert specs == people_specs

    def without_people(text: str) -> str:
        text = re.sub(r"<h2>People</h2>.*?</table>", "", text, flags=re.S)
        text = text.replace(_PEOPLE_STYLE, "")
        text = re.sub(r"<figure><h3>Schedule: who works when.*?</figure>", "", text, flags=re.S)
        text = re.sub(r'<script type="application/json" id="chart-specs">.*?</script>', "", text)
        text = re.sub(r' <a href="charts/[^"]*">PNG</a>', "", text)
        return re.sub(r"Report generated\s+\S+ \S+ UTC|data-charts=\"\d+\"", "", text)

    assert without_people(html) == without_people(people_html)


def test_schedule_without_people_csv_and_people_without_schedule(
    people_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(people_run, copy)
    (copy / "people.csv").unlink()
    run = read_run(copy)
    assert run.people is None and run.schedule is not None and len(run.schedule) == 51
    (copy / "people.csv").write_bytes((people_run / "people.csv").read_bytes())
    (copy / "schedule.csv").write_text("person,site,contract,date,shift,start,end\n")
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "left out: schedule: schedule.csv has no rows" in result.output
    html = (copy / "report.html").read_text()
    assert "<h2>People</h2>" in html and "chart-schedule" not in specs_of(html)


DAMAGE = [
    ("schedule.csv", "2026-03-24,", "24.3.2026,", "line 3: date should be a date YYYY-MM-DD"),
    ("schedule.csv", ",09:00,", ",9h,", "line 2: start should be a time HH:MM (got '9h')"),
    ("schedule.csv", "person,", "who,", "lacks the column(s) person"),
    ("schedule.csv", "2026-03-24,", "2026-03-23,", "line 3: riga-full-time-001 works twice"),
    ("schedule.csv", ",8.0,", ",eight,", "line 2: paid_hours should be a number >= 0"),
    ("schedule.csv", "riga-full-time-001,", '"', "cannot be read"),
    ("people.csv", ",3,5,", ",3.5,5,", "line 2: people should be a whole number (got '3.5')"),
    ("people.csv", ",fte,", ",ftes,", "lacks the column(s) fte"),
    ("people.csv", ",3,5,0,2,", ",3,5,0,-2,", "line 2: releases should be a whole number"),
]
"""File, text replaced (first time), its replacement, what the error says after the name."""


@pytest.mark.parametrize(("name", "old", "new", "message"), DAMAGE)
def test_a_damaged_people_file_exits_2_with_one_line(
    people_run: Path, tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(people_run, copy)
    text = (copy / name).read_text()
    assert old in text
    (copy / name).write_text(text.replace(old, new, 1))
    output = report_fails(copy)
    assert f"{name} {message}" in output, output
    assert len(output.strip().splitlines()) == 1
    (copy / name).write_bytes(b"\xff\xfe\x00binary")
    assert f"{name} cannot be read" in report_fails(copy)
