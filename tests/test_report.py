"""``workbench report DIR`` (docs/report.md): one self-contained HTML page with the KPI table,
the charts and the scenario, PNG export of each chart, exit 2 for a folder that is not a run.

The page is opened in headless Chromium with the network off (a dead proxy): the page's own
script marks every chart it drew, and the test reads the marks back from the dumped DOM.
CI installs Chromium with ``apt-get install -y chromium``; without it those tests are skipped.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.test_optimize import day_scenario, write
from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small-shop simulated (2 replications) and reported."""
    out = tmp_path_factory.mktemp("report") / "small-shop"
    source = ROOT / "scenarios" / "small-shop.toml"
    result = runner.invoke(app, ["simulate", str(source), "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert "report in" in result.output
    return out


@pytest.fixture(scope="module")
def optimized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-day scenario of ``test_optimize`` optimized and reported (plan.json)."""
    tmp_path = tmp_path_factory.mktemp("report-optimize")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["optimize", str(write(tmp_path, day_scenario())), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--no-png"])
    assert result.exit_code == 0, result.output
    return out


class Page(HTMLParser):
    """The chart elements (id -> attributes), script and link elements of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, str]] = {}
        self.status: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        if "chart" in found.get("class", "").split():
            self.charts[found["id"]] = found
        if found.get("id") == "render-status":
            self.status = found


