"""Read a scenario file: raw TOML -> defaults -> validated, frozen ``Scenario``.

The only module that reads input files: the scenario here, its forecast CSVs and roster CSV in
``scenarios.csvinputs`` and its schedule CSV in ``scenarios.schedule``, all through the one
reader ``scenarios.files.read_text`` (regular files only, at most ``MAX_FILE_BYTES``). Every
problem is collected and raised together as one ``ScenarioError``; nothing here lets another
exception escape for any input bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from scenarios.checks import check_raw, did_you_mean, item_label
from scenarios.csvinputs import ROSTER_COLUMNS, Grid, read_forecast, read_roster
from scenarios.files import MAX_FILE_BYTES, Sources, decode_text, read_text
from scenarios.problems import _MISSING, Collector, Problem, ScenarioError
from scenarios.schedule import read_schedule, to_roster, warn_breaches
from scenarios.schema import Forecast, RosterRow, Scenario, ScenarioInfo, ScheduleRow
from scenarios.schema_fields import CROSS_FIELD
from scenarios.table_rules import check_table

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "ROSTER_COLUMNS",
    "Sources",
    "check_file",
    "load",
    "parse",
    "read_raw",
]

MAX_NESTING = 32
"""Deepest nesting of arrays and inline tables read from TOML (a scenario needs 3; ``tomllib``
recurses once per level and would exhaust the stack near 300)."""

_TOML_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"{0,2}"""'
    r"|'''.*?''''{0,2}"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'[^'\n]*+'"
    r"|#[^\n]*+"
    r"|[\[\]{}]",
    re.DOTALL,
)
"""Strings and comments (skipped whole, brackets inside them do not count) and brackets."""


def _too_deep(text: str) -> int | None:
    """The line where arrays and inline tables nest deeper than ``MAX_NESTING``, if any."""
    depth = 0
    for match in _TOML_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, match.start()) + 1
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
    return None


def _parse_toml(text: str, report: Collector) -> dict[str, Any] | None:
    deep = _too_deep(text)
    if deep is not None:
        report(
            f"line {deep}",
            f"invalid TOML: arrays and inline tables nested more than {MAX_NESTING} levels deep",
        )
        return None
    try:
        return tomllib.loads(text)
    except RecursionError:  # not reached: _too_deep refuses such files first
        report("(toml)", f"invalid TOML: nested more than {MAX_NESTING} levels deep")
        return None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if line is None and match:
            line = int(match.group(1))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message).rstrip(".")
        where = f"line {line}" if line else "(toml)"
        lines = text.splitlines()
        shown = lines[line - 1].strip() if line and 0 < line <= len(lines) else _MISSING
        report(where, f"invalid TOML: {message[:1].lower()}{message[1:]}", shown)
        return None


# --------------------------------------------------------------------------------------------
# pydantic errors -> problems


def _submodel(annotation: Any, key: Any) -> Any:
    """The annotation one step down ``key`` from ``annotation`` (model field or list item)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _submodel(typing.get_args(annotation)[0], key)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _submodel(arg, key)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if key in (name, field.alias):
                return field.annotation
        return None
    if origin in (tuple, list) and isinstance(key, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(key, str):
        return typing.get_args(annotation)[1]
    return None


def _model_keys(annotation: Any) -> list[str]:
    """The TOML keys a model accepts (aliases where set)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated or origin in (typing.Union, types.UnionType):
        return [k for arg in typing.get_args(annotation) for k in _model_keys(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items() if not f.exclude]
    return []


def _problem_from_error(
    error: Any, raw: dict[str, Any], report: Collector, ruled: set[str] | None = None
) -> None:
    """Report one pydantic error at its key path; a broken rule across a table's fields is
    left out when ``scenarios.table_rules`` reported it (``ruled``: the paths it reported)."""
    node: Any = raw
    annotation: Any = Scenario
    parts: list[str] = []
    loc = list(error["loc"])
    for position, key in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            table = parts.pop() if parts else ""
            parts.append(item_label(table, key, node[key]))
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, str) and (key in node or last):
            parts.append(key)
            node = node.get(key)
        elif isinstance(key, str) and not isinstance(node, dict):
            continue  # a union member's tag, not a key of the file
        else:
            parts.append(str(key))
            node = None
        if not (last and error["type"] == "extra_forbidden"):
            annotation = _submodel(annotation, key) if annotation is not None else None
    path = ".".join(parts) or "(top level)"
    kind = error["type"]
    value = error.get("input", _MISSING)
    if kind == CROSS_FIELD and any(
        p == path or p.startswith((f"{path}.", f"{path}[")) for p in ruled or ()
    ):
        return
    if kind == "extra_forbidden":
        key = str(loc[-1])
        report(path, "unknown key" + did_you_mean(key, _model_keys(annotation)), value)
    elif kind == "missing":
        report(path, "is required but missing")
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "should be")
        if isinstance(value, dict):
            report(path, message)
        else:
            report(path, message, value)


