"""``forecast.html`` and ``forecast.png`` of ``workbench forecast``: per channel, the daily
totals of the last weeks of history, the forecast and its 80 % band (the 10 % and 90 % quantiles
of actual / forecast daily totals in the backtest). The page is self-contained (Vega inlined, as
in ``workbench report``) and works offline; the PNG is drawn by vl-convert, without a browser."""

from __future__ import annotations

import html
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from workbench.report_html import _js_script, _json_script, vega_bundle, vega_lite_version

PNG_SCALE = 2.0


def forecast_chart(daily: pd.DataFrame) -> alt.FacetChart:
    """One panel per channel: history (grey), forecast (blue) and its band (shaded)."""
    frame = daily.assign(date=pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d"))
    frame = frame.astype(object).where(frame.notna(), None)
    records = [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
    base = alt.Chart().encode(x=alt.X("date:T", title="local day"))
    band = (
        base.transform_filter(alt.datum.kind == "forecast")
        .mark_area(opacity=0.25, color="#1f77b4")
        .encode(y=alt.Y("low:Q", title="contacts a day"), y2="high:Q")
    )
    lines = base.mark_line(point=False).encode(
        y=alt.Y("volume:Q", title="contacts a day"),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["history", "forecast"], range=["#7f7f7f", "#1f77b4"]),
            title=None,
        ),
        tooltip=["channel:N", "date:T", "kind:N", alt.Tooltip("volume:Q", format=",.0f")],
    )
    return (
        alt.layer(band, lines, data=alt.InlineData(values=records))
        .properties(width=820, height=180)
        .facet(row=alt.Row("channel:N", title=None))
        .resolve_scale(y="independent")
    )


def forecast_png(chart: alt.FacetChart) -> bytes:
    """The chart as PNG bytes."""
    return bytes(
        vl_convert.vegalite_to_png(chart.to_dict(), scale=PNG_SCALE, vl_version=vega_lite_version())
    )


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def forecast_html(chart: alt.FacetChart, document: dict[str, Any]) -> str:
    """The page: what was forecast, each channel's method and backtest, and the chart."""
    e = html.escape
    rows = []
    for name, entry in document["channels"].items():
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(cell))}</td>"
                for cell in (
                    name,
                    entry["method"],
                    _pct(entry["backtest_wape_interval"]),
                    _pct(entry["seasonal_naive_wape_interval"]),
                    "-" if entry["forecast_error"] is None else entry["forecast_error"],
                    f"{entry['volume_total']:,.0f}",
                )
            )
            + "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "channel",
            "method",
            "backtest WAPE",
            "seasonal naive WAPE",
            "forecast_error",
            "contacts",
        )
    )
    title = f"Forecast from {document['start']}, {document['days']} days"
    history = document["history"]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px;
       padding: 1rem 1.5rem 3rem; color: #1d1d1f; }}
table {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
th, td {{ padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<p>{e(document["interval_min"].__str__())}-minute intervals in {e(document["timezone"])}, from
{e(history["file"])} ({e(history["kind"])}, {e(history["first_day"])} to
{e(history["last_day"])}). WAPE: backtest at the interval, rolling origins over the history.</p>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<p>Daily totals: the last weeks of history, the forecast and its 80 % band (from the backtest's
daily errors).</p>
<div id="chart" data-rendered="pending"></div>
<script type="application/json" id="chart-spec">{_json_script(chart.to_dict())}</script>
<script>(function () {{
{_js_script(vega_bundle())}
}})();</script>
<script>
var element = document.getElementById("chart");
var spec = JSON.parse(document.getElementById("chart-spec").textContent);
window.vegaEmbed(element, spec, {{ actions: false, renderer: "svg" }}).then(function () {{
  element.dataset.rendered = "ok";
}}).catch(function (error) {{
  element.dataset.rendered = "failed";
  element.textContent = "The chart could not be drawn: " + error;
}});
</script>
</body>
</html>
"""