def specs_of(html: str) -> dict[str, dict]:
    found = re.search(
        r'<script type="application/json" id="chart-specs">(.*?)</script>', html, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The DOM of ``page`` after its scripts ran, from headless Chromium with no network."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--proxy-server=127.0.0.1:9",  # a dead proxy: no network
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# --------------------------------------------------------------------------------------------


def test_report_holds_kpis_charts_and_scenario(simulated: Path) -> None:
    html = (simulated / "report.html").read_text()
    summary = json.loads((simulated / "summary.json").read_text())
    page = Page(html)
    specs = specs_of(html)
    names = [
        "daily-service-level-phone",
        "service-level-phone",
        "daily-service-level-chat",
        "service-level-chat",
        "daily-service-level-email",
        "service-level-email",
        "heatmap-service-level",
        "heatmap-backlog-end",
        "staffing",
        "cost",
    ]
    assert list(page.charts) == [f"chart-{n}" for n in names]
    assert list(specs) == list(page.charts)
    # KPI table: every channel with its service level as in summary.json
    for name, kpi in summary["channels"].items():
        assert f"<td>{name}</td><td>{kpi['offered']:,.0f}</td>" in html
        assert f"<td>{100 * kpi['service_level']['mean']:.1f} %</td>" in html
    assert f"<td>{summary['cost']['total']:,.0f}</td>" in html
    # the roster as a table, not the scenario file (tests/test_report_weeks.py checks it)
    text = html[: html.index('<script type="application/json"')]  # the page without its scripts
    assert '<table class="roster">' in text and "<pre>" not in text
    assert "[[roster]]" not in text and "From scenario.toml of the run folder." in html
    # the specs carry their data: the phone chart has one row per interval of the horizon,
    # drawn as seven panels of a day each
    phone = specs["chart-service-level-phone"]
    assert len(phone["datasets"][phone["data"]["name"]]) == 7 * 48
    assert phone["facet"]["field"] == "day" and phone["columns"] == 7
    assert "Rosters compared" not in html  # no plan.json


def test_report_is_self_contained(simulated: Path) -> None:
    """No script, style sheet, image or frame is fetched: the Vega libraries are inline."""
    html = (simulated / "report.html").read_text()
    page = Page(html)
    for tag, attrs in page.tags:
        for key in ("src", "href", "data"):
            value = attrs.get(key, "")
            assert not re.match(r"\s*(https?:)?//", value), (tag, key, value)
        if tag == "script":
            assert "src" not in attrs
        if tag == "link":
            assert attrs.get("rel") != "stylesheet"
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?https?:", html)
    assert "@import" not in html
    assert "window.vegaEmbed=" in html.replace(" ", "")
    assert len(html) > 500_000  # the bundle is in


def test_png_export_of_every_chart(simulated: Path) -> None:
    html = (simulated / "report.html").read_text()
    names = [key.removeprefix("chart-") for key in specs_of(html)]
    pngs = sorted(p.stem for p in (simulated / "charts").glob("*.png"))
    assert pngs == sorted(names)
    for name in names:
        data = (simulated / "charts" / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width > 300 and height > 150, (name, width, height)
        assert f'href="charts/{name}.png"' in html


def test_plan_comparison_when_plan_json_exists(optimized: Path) -> None:
    html = (optimized / "report.html").read_text()
    plan = json.loads((optimized / "plan.json").read_text())
    specs = specs_of(html)
    assert "chart-plans" in specs
    rows = specs["chart-plans"]["datasets"]
    [table] = list(rows.values())
    assert [r["plan"] for r in table] == [
        "hand roster",
        "first round (model alone)",
        "corrected by simulation",
        "verified (fresh seed)",
    ]
    assert table[-1]["cost"] == pytest.approx(plan["verification"]["cost"])
    assert "From optimized.toml of the run folder (the verified roster" in html
    text = html[: html.index('<script type="application/json"')]  # the page without its scripts
    assert '<table class="roster">' in text and "<pre>" not in text
    undecided = len(plan["verification"]["undecided"])
    assert (
        f"{undecided} cells undecided" if undecided else "every cell shown less than 3 points"
    ) in text
    assert not (optimized / "charts").exists()  # --no-png


def test_staffing_against_requirement_and_spend_charts_of_an_optimize_folder(
    optimized: Path,
) -> None:
    """Issue 10 point 6: the report of an optimize folder shows planned staffing against the
    requirement (from requirements.csv) and where the money goes (from costs.csv); the
    charts' data are those files' figures, summed as the captions say."""
    specs = specs_of((optimized / "report.html").read_text())
    assert {"chart-requirement", "chart-spend"} <= set(specs)
    [spend] = list(specs["chart-spend"]["datasets"].values())
    costs = pd.read_csv(optimized / "costs.csv")
    labour = costs[costs["day"].notna()]
    assert sum(r["cost"] for r in spend) == pytest.approx(labour["cost"].sum())
    assert {r["component"] for r in spend} == {
        f"{site} / {shift}" for site, shift in zip(labour["site"], labour["shift"], strict=True)
    }
    [lines] = list(specs["chart-requirement"]["datasets"].values())
    requirements = pd.read_csv(optimized / "requirements.csv")
    for (channel, group), mine in requirements.groupby(["channel", "group"]):
        busiest = mine.groupby("interval_start")["planned"].sum().idxmax()
        rows = mine[mine["interval_start"] == busiest]
        found = {
            r["series"]: r["agents"]
            for r in lines
            if r["channel"] == f"{channel} / {group}" and r["interval_start"] == busiest
        }
        once = rows.iloc[0]
        assert found == pytest.approx(
            {
                "analytic requirement": once["analytic"],
                "requirement of the plan": once["analytic"] + once["raise"],
                "planned": rows["planned"].sum(),
            }
        )


def test_requirement_table_counts_each_group_once_and_sums_sites() -> None:
    """Two language groups, the first served by two sites: its analytic requirement and raise
    repeat on both site rows of requirements.csv and count once; planned agents add up over
    its sites; each group is a panel of its own."""
    from workbench.plan_charts import requirement_table

    frame = pd.DataFrame(
        {
            "interval_start": ["t0"] * 3,
            "channel": ["voice"] * 3,
            "group": ["en", "en", "pt"],
            "site": ["a", "b", "a"],
            "analytic": [10.0, 10.0, 3.0],
            "raise": [2.0, 2.0, -1.0],
            "planned": [7.0, 5.5, 2.0],
        }
    )
    table = requirement_table(frame).set_index(["channel", "series"])["agents"]
    assert table.to_dict() == {
        ("voice / en", "analytic requirement"): 10.0,
        ("voice / en", "requirement of the plan"): 12.0,
        ("voice / en", "planned"): 12.5,
        ("voice / pt", "analytic requirement"): 3.0,
        ("voice / pt", "requirement of the plan"): 2.0,
        ("voice / pt", "planned"): 2.0,
    }


@needs_chromium
@pytest.mark.parametrize("folder", ["simulated", "optimized"])
def test_every_chart_draws_in_headless_chromium_offline(
    folder: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run: Path = request.getfixturevalue(folder)
    html = (run / "report.html").read_text()
    expected = list(specs_of(html))
    dom = Page(dump_dom(run / "report.html", tmp_path))
    assert list(dom.charts) == expected
    for name, attrs in dom.charts.items():
        assert attrs.get("data-rendered") == "true", (name, attrs.get("data-error"))
        assert int(attrs["data-width"]) > 100 and int(attrs["data-height"]) > 100, name
        assert int(attrs["data-marks"]) > 0, name
        assert "vega-embed" in attrs["class"].split()
    assert dom.status["data-charts"] == dom.status["data-drawn"] == str(len(expected))
    assert dom.status["data-failed"] == "0"


@needs_chromium
def test_the_chromium_check_sees_a_page_that_does_not_draw(simulated: Path, tmp_path: Path) -> None:
    """Control: without the inlined bundle (and no network to fetch one) nothing draws, and
    the marks say so."""
    html = (simulated / "report.html").read_text()
    start = html.index("<script>(function () {\n")
    end = html.index("</script>", start)
    broken = tmp_path / "report.html"
    broken.write_text(html[:start] + "<script>" + html[end:])
    dom = Page(dump_dom(broken, tmp_path))
    assert dom.charts and all(a.get("data-rendered") == "false" for a in dom.charts.values())
    assert dom.status["data-drawn"] == "0"
    assert dom.status["data-failed"] == str(len(dom.charts))


def test_a_scenario_that_no_longer_loads_leaves_out_only_the_staffing_chart(
    simulated: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(simulated, copy)
    (copy / "scenario.toml").write_text('format = 1\n[scenario]\nname = "x"\n')
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "left out: agents on duty: scenario.toml does not load" in result.output
    html = (copy / "report.html").read_text()
    assert "chart-staffing" not in specs_of(html) and "chart-cost" in specs_of(html)


def test_damaged_intervals_leave_out_the_charts_they_break(simulated: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(simulated, copy)
    lines = (copy / "intervals.csv").read_text().splitlines()
    lines[5] = lines[5].replace("2026-06-01T02:00:00+03:00", "yesterday")
    (copy / "intervals.csv").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (
        "left out: Service level by interval: phone: Invalid isoformat string: 'yesterday'"
        in result.output
    )
    specs = specs_of((copy / "report.html").read_text())
    assert "chart-service-level-phone" not in specs and "chart-service-level-chat" in specs


def report_fails(folder: Path) -> str:
    """Run ``workbench report --overwrite`` on ``folder``, expect exit 2 without a traceback."""
    result = runner.invoke(app, ["report", str(folder), "--overwrite"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not an error
    assert "Traceback" not in result.output
    return result.output


def test_a_folder_that_is_not_a_run_exits_2(tmp_path: Path) -> None:
    assert "missing: no such folder" in report_fails(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    assert "not a folder" in report_fails(tmp_path / "file")
    assert "not a run folder written by workbench" in report_fails(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"written_by": "staffing-workbench"}))
    assert "not a run folder: summary.json, intervals.csv missing" in report_fails(tmp_path)
    (tmp_path / "summary.json").write_text("{")
    (tmp_path / "intervals.csv").write_text("interval_start\n")
    assert "summary.json cannot be read" in report_fails(tmp_path)


def test_a_summary_without_its_keys_or_intervals_without_columns_exit_2(
    simulated: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(simulated, copy)
    (copy / "intervals.csv").write_text("interval_start,channel\n2026-06-01T00:00:00Z,phone\n")
    assert "intervals.csv lacks the column(s) interval_start_local" in report_fails(copy)
    (copy / "summary.json").write_text(json.dumps({"channels": {"phone": {}}, "sites": {}}))
    assert "summary.json is not a run summary: cost.labor missing" in report_fails(copy)
