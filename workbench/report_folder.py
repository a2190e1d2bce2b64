"""Reading a run folder for ``workbench report``: the files the report shows, each checked so
that a damaged file gives :class:`ReportError` with one line naming it, never a traceback."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import charts
from workbench.report_errors import ReportError
from workbench.report_people import read_people_plan

REQUIRED_FILES = ("summary.json", "intervals.csv")
"""Files without which a folder is not a run folder."""


@dataclass(frozen=True)
class RunFolder:
    """What the report reads from a run folder (docs/outputs.md).

    ``summary``, ``manifest`` and ``plan`` are the JSON documents (``manifest`` empty and
    ``plan`` None when absent); ``intervals`` is ``intervals.csv``; ``scenario_text`` and
    ``optimized_text`` the scenario as run and, after ``optimize``, ``optimized.toml``.
    """

    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    intervals: pd.DataFrame
    scenario_text: str | None
    optimized_text: str | None
    plan: dict[str, Any] | None
    requirements: pd.DataFrame | None = None
    """``requirements.csv`` of an optimize folder (None when absent)."""
    costs: pd.DataFrame | None = None
    """``costs.csv`` of an optimize folder (None when absent)."""
    schedule: pd.DataFrame | None = None
    """``schedule.csv`` of a people plan (None when absent), checked by ``report_people``."""
    people: pd.DataFrame | None = None
    """``people.csv`` of a people plan (None when absent), checked by ``report_people``."""
    daily: pd.DataFrame | None = None
    """``daily.csv`` (None when absent: a folder of an older version)."""

    @property
    def roster_file(self) -> Path | None:
        """The scenario whose roster was simulated: ``optimized.toml`` after ``optimize``."""
        for name in ("optimized.toml", "scenario.toml"):
            if (self.path / name).is_file():
                return self.path / name
        return None


MAX_JSON_BYTES = 64 << 20
"""Largest JSON file of a run folder read [bytes] (a year of intervals stays far below)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (JSON has no NaN or Infinity)")


