"""``api.show``: the notebooks' formatted view of the API's numeric tables, and
``charts.offline``: the renderer that draws charts without network."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from tests.test_notebooks import remote_references
from workbench import api, charts, offline
from workbench.formatting import format_value, unit_of


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("service_level", "percent"),
        ("service_level_ci_low", "percent"),
        ("abandon_rate", "percent"),
        ("occupancy", "percent"),
        ("missed_share", "percent"),
        ("asa_s", "seconds"),
        ("target_within_s", "seconds"),
        ("cost", "money"),
        ("total_cost", "money"),
        ("objective", "money"),
        ("paid_hours", "hours"),
        ("paid_hours_per_week_mean", "hours"),
        ("offered", "number"),
    ],
)
def test_unit_from_the_name(name: str, unit: str) -> None:
    assert unit_of(name) == unit


def test_values_as_a_manager_reads_them() -> None:
    assert format_value("percent", 0.345970) == "34.6 %"
    assert format_value("percent", -0.05, difference=True) == "-5.0 pp"
    assert format_value("seconds", 12.345) == "12.3 s"
    assert format_value("money", 7234.5) == "7,234"
    assert format_value("money", 350.0, difference=True) == "+350"
    assert format_value("hours", 40) == "40.0 h"
    assert format_value("number", float("nan")) == "-"


def test_show_formats_by_column_and_keeps_the_numbers() -> None:
    frame = pd.DataFrame(
        {
            "channel": ["phone"],
            "service_level": [0.345970],
            "asa_s": [12.345],
            "cost": [7234.5],
            "people": [8],
            "met": [True],
        }
    )
    html = api.show(frame).to_html()
    for text in ("34.6 %", "12.3 s", "7,234", ">8<", "True"):
        assert text in html
    assert "0.345970" not in html
    assert frame["service_level"].iloc[0] == 0.345970  # the table itself is untouched


def test_show_formats_comparison_rows_by_their_kpi() -> None:
    table = pd.DataFrame(
        {
            "option": ["more", "more"],
            "channel": ["phone", "all"],
            "kpi": ["service_level", "total_cost"],
            "mean": [0.5, 7000.2],
            "diff": [-0.05, 350.0],
        }
    )
    html = api.show(table).to_html()
    for text in ("50.0 %", "7,000", "-5.0 pp", "+350"):
        assert text in html
    wide = table.set_index(["channel", "kpi"])[["diff"]].rename(columns={"diff": "more"})
    html = api.show(wide, difference=True).to_html()
    assert "-5.0 pp" in html and "+350" in html


def test_offline_renderer_inlines_vega_once_and_references_no_remote_script() -> None:
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point(tooltip=True).encode(x="x:Q")
    active = alt.renderers.active
    try:
        charts.offline()
        assert alt.renderers.active == offline.NAME
        first = chart._repr_mimebundle_()["text/html"]
        second = chart._repr_mimebundle_()["text/html"]
    finally:
        alt.renderers.enable(active)
    assert "window.vegaEmbed=" in first
    assert "window.vegaEmbed=" not in second
    for html in (first, second):
        assert 'src="data:image/svg+xml;base64,' in html
        assert not remote_references(html)
