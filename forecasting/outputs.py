"""The files ``workbench forecast`` writes into its output folder:

- ``forecast.csv``: ``interval_start`` (ISO 8601 with the offset of ``--timezone``), ``volume``
  (expected contacts in the interval), and ``channel``, ``region``, ``aht`` [s] where the history
  has them; a channel's ``forecast`` in a scenario reads it unchanged (the rows of its own
  channel, when the file has a ``channel`` column).
- ``backtest.csv``: one row per channel and method: folds, WAPE and MAPE at the interval and on
  daily totals, the interval WAPE relative to the seasonal-naive baseline, and whether the method
  was chosen.
- ``forecast.json``: per channel the method, its parameters, its backtest WAPE against the
  seasonal naive's, the suggested ``forecast_error``, and where the history has per-contact
  records the fitted handle-time and patience distributions; the history's gaps, clock changes
  and the special days used.
"""

from __future__ import annotations

from pathlib import Path

from forecasting.run import Forecast
from simulation.output import json_text

FILES = ("forecast.csv", "backtest.csv", "forecast.json")


def write_forecast(folder: Path, result: Forecast) -> list[Path]:
    """Write the three files of ``result`` into ``folder``; their paths."""
    written = []
    csv_text = result.rows.to_csv(index=False, float_format="%.4f", lineterminator="\n")
    backtest = result.backtest.to_csv(index=False, float_format="%.4f", lineterminator="\n")
    for name, text in zip(FILES, (csv_text, backtest, json_text(result.document)), strict=True):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