def _json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, strictly: no NaN or Infinity (which Python's ``json`` would
    accept), a regular file of at most ``MAX_JSON_BYTES``; else ``ReportError`` naming it."""
    try:
        size = path.stat().st_size
        if not path.is_file() or size > MAX_JSON_BYTES:
            raise ReportError(
                f"{path.name} is not a regular file of at most {MAX_JSON_BYTES:,} bytes"
            )
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ReportError(f"{path.name} cannot be read: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise ReportError(f"{path.name} cannot be read: {reason}") from None
    if not isinstance(document, dict):
        raise ReportError(f"{path.name} is not a JSON object")
    return document


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))  # 1e999 reads as inf, a 400-digit int overflows
    except OverflowError:
        return False


_KINDS: dict[str, Callable[[Any], bool]] = {
    "a number": _finite_number,
    "a number or null": lambda v: v is None or _finite_number(v),
    "a whole number": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "a whole number or null": lambda v: v is None or (isinstance(v, int) and type(v) is not bool),
    "true or false": lambda v: isinstance(v, bool),
    "a string": lambda v: isinstance(v, str),
    "an object": lambda v: isinstance(v, dict),
    "a list": lambda v: isinstance(v, list),
    "a list of strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "an object of strings": lambda v: (
        isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
    ),
    "an object of numbers": lambda v: (
        isinstance(v, dict) and all(_finite_number(x) for x in v.values())
    ),
    "two numbers or nulls": lambda v: (
        isinstance(v, list) and len(v) == 2 and all(x is None or _finite_number(x) for x in v)
    ),
}
"""What a value read by the report may be, by the name its problem gives it."""

Rule = tuple[tuple[str, ...], str, bool]
"""A key path, the kind of its value (a key of ``_KINDS``) and whether it must be there."""

_ABSENT = object()


def _check(document: dict[str, Any], rules: list[Rule], what: str) -> None:
    """Raise ``ReportError`` for the first rule ``document`` breaks: ``WHAT: key.path missing``
    or ``WHAT: key.path should be KIND (got VALUE)``."""
    for keys, kind, required in rules:
        node: Any = document
        for key in keys:
            node = node.get(key, _ABSENT) if isinstance(node, dict) else _ABSENT
            if node is _ABSENT:
                break
        if node is _ABSENT:
            if required:
                raise ReportError(f"{what}: {'.'.join(keys)} missing")
            continue
        if not _KINDS[kind](node):
            shown = json.dumps(node, allow_nan=True, default=str)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ReportError(f"{what}: {'.'.join(keys)} should be {kind} (got {shown})")


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path.name} cannot be read: {error}") from None


def _check_summary(summary: dict[str, Any]) -> None:
    """Every key the report reads is there with a value it can show (a ``summary.json`` of
    docs/outputs.md: numbers finite, null where there is no data)."""
    channels = summary.get("channels")
    sites = summary.get("sites")
    if not isinstance(channels, dict) or not channels or not isinstance(sites, dict):
        raise ReportError("summary.json is not a run summary: channels or sites missing")
    rules: list[Rule] = [(("cost", key), "a number", True) for key in ("labor", "bot", "total")]
    rules += [
        (("scenario",), "a string", False),
        (("seed",), "a whole number", False),
        (("replications",), "a whole number", False),
    ]
    for name in channels:
        rules += [
            (("channels", name), "an object", True),
            (("channels", name, "service_level", "mean"), "a number or null", True),
            (("channels", name, "service_level", "ci95"), "two numbers or nulls", False),
            (("channels", name, "target", "share"), "a number", True),
            (("channels", name, "target", "within_s"), "a number", True),
            (("channels", name, "met"), "true or false", False),
        ]
        rules += [
            (("channels", name, key), "a number or null", False)
            for key in ("offered", "asa_s", "abandon_rate", "occupancy")
        ]
    for name in sites:
        rules += [
            (("sites", name), "an object", True),
            (("sites", name, "cost"), "a number", True),
        ]
        rules += [
            (("sites", name, key), "a number or null", False)
            for key in ("paid_hours", "occupancy", "overtime_hours")
        ]
    _check(summary, rules, "summary.json is not a run summary")


def _check_manifest(manifest: dict[str, Any]) -> None:
    """The manifest keys the report shows have values it can show."""
    rules: list[Rule] = [
        (("command",), "a list of strings", False),
        (("versions",), "an object of strings", False),
        (("input_sha256",), "a string", False),
        (("finished_utc",), "a string", False),
    ]
    _check(manifest, rules, "manifest.json is not a run manifest")


def _check_plan(plan: dict[str, Any]) -> None:
    """The ``plan.json`` keys the report reads (docs/outputs.md) have values it can show."""
    rules: list[Rule] = [
        (("solver",), "a string", False),
        (("solver_status",), "a string", False),
        (("bot_levels",), "an object of numbers", False),
        (("iterations",), "a list", False),
        (("comparison",), "an object", False),
        (("verification",), "an object", False),
        (("verification", "meets_targets"), "true or false", False),
        (("verification", "capacity_bound"), "true or false", False),
        (("verification", "cost"), "a number", False),
        (("verification", "cells_short"), "a whole number", False),
        (("verification", "cells_judged"), "a whole number or null", False),
    ]
    comparison = plan.get("comparison")
    entries = comparison if isinstance(comparison, dict) else {}
    for key, entry in entries.items():
        if entry is None:
            continue  # no hand roster
        rules += [
            (("comparison", key), "an object", True),
            (("comparison", key, "cost"), "a number", True),
            (("comparison", key, "cells_short"), "a whole number", True),
            (("comparison", key, "missed_share"), "a number", True),
        ]
    _check(plan, rules, "plan.json is not an optimizer plan")


def read_run(path: str | Path) -> RunFolder:
    """Read a run folder; raise :class:`ReportError` naming what is missing or unreadable."""
    folder = Path(path)
    if not folder.exists():
        raise ReportError("no such folder")
    if not folder.is_dir():
        raise ReportError("not a folder (give the run folder that simulate or optimize wrote)")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ReportError(
            f"not a run folder: {', '.join(missing)} missing (give the folder that "
            f"workbench simulate or optimize wrote)"
        )
    summary = _json(folder / "summary.json")
    _check_summary(summary)
    try:
        intervals = pd.read_csv(folder / "intervals.csv")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise ReportError(f"intervals.csv cannot be read: {error}") from None
    needed = [c for c in charts.SL_COLUMNS if c not in intervals.columns]
    needed += [c for c in ("backlog_end",) if c not in intervals.columns]
    if needed or intervals.empty:
        what = f"lacks the column(s) {', '.join(needed)}" if needed else "has no rows"
        raise ReportError(f"intervals.csv {what}")
    manifest = _json(folder / "manifest.json") if (folder / "manifest.json").exists() else {}
    _check_manifest(manifest)
    plan = _json(folder / "plan.json") if (folder / "plan.json").exists() else None
    if plan is not None:
        _check_plan(plan)
    tables: dict[str, pd.DataFrame | None] = {}
    for name in ("requirements", "costs", "daily"):
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path) if path.is_file() else None
        except (OSError, ValueError, UnicodeDecodeError) as error:
            raise ReportError(f"{path.name} cannot be read: {error}") from None
    people_plan = read_people_plan(folder)
    return RunFolder(
        path=folder,
        summary=summary,
        manifest=manifest,
        intervals=intervals,
        scenario_text=_text(folder / "scenario.toml"),
        optimized_text=_text(folder / "optimized.toml"),
        plan=plan,
        requirements=tables["requirements"],
        costs=tables["costs"],
        schedule=people_plan.schedule,
        people=people_plan.people,
        daily=tables["daily"],
    )
