"""``workbench forecast HISTORY``: learn volumes (and handle times and patience, from
per-contact records) from history and write a forecast a scenario's channel uses unchanged.

Parse -> read the history (every problem one line, exit 2) -> backtest and forecast -> write
``forecast.csv``, ``backtest.csv``, ``forecast.json``, ``forecast.html`` and ``forecast.png``
(``workbench.forecast_chart``) and ``manifest.json`` into a claimed
output folder (``simulation.output``: nothing half-written is left).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from scenarios.problems import Collector, Problem
from workbench.app import (
    OutOption,
    OverwriteOption,
    app,
    claimed,
    err_console,
    fail,
    out_console,
    run_record,
    warn,
)

MAX_HORIZON_DAYS = 366
_HORIZON = re.compile(r"^(\d{1,3})([dw])$")


def _days(text: str, report: Collector) -> int:
    """Days of a horizon such as ``28d`` or ``4w``."""
    match = _HORIZON.match(text.strip())
    days = 0 if match is None else int(match[1]) * (7 if match[2] == "w" else 1)
    if not 1 <= days <= MAX_HORIZON_DAYS:
        report(
            "--horizon",
            f"must be whole days or weeks, e.g. 28d or 4w, at most {MAX_HORIZON_DAYS} days",
            text,
        )
    return days


def _zone(text: str, report: Collector) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        report("--timezone", "is not an IANA time zone, e.g. Europe/Madrid", text)
        return ZoneInfo("UTC")


def _date(text: str, report: Collector) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        report("--start", "is not a date YYYY-MM-DD", text)
        return dt.date(2000, 1, 3)


@app.command()
def forecast(
    history: Annotated[
        Path, typer.Argument(help="History CSV: per-interval counts or per-contact records.")
    ],
    start: Annotated[str, typer.Option(help="First local day of the forecast (YYYY-MM-DD).")],
    horizon: Annotated[str, typer.Option(help="Days or weeks to forecast: 28d, 4w.")] = "28d",
    interval: Annotated[
        Literal["15m", "30m", "60m"], typer.Option(help="Forecast interval.")
    ] = "30m",
    timezone: Annotated[
        str,
        typer.Option(help="IANA zone: local days and clock of the patterns, naive timestamps."),
    ] = "UTC",
    holidays: Annotated[
        str | None,
        typer.Option(help="Country code (e.g. ES, US-CA) whose public holidays are special."),
    ] = None,
    special_days: Annotated[
        Path | None,
        typer.Option(help="CSV of dated factors: date, factor, optional channel."),
    ] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Forecast volumes from history (backtested); write forecast.csv, backtest.csv, .json."""
    from forecasting.calendar import SpecialDays, public_holidays, read_special_days
    from forecasting.history import read_history
    from forecasting.outputs import write_forecast
    from forecasting.run import ForecastError, Request
    from forecasting.run import forecast as make_forecast

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    report = Collector("workbench forecast")
    zone = _zone(timezone, report)
    days = _days(horizon, report)
    first = _date(start, report)
    interval_s = {"15m": 900, "30m": 1800, "60m": 3600}[interval]
    problems: list[Problem] = list(report.problems)
    factors = {} if special_days is None else read_special_days(special_days, problems)
    if problems:
        fail(problems)
    found, history_problems = read_history(history, zone, interval_s)
    if found is None:
        fail(history_problems)
    assert found is not None
    warn(history_problems)
    channels = set(found.rows["channel"].unique())
    for name in sorted({c for _, c in factors if c and c not in channels}):
        report.warn(
            "--special-days", f"{name} is not a channel of the history; its days are not used"
        )
    warn(report.problems)
    holiday_dates: dict[dt.date, str] = {}
    if holidays is not None:
        years = range(
            dt.datetime.fromtimestamp(found.first_s, dt.UTC).year,
            (first + dt.timedelta(days=days)).year + 1,
        )
        got = public_holidays(holidays, years, report)
        if got is None:
            fail(report.problems)
        holiday_dates = got or {}
    special = SpecialDays(holiday_dates, factors)
    request = Request(first, days, zone, interval_s)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    default = Path("results") / f"forecast-{history.stem}" / f"{stamp}-forecast"
    with claimed(out, default, overwrite) as output:
        try:
            result = make_forecast(found, request, special)
        except ForecastError as error:
            fail([Problem(str(history), "(file)", str(error))])
        write_forecast(output.tmp, result)
        # imported here: Altair takes seconds to import, which a bad history should not pay
        from workbench.forecast_chart import forecast_chart, forecast_html, forecast_png

        chart = forecast_chart(result.daily)
        (output.tmp / "forecast.html").write_text(
            forecast_html(chart, result.document), encoding="utf-8"
        )
        (output.tmp / "forecast.png").write_bytes(forecast_png(chart))
        folder = output.commit({"input": str(history), **run_record(started, clock)})
    for line in result.warnings:
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)
    for name, entry in result.document["channels"].items():
        ours, naive = entry["backtest_wape_interval"], entry["seasonal_naive_wape_interval"]
        tested = (
            f"backtest WAPE {ours:.1%} (seasonal naive {naive:.1%})"
            if ours is not None and naive is not None
            else "not backtested"
        )
        out_console.print(f"{name}: {entry['method']}, {tested}", markup=False, highlight=False)
    out_console.print(f"forecast in {folder}", markup=False, highlight=False)
