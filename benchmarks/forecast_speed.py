"""``python -m benchmarks.forecast_speed``: a year of 5-minute history for 4 channels forecast
8 weeks ahead, backtest included, in under 60 s (issue 13, point 5).

The history is made by ``forecasting.synthetic`` (not timed): 52 weeks from Monday 2025-01-06,
Europe/Madrid, 5-minute counts of four channels (phone 3,000 contacts a day, chat 1,200, email
600, social 150; weekday and weekend intraday profiles, growth, Spanish holidays, day noise),
zero intervals left out as exports do. Then:

1. **the command**, as a planner runs it, in a fresh interpreter: ``workbench forecast
   history.csv --start 2026-01-05 --horizon 8w --interval 30m --timezone Europe/Madrid
   --holidays ES``: start-up and imports, reading and checking the CSV, the backtest of three
   methods (4 origins, 8 weeks each) and the forecast per channel, and writing
   ``forecast.csv``, ``backtest.csv``, ``forecast.json``, ``forecast.html`` and
   ``forecast.png``. Wall time [s], best of ``--repeats``; this is the figure with the goal.
2. **the stages**, in this process: ``read_history``, ``forecasting.run.forecast`` (backtest
   + forecast), and writing the files with the chart (HTML and PNG), each timed [s] after its
   imports; the rest of the command's time is the interpreter's start-up and imports.

Prints the figures and writes ``benchmarks/out/forecast_speed.json``. ``--profile`` prints the
cProfile of the forecast stage (top 15 by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from benchmarks import common
from forecasting import synthetic
from forecasting.calendar import SpecialDays
from forecasting.history import read_history
from forecasting.run import Request, forecast

GOAL_S = 60.0
FIRST = dt.date(2025, 1, 6)  # a Monday
WEEKS = 52
ZONE = "Europe/Madrid"
START = FIRST + dt.timedelta(days=7 * WEEKS)
HORIZON = "8w"
CHANNELS = {"phone": 3000.0, "chat": 1200.0, "email": 600.0, "social": 150.0}
"""Contacts a day at the start of the history, by channel."""


def make_history(path: Path) -> tuple[int, dict[dt.date, str]]:
    """Write the year of 5-minute history to ``path``; its rows and the holidays used."""
    import holidays as package

    found = package.country_holidays("ES", years=[FIRST.year, START.year])
    holidays = {d: str(n) for d, n in found.items()}
    frames = []
    for seed, (channel, per_day) in enumerate(CHANNELS.items(), start=1):
        frame = synthetic.rates(
            FIRST,
            7 * WEEKS,
            ZONE,
            5,
            per_day,
            trend_per_week=0.003,
            holidays=holidays,
            hourly=synthetic.by_weekday(),
            day_cv=0.05,
            seed=seed,
        )
        frames.append(synthetic.interval_rows(frame, seed=seed + 10, channel=channel))
    rows = pd.concat(frames, ignore_index=True)
    rows.to_csv(path, index=False)
    return len(rows), holidays


def command_seconds(history: Path, out: Path) -> float:
    """Wall time [s] of ``workbench forecast`` on ``history`` in a fresh interpreter."""
    args = [sys.executable, "-m", "workbench", "forecast", str(history), "--start"]
    args += [START.isoformat(), "--horizon", HORIZON, "--interval", "30m", "--timezone", ZONE]
    args += ["--holidays", "ES", "--out", str(out), "--overwrite"]
    began = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=common.ROOT, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"workbench forecast failed ({done.returncode}):\n{done.stderr}")
    return seconds


def stages(history: Path, holidays: dict[dt.date, str], profile: bool) -> dict[str, Any]:
    """Seconds of reading the history and of the backtest + forecast, in this process."""
    zone = ZoneInfo(ZONE)
    began = time.perf_counter()
    found, problems = read_history(history, zone, 1800)
    read_s = time.perf_counter() - began
    if found is None:
        raise SystemExit("\n".join(str(p) for p in problems))
    request = Request(START, 7 * int(HORIZON[:-1]), zone, 1800)
    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = forecast(found, request, SpecialDays(holidays, {}))
    if profiler is not None:
        profiler.disable()
    forecast_s = time.perf_counter() - began
    from forecasting.outputs import write_forecast
    from workbench.forecast_chart import forecast_chart, forecast_html, forecast_png

    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        write_forecast(Path(folder), result)
        chart = forecast_chart(result.daily)
        (Path(folder) / "forecast.html").write_text(forecast_html(chart, result.document))
        (Path(folder) / "forecast.png").write_bytes(forecast_png(chart))
    write_s = time.perf_counter() - began
    chosen = {name: entry["method"] for name, entry in result.document["channels"].items()}
    out: dict[str, Any] = {
        "read_s": read_s,
        "forecast_s": forecast_s,
        "write_s": write_s,
        "methods": chosen,
    }
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(15)
        out["profile"] = text.getvalue()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.forecast_speed", description=__doc__
    )
    parser.add_argument("--repeats", type=int, default=2, help="command runs, best kept (2)")
    parser.add_argument("--profile", action="store_true", help="profile the forecast stage")
    args = parser.parse_args()
    info = common.machine()
    print(f"date       {info['date_utc']}")
    print(f"machine    cpu_count={info['cpu_count']}, usable={info['usable_cpus']}")
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "history.csv"
        print("... writing a year of 5-minute history, 4 channels", flush=True)
        rows, holidays = make_history(history)
        size_mb = history.stat().st_size / 1e6
        runs = []
        for run in range(args.repeats):
            load = os.getloadavg()[0]
            seconds = command_seconds(history, Path(folder) / "out")
            runs.append({"seconds": seconds, "load_average_1m_before": load})
            print(f"... workbench forecast, run {run + 1}: {seconds:.1f} s (load {load:.2f})")
        parts = stages(history, holidays, args.profile)
    best = min(r["seconds"] for r in runs)
    figures: dict[str, Any] = {
        "machine": info,
        "history_rows": rows,
        "history_mb": size_mb,
        "channels": list(CHANNELS),
        "horizon": HORIZON,
        "command_runs": runs,
        "command_best_s": best,
        "goal_s": GOAL_S,
        "met": best < GOAL_S,
        **parts,
        "load_average_1m_at_end": os.getloadavg()[0],
    }
    print()
    print(f"history            {rows:,} rows of 5-minute counts, {size_mb:.1f} MB, 4 channels")
    print(f"workbench forecast {best:.1f} s (best of {len(runs)}), 8 weeks at 30 min, backtest")
    print(f"  goal             < {GOAL_S:.0f} s: {'met' if figures['met'] else 'MISSED'}")
    print(f"  read_history     {parts['read_s']:.1f} s (in process)")
    print(f"  backtest+forecast {parts['forecast_s']:.1f} s (in process)")
    print(f"  files and chart  {parts['write_s']:.1f} s (in process)")
    print("  methods          " + ", ".join(f"{c} {m}" for c, m in parts["methods"].items()))
    print(f"  load average     {figures['load_average_1m_at_end']:.2f} at the end")
    if "profile" in parts:
        print(parts["profile"])
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = common.OUT_DIR / "forecast_speed.json"
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
