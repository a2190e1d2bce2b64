"""Rich tables for the terminal: plans compared, head count, segments below target (the KPI
tables are in ``workbench.kpi_tables``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from workbench.kpi_tables import wait


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def comparison_table(plan: dict[str, Any]) -> Table:
    """Hand roster vs the plan from analytic requirements alone vs the corrected plan."""
    table = Table(title="plans compared (expected cost; cells short on the scenario seed)")
    for column in ("plan", "cost", "cells short", "share missed"):
        table.add_column(column, justify="left" if column == "plan" else "right")
    rows = plan["comparison"]
    for label, key in (
        ("hand roster", "hand_roster"),
        ("first round (model alone, before any simulation)", "first_round"),
        ("corrected by simulation", "corrected_plan"),
    ):
        entry = rows.get(key)
        if entry is None:
            continue
        table.add_row(
            label, _num(entry["cost"], 0), str(entry["cells_short"]), _pct(entry["missed_share"])
        )
    return table


def headcount_table(people: Any) -> Table:
    """People by site and contract (``people.csv`` of a people plan, a DataFrame): head count,
    hires and releases against today's, FTE, paid hours a week and nights and weekend days per
    person (mean, with min-max), cost."""
    table = Table(title="people by site and contract (hires and releases against existing)")
    for column in (
        "site",
        "contract",
        "people",
        "existing",
        "hires",
        "releases",
        "FTE",
        "paid h/week",
        "nights",
        "weekend days",
        "cost",
    ):
        table.add_column(column, justify="left" if column in ("site", "contract") else "right")

    def known(value: Any) -> str:
        return "-" if value is None or pd.isna(value) else f"{int(value):,}"

    def spread(row: Any, name: str) -> str:
        low, mean, high = row[f"{name}_min"], row[f"{name}_mean"], row[f"{name}_max"]
        return "-" if pd.isna(mean) else f"{mean:.1f} ({low:g}-{high:g})"

    for _, row in people.iterrows():
        if row["people"] == 0 and row["site"] != "all":
            continue
        table.add_row(
            str(row["site"]),
            str(row["contract"]),
            known(row["people"]),
            known(row["existing"]),
            known(row["hires"]),
            known(row["releases"]),
            f"{row['fte']:.1f}",
            spread(row, "paid_hours_per_week"),
            spread(row, "nights"),
            spread(row, "weekend_days"),
            f"{row['cost']:,.0f}",
        )
    return table


SEGMENT_ROWS = 8
"""Segments the terminal lists at most below the KPI table; the rest are counted."""


def segments_table(summary: dict[str, Any], limit: int = SEGMENT_ROWS) -> Table | str | None:
    """Channel x region segments offered contacts that miss their channel's target or were
    never answered (a language no site serves), worst first: never answered, then by service
    level. None when the scenario has one region and one language (the KPI table says it
    all); a one-line note when every segment meets its target. At most ``limit`` rows, with a
    count of the others."""
    segments = summary.get("segments") or []
    regions = {s["region"] for s in segments}
    languages = {s["language"] for s in segments}
    if len(regions) <= 1 and len(languages) <= 1:
        return None
    lagging = [
        s
        for s in segments
        if (s["offered"] or 0) > 0 and ((s["answered"] or 0) == 0 or not s["met"])
    ]
    if not lagging:
        return f"all {len(segments)} segments (channel x region) meet their channel's target"

    def severity(segment: dict[str, Any]) -> tuple[bool, float]:
        mean = segment["service_level"]["mean"]
        return (segment["answered"] or 0) > 0, -1.0 if mean is None else mean

    lagging.sort(key=severity)
    table = Table(
        title=f"segments below target: {len(lagging)} of {len(segments)} (channel x region)"
    )
    shown = lagging[:limit]
    noted = any((s["answered"] or 0) == 0 for s in shown)
    columns = ["channel", "region", "language", "offered", "answered", "SL", "target"]
    columns += ["ASA", "abandon", *(["note"] if noted else [])]
    for column in columns:
        left = column in ("channel", "region", "language", "note")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for segment in shown:
        never = (segment["answered"] or 0) == 0
        note = ["never answered" if never else ""] if noted else []
        table.add_row(
            segment["channel"],
            segment["region"],
            segment["language"],
            _num(segment["offered"], 0),
            _num(segment["answered"], 0),
            _pct(segment["service_level"]["mean"]),
            _pct(segment["target_share"]),
            wait(segment["asa_s"]),
            _pct(segment["abandon_rate"]),
            *note,
        )
    if len(lagging) > limit:
        table.caption = f"and {len(lagging) - limit} more below target (segments.csv, summary.json)"
    return table
