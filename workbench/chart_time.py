"""The time axis of the charts, and the small pieces every chart module shares.

Time on the x axis is the UTC instant of the interval start (``interval_start``), so a daylight
saving change neither folds nor tears the line. Two axes label it: UTC at the bottom and the
planning clock (``interval_start_local``, offsets taken from the table itself, clock changes
included) at the top, with ticks on round local hours (:class:`_Clock`). Chart data goes in
inline (:func:`_inline`, NaN written as null): no row limit, no file next to the notebook.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_TICK_STEPS_H = (1, 2, 3, 6, 12, 24, 48, 168)
_MAX_TICKS = 10


def _inline(frame: pd.DataFrame) -> alt.InlineData:
    """The rows of ``frame`` as inline chart data (NaN -> null, numpy -> Python scalars)."""
    clean = frame.astype(object).where(frame.notna(), None)
    records: list[dict[str, Any]] = [
        {str(key): _plain(value) for key, value in row.items()}
        for row in clean.to_dict(orient="records")
    ]
    return alt.InlineData(values=records)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}")


def _times(frame: pd.DataFrame) -> pd.DataFrame:
    """``interval_start`` as UTC ISO text and ``interval_start_local`` as ISO text."""
    out = frame.copy()
    start = out["interval_start"]
    if not pd.api.types.is_string_dtype(start) and not pd.api.types.is_object_dtype(start):
        out["interval_start"] = pd.to_datetime(start, utc=True).dt.strftime(UTC_FORMAT)
    else:
        out["interval_start"] = start.astype(str)
    out["interval_start_local"] = out["interval_start_local"].map(
        lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v)
    )
    return out


@dataclass(frozen=True)
class _Clock:
    """Ticks and the planning clock's offsets of a time line.

    ``ticks_ms``: tick instants [ms since 1970 UTC], on round local hours; ``offsets``:
    ``(from_ms, offset_ms)`` of the planning clock in force from each instant, ascending;
    ``fmt``: d3 time format of the labels.
    """

    ticks_ms: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]
    fmt: str

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Clock:
        """The clock of a table with ``interval_start`` and ``interval_start_local``."""
        pairs = frame[["interval_start", "interval_start_local"]].drop_duplicates()
        utc = pd.to_datetime(pairs["interval_start"], utc=True)
        ms = [int(t.value // 1_000_000) for t in utc]
        local = [dt.datetime.fromisoformat(str(v)) for v in pairs["interval_start_local"]]
        order = np.argsort(ms, kind="stable")
        ms = [ms[k] for k in order]
        local = [local[k] for k in order]
        offsets: list[tuple[int, int]] = []
        for instant, wall in zip(ms, local, strict=True):
            delta = wall.utcoffset()
            offset = 0 if delta is None else int(delta.total_seconds() * 1000)
            if not offsets or offsets[-1][1] != offset:
                offsets.append((instant, offset))
        span_h = (ms[-1] - ms[0]) / 3_600_000 if ms else 0.0
        step = next((s for s in _TICK_STEPS_H if span_h / s <= _MAX_TICKS), _TICK_STEPS_H[-1])
        ticks = []
        for instant, wall in zip(ms, local, strict=True):
            minutes = wall.hour * 60 + wall.minute
            if step < 24:
                keep = minutes % (step * 60) == 0
            else:
                keep = minutes == 0 and wall.toordinal() % (step // 24) == 0
            if keep:
                ticks.append(instant)
        fmt = "%a %H:%M" if span_h <= 8 * 24 else "%d %b %H:%M"
        return cls(tuple(ticks), tuple(offsets), fmt)

    def offset_expr(self, value: str) -> str:
        """Vega expression of the planning-clock offset [ms] at the instant ``value``."""
        expr = str(self.offsets[0][1]) if self.offsets else "0"
        for start, offset in self.offsets[1:]:
            expr = f"({value} >= {start} ? {offset} : {expr})"
        return expr

    @property
    def local_title(self) -> str:
        """``planning clock (UTC+03:00)``, or both offsets around a clock change."""
        names = []
        for _, offset in self.offsets:
            sign = "+" if offset >= 0 else "-"
            minutes = abs(offset) // 60_000
            name = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
            if name not in names:
                names.append(name)
        return f"planning clock ({', '.join(names) or 'UTC'})"

    def _x(self, label_expr: str, title: str, orient: Literal["top", "bottom"]) -> alt.X:
        """The x encoding on ``interval_start`` with an axis at the ticks, labelled by
        ``label_expr`` (a Vega expression of the tick's time)."""
        return alt.X(
            "interval_start:T",
            scale=alt.Scale(type="utc"),
            axis=alt.Axis(
                values=list(self.ticks_ms),
                labelExpr=label_expr,
                labelAngle=0,
                labelOverlap=True,
                title=title,
                orient=orient,
            ),
        )

    def utc_x(self, axis: bool = True, title: str = "UTC") -> alt.X:
        """The x encoding on ``interval_start``; with the UTC axis at the bottom if ``axis``."""
        if not axis:
            return alt.X("interval_start:T", scale=alt.Scale(type="utc"), axis=None)
        return self._x(f"utcFormat(time(datum.value), '{self.fmt}')", title, "bottom")

    def local_axis_layer(self) -> alt.Chart:
        """An invisible layer that draws the planning-clock axis on top."""
        ticks = pd.DataFrame(
            {"interval_start": [pd.Timestamp(t, unit="ms", tz="UTC") for t in self.ticks_ms]}
        )
        ticks["interval_start"] = ticks["interval_start"].dt.strftime(UTC_FORMAT)
        value = "time(datum.value)"
        return (
            alt.Chart(_inline(ticks))
            .mark_rule(opacity=0)
            .encode(
                x=self._x(
                    f"utcFormat({value} + {self.offset_expr(value)}, '{self.fmt}')",
                    self.local_title,
                    "top",
                )
            )
        )


def _time_tooltips() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("interval_start_local:N", title="start (planning clock)"),
        alt.Tooltip("interval_start:N", title="start (UTC)"),
    ]


def _close_steps(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """``frame`` plus, per ``series``, a row at the end of its last interval with the same
    ``value``, so that a step-after line or area also draws the last interval."""
    starts = pd.to_datetime(frame["interval_start"], utc=True)
    distinct = starts.drop_duplicates().sort_values()
    if len(distinct) < 2:
        return frame
    step = distinct.iloc[-1] - distinct.iloc[-2]
    rows = frame.loc[starts.groupby(frame["series"]).idxmax()].copy()
    rows["interval_start"] = (starts[rows.index] + step).dt.strftime(UTC_FORMAT).to_numpy()
    rows["interval_start_local"] = [
        (dt.datetime.fromisoformat(str(v)) + step.to_pytimedelta()).isoformat()
        for v in rows["interval_start_local"]
    ]
    if "site_time" in rows.columns:
        rows["site_time"] = [
            (dt.datetime.fromisoformat(str(v)) + step.to_pytimedelta()).strftime("%Y-%m-%d %H:%M")
            if v
            else v
            for v in rows["site_time"]
        ]
    return pd.concat([frame, rows], ignore_index=True)


def duration_text(seconds: float) -> str:
    """A duration as a planner writes it: ``20 s``, ``3 min``, ``1 h 30 min``, ``24 h``."""
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" + (f" {rest} min" if rest else "")