# --------------------------------------------------------------------------------------------
# Public API


def check_file(
    path: str | Path, sources: Sources | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """Load ``path``: ``(scenario, warnings)``, or ``(None, problems)``; never raises. With
    ``sources``, the bytes of every file read are kept there (each file is read once)."""
    path = Path(path)
    report = Collector(str(path))
    text = read_text(path, report, "scenario file", sources)
    if text is None:
        return None, report.problems
    raw = _parse_toml(text, report)
    if raw is None:
        return None, report.problems
    return parse(raw, base=path.parent, file=str(path), sources=sources)


def _grid(document: dict[str, Any]) -> Grid | None:
    """Where the scenario's intervals start: local midnight of ``start`` [s since 1970 UTC]
    and the interval [s]; from the `[scenario]` table alone (None if it does not parse), so
    that a forecast is checked against it whatever else in the file is wrong."""
    try:
        info = ScenarioInfo.model_validate(document.get("scenario"))
    except ValidationError:
        return None
    day = info.start
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(info.timezone))
    return midnight.timestamp(), info.interval_s


def parse(
    raw: dict[str, Any],
    base: Path = Path("."),
    file: str = "<scenario>",
    sources: Sources | None = None,
) -> tuple[Scenario | None, list[Problem]]:
    """Validate a parsed TOML document; CSV paths are resolved against ``base`` (and their
    bytes kept in ``sources`` when given).

    Returns ``(scenario, warnings)`` when it loads, ``(None, problems)`` when it does not.
    """
    report = Collector(file)
    problems = report.problems
    document = dict(raw)
    roster = document.get("roster")
    roster_rows: tuple[RosterRow, ...] | None = None
    if isinstance(roster, str):
        document.pop("roster")
    schedule = document.get("schedule")
    if isinstance(schedule, str):
        document.pop("schedule")
        if roster is not None:
            report("schedule", "and roster both give who works when: keep one of them")
    check_raw(document, report, report.warn)
    rules = Collector(file)
    check_table(Scenario, document, "", rules)
    try:
        scenario: Scenario | None = Scenario.model_validate(document)
    except ValidationError as exc:
        scenario = None
        errors = exc.errors()
        for error in errors:
            if error["type"] == "too_short" and any(
                len(other["loc"]) > len(error["loc"])
                and other["loc"][: len(error["loc"])] == error["loc"]
                for other in errors
            ):
                continue  # a list whose rows failed is not also "too short"
            _problem_from_error(error, document, report, {p.path for p in rules.problems})
    problems.extend(rules.problems)
    extra: list[Problem] = []
    if isinstance(roster, str):
        roster_rows = read_roster(base, roster, document, extra, sources)
    people: tuple[tuple[ScheduleRow, ...], tuple[int, ...]] | None = None
    if isinstance(schedule, str):
        people = read_schedule(base, schedule, document, extra, sources)
    region_rows = document.get("regions")
    region_rows = region_rows if isinstance(region_rows, list) else []
    regions = [str(r.get("name")) for r in region_rows if isinstance(r, dict)]
    grid = _grid(document)
    forecasts: dict[str, Forecast] = {}
    channels = document.get("channels")
    for channel in channels if isinstance(channels, list) else []:
        if isinstance(channel, dict) and isinstance(channel.get("forecast"), str):
            name = channel.get("name")
            found = read_forecast(
                base,
                channel["forecast"],
                regions,
                grid,
                extra,
                sources,
                channel=name if isinstance(name, str) else None,
            )
            if found is not None and isinstance(channel.get("name"), str):
                forecasts[channel["name"]] = found
    problems.extend(extra)
    if scenario is None or any(not p.warning for p in problems):
        return None, problems
    update: dict[str, Any] = {"forecasts": forecasts}
    if roster_rows is not None:
        update.update(roster=roster_rows, roster_file=roster)
    if people is None:
        return scenario.model_copy(update=update), problems
    rows, lines = people
    update.update(roster=to_roster(rows), schedule_rows=rows, schedule_file=schedule)
    loaded = scenario.model_copy(update=update)
    if loaded.contracts:
        problems.extend(warn_breaches(loaded, lines, str(base / str(schedule))))
    return loaded, problems


def read_raw(path: str | Path, data: bytes | None = None) -> dict[str, Any]:
    """The parsed TOML document of a scenario file (to write a changed copy of it); from
    ``data`` when given (the bytes already read, ``Sources.scenario``), else read."""
    report = Collector(str(path))
    if data is not None:
        text = decode_text(data, report, "scenario file")
    else:
        text = read_text(Path(path), report, "scenario file")
    raw = None if text is None else _parse_toml(text, report)
    if raw is None:
        raise ScenarioError(report.problems)
    return raw


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ``ScenarioError`` with every problem."""
    scenario, problems = check_file(path)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario
