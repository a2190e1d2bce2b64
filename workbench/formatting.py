"""Formatted views of the API's tables for notebooks: ``api.show(frame)``.

The tables of ``workbench.api`` stay numeric (shares in 0..1, seconds, currency) for the code
that uses them; ``show`` returns a pandas ``Styler`` that displays them as a manager reads them,
the unit chosen from the column's name, or, in the comparison tables (``table``, ``wide()``,
``differences``), from the row's ``kpi``:

- percent (``0.34597`` -> ``34.6 %``): ``service_level`` and its interval, ``abandon_rate``,
  ``occupancy``, ``target_share``, ``missed_share``, ``p_meet``, ``containment``, any
  ``*_share`` or ``*_rate``; forecast accuracy: any ``*wape``, ``*mape``, ``wape_*``,
  ``mape_*``, ``improvement``, ``forecast_error`` (a CV);
- seconds (``12.3 s``): any ``*_s`` (``asa_s``, ``wait_p90_s``, ``target_within_s``);
- money (``7,234``, no decimals, no symbol: the currency of the sites' ``hourly_cost``):
  ``cost``, ``objective``, any ``*_cost``;
- hours (``40.0 h``): any ``*_hours``, ``paid_hours*``;
- count (``1,234``): other integer columns (``people``, ``cells_short``);
- number (``1,234.4``): other numbers, one decimal.

Differences (``diff``, ``diff_ci_low``, ``diff_ci_high`` and ``wide("diff")``) carry a sign,
and differences of shares are in percentage points (``-0.05`` -> ``-5.0 pp``). Missing values
show as ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
from pandas.io.formats.style import Styler

Unit = Literal["percent", "seconds", "money", "hours", "count", "number"]

_PERCENT = {
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
    "abandon_rate",
    "occupancy",
    "target_share",
    "missed_share",
    "p_meet",
    "containment",
    "share",
    "improvement",
    "forecast_error",
}
_MONEY = {"cost", "objective", "labor_cost", "bot_cost", "total_cost", "simulated_cost"}
_DIFF_COLUMNS = {"diff", "diff_ci_low", "diff_ci_high"}
_KPI_VALUE_COLUMNS = {"mean", "ci_low", "ci_high", "value", *_DIFF_COLUMNS}
"""Columns whose unit is that of the row's ``kpi`` in the comparison tables."""


def unit_of(name: str) -> Unit:
    """The display unit of a column or KPI called ``name``."""
    if name in _PERCENT or name.endswith(("_share", "_rate", "wape", "mape")):
        return "percent"
    if name.startswith(("service_level", "wape_", "mape_")):
        return "percent"
    if name.endswith("_s"):
        return "seconds"
    if name in _MONEY or name.endswith("_cost"):
        return "money"
    if name.endswith("_hours") or name.startswith("paid_hours"):
        return "hours"
    return "number"


def format_value(unit: Unit, value: Any, difference: bool = False) -> str:
    """``value`` as text in ``unit`` (``"-"`` when missing); ``difference`` adds a sign and
    writes shares in percentage points."""
    if value is None or isinstance(value, bool):
        return "-" if value is None else str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "-"
    sign = "+" if difference else ""
    if unit == "percent":
        return f"{100 * number:{sign},.1f} {'pp' if difference else '%'}"
    if unit == "seconds":
        return f"{number:{sign},.1f} s"
    if unit == "money":
        return f"{number:{sign},.0f}"
    if unit == "hours":
        return f"{number:{sign},.1f} h"
    if unit == "count":
        return f"{number:{sign},.0f}"
    return f"{number:{sign},.1f}"


def _formatter(unit: Unit, difference: bool = False) -> Callable[[Any], str]:
    return lambda value: format_value(unit, value, difference)


def show(frame: pd.DataFrame, difference: bool = False) -> Styler:
    """A formatted view of ``frame`` (its numbers unchanged): see the module docstring.

    ``difference`` marks a table of differences whose columns are not called ``diff`` (e.g.
    ``result.wide("diff")``): every value gets a sign, shares in percentage points.
    """
    styler = frame.style
    kpis = _kpi_labels(frame)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)]
    numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(frame[c].dtype)]
    for column in numeric:
        name = str(column)
        is_diff = difference or name in _DIFF_COLUMNS
        if kpis is not None and (name in _KPI_VALUE_COLUMNS or kpis.name == "index"):
            for kpi in pd.unique(kpis):
                rows = frame.index[(kpis == kpi).to_numpy()]
                styler = styler.format(
                    _formatter(unit_of(str(kpi)), is_diff), subset=(rows, [column])
                )
        else:
            unit = unit_of(name)
            if unit == "number" and pd.api.types.is_integer_dtype(frame[column].dtype):
                unit = "count"
            styler = styler.format(_formatter(unit, is_diff), subset=[column])
    return styler


def _kpi_labels(frame: pd.DataFrame) -> pd.Series | None:
    """The KPI of every row when ``frame`` is a comparison table: its ``kpi`` column (named
    ``"column"``) or index level (named ``"index"``, every numeric column is then a value)."""
    if "kpi" in frame.columns:
        return pd.Series(frame["kpi"].to_numpy(), name="column")
    if "kpi" in (frame.index.names or []):
        return pd.Series(frame.index.get_level_values("kpi"), name="index")
    return None
