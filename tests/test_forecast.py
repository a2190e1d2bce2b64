"""workbench forecast: volumes from synthetic history with known weekly and intraday structure,
trend and holidays; DST; 5-minute data to 30-minute forecasts; one-line errors for bad history;
and a forecast that a scenario loads and simulates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecasting.calendar import SpecialDays, public_holidays
from forecasting.history import read_history
from forecasting.run import Request, forecast
from forecasting.tables import day_tables, local_dates, local_grid
from scenarios.loader import load
from scenarios.problems import Collector
from tests.forecast_synth import interval_rows, rates, write

ZONE = "Europe/Madrid"
MADRID = ZoneInfo(ZONE)
FIRST = dt.date(2026, 1, 5)  # a Monday


def run_cli(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``workbench ARGS``, which must not raise."""
    from workbench.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def spanish_holidays(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    found = public_holidays("ES", range(first.year, last.year + 1), Collector("test"))
    assert found is not None
    return {d: n for d, n in found.items() if first <= d <= last}


@pytest.fixture(scope="module")
def trended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 weeks of one channel at 30 minutes: 800 contacts a day growing 2 % a week, weekly and
    intraday patterns, Spanish public holidays at a fifth of an ordinary day."""
    last = FIRST + dt.timedelta(days=7 * 20 - 1)
    holidays = spanish_holidays(FIRST, last)
    assert len(holidays) >= 3  # Epiphany, Good Friday, Labour Day
    frame = rates(FIRST, 7 * 20, ZONE, 30, 800.0, trend_per_week=0.02, holidays=holidays)
    path = tmp_path_factory.mktemp("trended") / "history.csv"
    return write(interval_rows(frame, seed=3, channel="phone"), path)


def test_chosen_method_beats_seasonal_naive_in_the_backtest(trended: Path) -> None:
    history, problems = read_history(trended, MADRID, 1800)
    assert history is not None and not problems
    first, _ = local_dates(history, MADRID)
    special = SpecialDays(spanish_holidays(first, dt.date(2026, 7, 1)), {})
    result = forecast(history, Request(dt.date(2026, 5, 25), 28, MADRID, 1800), special)
    scores = result.backtest.set_index("method")
    chosen = scores[scores["chosen"]]
    assert len(chosen) == 1
    naive = scores.loc["seasonal_naive"]
    assert chosen["wape_interval"].iloc[0] < naive["wape_interval"]
    assert chosen["wape_day"].iloc[0] < naive["wape_day"]
    assert (scores["folds"] == 4).all()
    entry = result.document["channels"]["phone"]
    assert entry["method"] == chosen.index[0]
    assert entry["backtest_wape_interval"] < entry["seasonal_naive_wape_interval"]
    # the holidays of the history were a fifth of an ordinary day
    assert 0.1 < entry["holiday_factor"] < 0.3
    assert entry["forecast_error"] is not None and 0 <= entry["forecast_error"] < 0.3


def test_future_holiday_and_special_day_get_their_factor(trended: Path) -> None:
    history, _ = read_history(trended, MADRID, 1800)
    assert history is not None
    holidays = spanish_holidays(FIRST, dt.date(2026, 12, 31))
    assumption = dt.date(2026, 8, 15)  # a Saturday, a national holiday in Spain
    assert assumption in holidays
    closed = dt.date(2026, 8, 12)  # a Wednesday the planner knows is closed
    special = SpecialDays(holidays, {(closed, ""): 0.0, (dt.date(2026, 8, 13), "phone"): 1.5})
    result = forecast(history, Request(dt.date(2026, 8, 3), 14, MADRID, 1800), special)
    day = pd.to_datetime(result.rows["interval_start"].str[:10])
    daily = result.rows.groupby(day)["volume"].sum()
    saturday_before = daily[pd.Timestamp("2026-08-08")]
    assert daily[pd.Timestamp("2026-08-15")] == pytest.approx(0.2 * saturday_before, rel=0.5)
    assert daily[pd.Timestamp("2026-08-15")] < 0.4 * saturday_before
    assert daily[pd.Timestamp("2026-08-12")] == 0.0
    thursday_before = daily[pd.Timestamp("2026-08-06")]
    assert daily[pd.Timestamp("2026-08-13")] == pytest.approx(1.5 * thursday_before, rel=0.05)


def local_hours(rows: pd.DataFrame, day: str) -> list[str]:
    stamps = rows["interval_start"]
    return [s[11:16] for s in stamps if s.startswith(day)]


def test_dst_weeks_have_every_local_interval_once_and_the_peak_at_the_same_local_hour(
    tmp_path: Path,
) -> None:
    # history from January to late April crosses the spring change (29 March 2026)
    frame = rates(FIRST, 16 * 7, ZONE, 30, 600.0)
    path = write(interval_rows(frame, seed=5), tmp_path / "history.csv")
    history, _ = read_history(path, MADRID, 1800)
    assert history is not None
    # the autumn change (25 October 2026: 03:00 summer time becomes 02:00 winter time)
    result = forecast(history, Request(dt.date(2026, 10, 19), 8, MADRID, 1800), SpecialDays())
    starts = pd.to_datetime(result.rows["interval_start"], utc=True)
    steps = np.diff(starts.to_numpy()).astype("timedelta64[s]").astype(int)
    assert (steps == 1800).all()  # no interval missing, none twice
    assert len(starts) == 8 * 48 + 2
    autumn = local_hours(result.rows, "2026-10-25")
    assert len(autumn) == 50
    assert autumn.count("02:00") == 2 and autumn.count("02:30") == 2
    assert len(set(autumn)) == 48
    # the spring change (29 March 2026: 02:00 becomes 03:00)
    early, _ = read_history(
        write(interval_rows(rates(FIRST, 11 * 7, ZONE, 30, 600.0), seed=6), tmp_path / "e.csv"),
        MADRID,
        1800,
    )
    assert early is not None
    spring = forecast(early, Request(dt.date(2026, 3, 23), 8, MADRID, 1800), SpecialDays())
    hours = local_hours(spring.rows, "2026-03-29")
    assert len(hours) == 46 and "02:00" not in hours and "02:30" not in hours
    assert len(spring.rows) == 8 * 48 - 2
    # patterns follow the local clock: the 10:00 peak stays at 10:00 after each change
    for rows, days in ((result.rows, ("2026-10-24", "2026-10-26")),
                       (spring.rows, ("2026-03-28", "2026-03-30"))):  # fmt: skip
        for day in days:
            mine = rows[rows["interval_start"].str.startswith(day)]
            peak = mine.loc[mine["volume"].idxmax(), "interval_start"]
            assert peak[11:13] == "10", (day, peak)


def test_five_minute_history_is_added_up_to_thirty_minute_intervals(tmp_path: Path) -> None:
    frame = rates(FIRST, 6 * 7, ZONE, 5, 900.0)
    rows = interval_rows(frame, seed=8)
    path = write(rows, tmp_path / "five.csv")
    history, problems = read_history(path, MADRID, 1800)
    assert history is not None and not problems
    assert history.step_s == 300
    first, last = local_dates(history, MADRID)
    grid = local_grid(first, (last - first).days + 1, MADRID, 1800)
    table = day_tables(history, grid)[""].volume
    assert np.nansum(table) == rows["volume"].sum()
    # 09:00-09:30 local on the first Tuesday holds the six 5-minute rows from 09:00 to 09:25
    tuesday = rows[rows["interval_start"].str.startswith("2026-01-06T09:")]
    first_half = tuesday[tuesday["interval_start"].str[14:16].astype(int) < 30]
    assert table[1, 18] == first_half["volume"].sum()
    # and the forecast is written at 30 minutes
    out = tmp_path / "out"
    code, _, err = run_cli(
        "forecast", str(path), "--timezone", ZONE, "--horizon", "1w", "--interval", "30m",
        "--start", "2026-02-16", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    written = pd.read_csv(out / "forecast.csv")
    assert list(written.columns) == ["interval_start", "volume"]
    assert len(written) == 7 * 48
    # the chart: a self-contained page (Vega inlined, nothing fetched) and a PNG
    page = (out / "forecast.html").read_text(encoding="utf-8")
    assert "<script src=" not in page and "vegaEmbed" in page
    spec = json.loads(page.split('id="chart-spec">')[1].split("</script>")[0])
    (values,) = spec["datasets"].values()  # Altair keeps inline data as a named dataset
    assert {v["kind"] for v in values} == {"history", "forecast"}
    forecast_days = [v for v in values if v["kind"] == "forecast"]
    assert len(forecast_days) == 7
    assert sum(v["volume"] for v in forecast_days) == pytest.approx(written["volume"].sum())
    assert all(v["low"] <= v["high"] for v in forecast_days)
    assert (out / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == [
        "backtest.csv",
        "forecast.csv",
        "forecast.html",
        "forecast.json",
        "forecast.png",
    ]


def test_history_coarser_than_or_not_dividing_the_interval_is_refused(tmp_path: Path) -> None:
    rows = interval_rows(rates(FIRST, 14, ZONE, 20, 500.0), seed=1)
    path = write(rows, tmp_path / "twenty.csv")
    code, _, err = run_cli(
        "forecast", str(path), "--timezone", ZONE, "--start", "2026-02-01", "--out",
        str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2
    assert err.strip() == (
        f"{path}: interval_start: rows are mostly 20 minutes apart, which does not divide the "
        "forecast interval of 30 minutes"
    )


def test_bad_history_lines_are_one_line_errors_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "interval_start,volume,channel,aht\n"
        "2026-03-02T09:00:00+01:00,12,phone,300\n"
        "yesterday,3,phone,\n"
        "2026-03-02T10:00:00+01:00,-4,phone,\n"
        "2026-03-02T10:30:00+01:00,5,phone,fast\n"
        "2026-03-29T02:30:00,5,phone,\n"
        "2026-03-02T11:00:00+01:00,5,,\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(
        "forecast", str(path), "--timezone", ZONE, "--start", "2026-04-01", "--out",
        str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f'{path}: line 7.channel: is empty (got "")',
        f"{path}: line 6.interval_start: does not exist in Europe/Madrid (clocks went forward); "
        'give a UTC offset (got "2026-03-29T02:30:00")',
        f'{path}: line 3.interval_start: is not an ISO 8601 timestamp (got "yesterday")',
        f'{path}: line 4.volume: must be a number >= 0 (got "-4")',
        f'{path}: line 5.aht: must be a number > 0 (got "fast")',
    ]
    assert not (tmp_path / "out").exists()


def test_bad_options_and_special_days_are_one_line_errors(trended: Path, tmp_path: Path) -> None:
    special = tmp_path / "special.csv"
    special.write_text("date,factor\n2026-08-12,0\n2026-13-01,1\n2026-08-14,lots\n")
    code, _, err = run_cli(
        "forecast", str(trended), "--timezone", "Mars/Olympus", "--horizon", "4 weeks",
        "--start", "2026-05-25", "--special-days", str(special), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 2
    assert err.splitlines() == [
        "workbench forecast: --timezone: is not an IANA time zone, e.g. Europe/Madrid (got "
        '"Mars/Olympus")',
        "workbench forecast: --horizon: must be whole days or weeks, e.g. 28d or 4w, at most "
        '366 days (got "4 weeks")',
        f'{special}: line 3.date: is not a date YYYY-MM-DD (got "2026-13-01")',
        f'{special}: line 4.factor: must be a number from 0 to 100 (got "lots")',
    ]
    code, _, err = run_cli(
        "forecast", str(trended), "--timezone", ZONE, "--start", "2026-05-01", "--out",
        str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 2
    assert "must come after the history's last day 2026-05-24" in err
    assert len(err.splitlines()) == 1


def test_duplicates_clock_change_rows_and_gaps_are_reported(tmp_path: Path) -> None:
    frame = rates(FIRST, 8 * 7, ZONE, 30, 700.0)
    rows = interval_rows(frame, seed=9)
    # naive local times, as some exports write them: the spring hour is missing from the
    # file (it did not exist)
    stamps = pd.to_datetime(rows["interval_start"], utc=True).dt.tz_convert(ZONE)
    rows = rows.assign(interval_start=stamps.dt.strftime("%Y-%m-%dT%H:%M:%S"))
    gap = rows["interval_start"].str.startswith(("2026-02-11", "2026-02-12"))
    rows = rows[~gap]
    repeated = pd.concat([rows, rows.iloc[[10]]])
    path = write(repeated, tmp_path / "naive.csv")
    history, problems = read_history(path, MADRID, 1800)
    assert history is not None
    text = [str(p) for p in problems]
    assert len(text) == 1 and "counted once" in text[0] and text[0].startswith(f"{path}: line ")
    assert history.rows["volume"].sum() == rows["volume"].sum()
    result = forecast(history, Request(dt.date(2026, 3, 9), 7, MADRID, 1800), SpecialDays())
    usual = result.document["history"]["gaps"][0]["usual_volume"]
    assert result.warnings == [
        f"{path}: (file): warning: 2026-02-11 to 2026-02-12 have no or few contacts although "
        f"that weekday usually has {usual:.0f}: treated as missing data (a gap, or a day the "
        "export cut short), not as days without contacts"
    ]


def test_forecast_csv_loads_into_a_scenario_and_simulates(tmp_path: Path) -> None:
    phone = interval_rows(rates(FIRST, 8 * 7, ZONE, 30, 300.0), seed=1, channel="phone")
    email = interval_rows(rates(FIRST, 8 * 7, ZONE, 30, 150.0), seed=2, channel="email")
    email["aht"] = 420
    both = pd.concat([phone, email]).assign(region="home")
    history = write(both, tmp_path / "history.csv")
    out = tmp_path / "fc"
    code, stdout, err = run_cli(
        "forecast", str(history), "--timezone", ZONE, "--horizon", "7d",
        "--start", "2026-03-02", "--holidays", "ES", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "phone:" in stdout and "email:" in stdout
    written = pd.read_csv(out / "forecast.csv", keep_default_na=False)
    assert list(written.columns) == ["interval_start", "volume", "channel", "region", "aht"]
    document = json.loads((out / "forecast.json").read_text())
    assert set(document["channels"]) == {"phone", "email"}
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO.format(forecast=out / "forecast.csv"), encoding="utf-8")
    loaded = load(scenario)
    for channel in ("phone", "email"):
        mine = written[written["channel"] == channel]
        assert sum(loaded.forecasts[channel].volume) == pytest.approx(mine["volume"].sum())
    assert set(loaded.forecasts["email"].aht_s) == {420.0}
    code, stdout, err = run_cli(
        "simulate", str(scenario), "--replications", "1", "--out", str(tmp_path / "run")
    )
    assert code == 0, err
    daily = pd.read_csv(tmp_path / "run" / "daily.csv")
    for channel in ("phone", "email"):
        offered = daily.loc[daily["channel"] == channel, "offered"].sum()
        expected = written.loc[written["channel"] == channel, "volume"].sum()
        assert offered == pytest.approx(expected, rel=0.1)


SCENARIO = """format = 1
[scenario]
name = "from-forecast"
start = 2026-03-02
days = 7
interval = "30m"
timezone = "Europe/Madrid"

[run]
replications = 1
seed = 1

[[regions]]
name = "home"
timezone = "Europe/Madrid"
share = 1.0

[[channels]]
name = "phone"
kind = "voice"
forecast = "{forecast}"
handle_time = {{ mean = "4m", cv = 0.8, distribution = "lognormal" }}
patience = {{ mean = "2m", distribution = "exponential" }}
target = {{ within = "30s", share = 0.8 }}

[[channels]]
name = "email"
kind = "email"
forecast = "{forecast}"
handle_time = {{ mean = "7m", cv = 0.5, distribution = "gamma" }}
target = {{ within = "24h", share = 0.9 }}

[[sites]]
name = "madrid"
timezone = "Europe/Madrid"
skills = ["phone", "email"]
hourly_cost = 20.0

[[shifts]]
name = "day"
starts = {{ from = "08:00", to = "08:00", every = "1h" }}
length = "8h"
paid = "8h"

[[roster]]
site = "madrid"
shift = "day"
start = "08:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
agents = 4
"""


def test_a_forecast_file_without_rows_of_the_channel_is_refused(tmp_path: Path) -> None:
    forecast_csv = tmp_path / "forecast.csv"
    forecast_csv.write_text(
        "interval_start,volume,channel\n2026-03-02T09:00:00+01:00,3.5,chat\n", encoding="utf-8"
    )
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO.format(forecast=forecast_csv), encoding="utf-8")
    code, _, err = run_cli("validate", str(scenario))
    assert code == 2
    assert f"{forecast_csv}: (file): has no row whose channel is phone" in err.splitlines()
    assert f"{forecast_csv}: (file): has no row whose channel is email" in err.splitlines()


def test_per_contact_records_give_volumes_handle_times_and_patience(tmp_path: Path) -> None:
    from tests.forecast_synth import contact_rows

    voice = contact_rows(rates(FIRST, 5 * 7, ZONE, 30, 600.0), 1, 300.0, 0.8, 150.0)
    email = contact_rows(rates(FIRST, 5 * 7, ZONE, 30, 200.0), 2, 500.0, 0.5)
    rows = pd.concat([voice.assign(channel="voice"), email.assign(channel="email")])
    path = write(rows, tmp_path / "contacts.csv")
    out = tmp_path / "out"
    code, _, err = run_cli(
        "forecast", str(path), "--timezone", ZONE, "--horizon", "1w", "--start", "2026-02-09",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    document = json.loads((out / "forecast.json").read_text())
    assert document["history"]["kind"] == "contacts"
    voice_fit = document["channels"]["voice"]
    assert voice_fit["handle_time"]["distribution"] == "lognormal"
    assert voice_fit["handle_time"]["mean_s"] == pytest.approx(300.0, rel=0.05)
    assert voice_fit["patience"]["mean_s"] == pytest.approx(150.0, rel=0.1)
    assert voice_fit["patience"]["mean_of_abandoned_waits_s"] < 0.5 * 150.0
    assert document["channels"]["email"]["patience"] is None
    assert document["channels"]["email"]["handle_time"]["mean_s"] == pytest.approx(500, rel=0.05)
    written = pd.read_csv(out / "forecast.csv")
    assert list(written.columns) == ["interval_start", "volume", "channel", "aht"]
    voice_aht = written.loc[written["channel"] == "voice", "aht"]
    assert voice_aht[written["volume"] > 5].mean() == pytest.approx(300.0, rel=0.1)
    daily = written.groupby("channel")["volume"].sum() / 7
    assert daily["voice"] == pytest.approx(600.0, rel=0.1)
    assert daily["email"] == pytest.approx(200.0, rel=0.1)


def test_regions_are_forecast_as_their_shares_of_the_channel(tmp_path: Path) -> None:
    frame = rates(FIRST, 6 * 7, ZONE, 30, 1000.0)
    rows = pd.concat(
        [
            interval_rows(frame.assign(rate=frame["rate"] * 0.7), seed=1).assign(region="north"),
            interval_rows(frame.assign(rate=frame["rate"] * 0.3), seed=2).assign(region="south"),
        ]
    )
    history, _ = read_history(write(rows, tmp_path / "regions.csv"), MADRID, 1800)
    assert history is not None and history.has_region
    result = forecast(history, Request(dt.date(2026, 2, 16), 7, MADRID, 1800), SpecialDays())
    assert list(result.rows.columns) == ["interval_start", "volume", "region"]
    by_region = result.rows.groupby("region")["volume"].sum()
    assert by_region["north"] / by_region.sum() == pytest.approx(0.7, abs=0.02)
    # each interval's regions add up to the channel's forecast of that interval
    per_interval = result.rows.groupby("interval_start")["volume"].sum()
    assert len(per_interval) == 7 * 48
    assert per_interval.sum() == pytest.approx(1000.0 * 7, rel=0.1)


def test_naive_rows_in_the_repeated_autumn_hour_are_summer_then_winter_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "autumn.csv"
    path.write_text(
        "interval_start,volume\n"
        "2026-10-25T01:30:00,1\n"
        "2026-10-25T02:00:00,2\n"
        "2026-10-25T02:30:00,3\n"
        "2026-10-25T02:00:00,4\n"
        "2026-10-25T02:30:00,5\n"
        "2026-10-25T03:00:00,6\n",
        encoding="utf-8",
    )
    history, problems = read_history(path, MADRID, 1800)
    assert history is not None
    assert [str(p) for p in problems] == [
        f"{path}: interval_start: warning: 4 rows lie in an hour that clocks repeat in "
        "Europe/Madrid: the first row of each interval is taken as summer time, its repeat as "
        "winter time"
    ]
    starts = history.rows["start_s"].to_numpy()
    assert (np.diff(starts) == 1800).all()  # six consecutive half-hours of real time
    assert history.rows["volume"].tolist() == [1, 2, 3, 4, 5, 6]


def test_unknown_holiday_country_is_a_one_line_error(trended: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "forecast", str(trended), "--timezone", ZONE, "--start", "2026-05-25",
        "--holidays", "XX", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 2
    assert err.splitlines() == [
        "workbench forecast: --holidays: is not a country code the holidays package knows "
        '(got "XX")'
    ]


def test_a_last_day_cut_short_by_the_export_is_missing_not_a_quiet_day(tmp_path: Path) -> None:
    rows = interval_rows(rates(FIRST, 6 * 7, ZONE, 30, 800.0), seed=4)
    cut = rows[rows["interval_start"] < "2026-02-15T09"]  # the last Sunday ends at 09:00
    history, _ = read_history(write(cut, tmp_path / "cut.csv"), MADRID, 1800)
    assert history is not None
    result = forecast(history, Request(dt.date(2026, 2, 16), 14, MADRID, 1800), SpecialDays())
    assert result.document["history"]["gaps"][0]["first"] == "2026-02-15"
    assert "2026-02-15 has no or few contacts" in result.warnings[0]
    day = result.rows["interval_start"].str[:10]
    sundays = result.rows.groupby(day)["volume"].sum()[["2026-02-22", "2026-03-01"]]
    whole = interval_rows(rates(FIRST, 6 * 7, ZONE, 30, 800.0), seed=4)
    usual = whole[whole["interval_start"].str.startswith("2026-02-08")]["volume"].sum()
    assert sundays.to_numpy() == pytest.approx([usual, usual], rel=0.25)


def test_special_days_of_a_channel_the_history_lacks_are_a_warning(
    trended: Path, tmp_path: Path
) -> None:
    special = tmp_path / "special.csv"
    special.write_text("date,factor,channel\n2026-06-03,0,phone\n2026-06-04,2,fax\n")
    code, _, err = run_cli(
        "forecast", str(trended), "--timezone", ZONE, "--start", "2026-05-25",
        "--special-days", str(special), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0
    assert err.splitlines() == [
        "workbench forecast: --special-days: warning: fax is not a channel of the history; its "
        "days are not used"
    ]
    written = pd.read_csv(tmp_path / "o" / "forecast.csv")
    assert written.loc[written["interval_start"].str.startswith("2026-06-03"), "volume"].sum() == 0


def test_history_too_short_to_backtest_uses_the_seasonal_average_with_a_warning(
    tmp_path: Path,
) -> None:
    rows = interval_rows(rates(FIRST, 3 * 7, ZONE, 30, 500.0), seed=2)
    history, _ = read_history(write(rows, tmp_path / "short.csv"), MADRID, 1800)
    assert history is not None
    result = forecast(history, Request(dt.date(2026, 1, 26), 28, MADRID, 1800), SpecialDays())
    entry = result.document["channels"]["(all)"]
    assert entry["method"] == "seasonal_average"
    assert entry["backtest_wape_interval"] is None and entry["forecast_error"] is None
    assert "too few to backtest a 28-day horizon" in result.warnings[0]
    assert set(result.backtest["note"]) == {"too little history for one backtest fold"}
    # the three weeks are averaged: each weekday's forecast is its mean over them
    day = result.rows["interval_start"].str[:10]
    monday = result.rows.groupby(day)["volume"].sum()["2026-01-26"]
    days = rows.assign(day=rows["interval_start"].str[:10]).groupby("day")["volume"].sum()
    mondays = days[["2026-01-05", "2026-01-12", "2026-01-19"]]
    assert monday == pytest.approx(mondays.mean(), rel=0.05)
