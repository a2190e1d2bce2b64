"""Read a scenario file: raw TOML -> defaults -> validated, frozen ``Scenario``.

The only module that reads input files (the scenario, its forecast CSVs and roster CSV). Every
problem is collected and raised together as one ``ScenarioError``; nothing here lets another
exception escape for any input bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tomllib
import types
import typing
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scenarios.checks import check_raw, check_roster_rows, did_you_mean, item_label
from scenarios.problems import _MISSING, Problem, ScenarioError
from scenarios.schema import Forecast, RosterRow, Scenario

MAX_FILE_BYTES = 20_000_000
"""Largest input file read [bytes]."""

ROSTER_COLUMNS = ("site", "shift", "start", "days", "agents")


@dataclass
class Sources:
    """The bytes of every file one ``check_file`` read, exactly as read (filled by it)."""

    scenario: bytes = b""
    """The scenario file."""
    inputs: dict[str, bytes] = field(default_factory=dict)
    """Each CSV it references: its path as written (relative to the scenario's folder, or
    absolute) -> its bytes."""
    base: Path = Path(".")

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the scenario bytes."""
        return hashlib.sha256(self.scenario).hexdigest()

    def record(self, path: Path, data: bytes) -> None:
        if not self.scenario:
            self.scenario = data
            return
        try:
            key = path.relative_to(self.base).as_posix()
        except ValueError:
            key = str(path)
        self.inputs[key] = data


_RECORDING: ContextVar[Sources | None] = ContextVar("recording", default=None)


class _Collector:
    """Collects problems of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def __call__(self, path: str, message: str, value: Any = _MISSING) -> None:
        self.problems.append(Problem(self.file, path, message, value))

    def warn(self, path: str, message: str, value: Any = _MISSING) -> None:
        """Record a problem that does not stop the file from loading."""
        self.problems.append(Problem(self.file, path, message, value, warning=True))


def read_text(path: Path, report: _Collector, what: str = "file") -> str | None:
    """Read a UTF-8 text file, reporting a missing, unreadable, empty or non-UTF-8 one."""
    try:
        if path.is_dir():
            report("(file)", f"is a directory, not a {what}")
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        report("(file)", f"{what} not found")
        return None
    except OSError as exc:
        report("(file)", f"cannot read the {what}: {exc.strerror or exc}")
        return None
    except ValueError:  # e.g. a NUL character in a path written in the scenario
        report("(file)", f"is not a usable path for a {what}")
        return None
    if len(data) > MAX_FILE_BYTES:
        report("(file)", f"is larger than {MAX_FILE_BYTES} bytes", len(data))
        return None
    recording = _RECORDING.get()
    if recording is not None:
        recording.record(path, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report(f"line {line}", "is not valid UTF-8 text", data[exc.start : exc.start + 4].hex())
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        report("(file)", f"the {what} is empty")
        return None
    return text


def _parse_toml(text: str, report: _Collector) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
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


def _problem_from_error(error: Any, raw: dict[str, Any], report: _Collector) -> None:
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
# CSV inputs


def _parse_timestamp(text: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-03-23T08:00:00+01:00")
    return stamp


def _read_forecast(
    base: Path, channel: dict[str, Any], label: str, regions: list[str], problems: list[Problem]
) -> Forecast | None:
    """Read one channel's forecast CSV; report problems against the CSV's own lines."""
    relative = channel["forecast"]
    path = base / relative
    report = _Collector(str(path))
    text = read_text(path, report, what="forecast file")
    rows: list[dict[str, str | None]] = []
    if text is not None:
        reader = csv.DictReader(io.StringIO(text, newline=None))
        try:
            header = [h.strip() for h in reader.fieldnames or []]
            records = list(reader)
        except csv.Error as exc:
            report(f"line {reader.line_num}", f"is not valid CSV: {exc}")
            header, records = ["interval_start", "volume"], []
        missing = [c for c in ("interval_start", "volume") if c not in header]
        unknown = [c for c in header if c not in ("interval_start", "volume", "region", "aht")]
        if missing:
            report("header", f"missing column(s) {', '.join(missing)}", ",".join(header))
        for column in unknown:
            report("header", "unknown column" + did_you_mean(column, ["region", "aht"]), column)
        if not missing and not unknown:
            for index, record in enumerate(records):
                surplus = record.pop(None, None)
                if surplus:
                    report(f"line {index + 2}", "has more fields than the header", surplus)
            rows = [{(k or "").strip(): v for k, v in row.items()} for row in records]
    starts: list[float] = []
    volumes: list[float] = []
    row_regions: list[str | None] = []
    ahts: list[float | None] = []
    for index, row in enumerate(rows):
        where = f"line {index + 2}"
        try:
            starts.append(_parse_timestamp(row.get("interval_start") or "").timestamp())
        except ValueError as exc:
            message = str(exc) if "offset" in str(exc) else "is not an ISO 8601 timestamp"
            report(f"{where}.interval_start", message, row.get("interval_start"))
        try:
            volume = float(row.get("volume") or "")
            if not volume >= 0 or volume == float("inf"):
                raise ValueError
            volumes.append(volume)
        except ValueError:
            report(f"{where}.volume", "must be a number >= 0", row.get("volume"))
        region = (row.get("region") or "").strip() or None
        if region is not None and region not in regions:
            report(
                f"{where}.region",
                "is not a defined region" + did_you_mean(region, regions),
                region,
            )
        row_regions.append(region)
        aht_text = (row.get("aht") or "").strip()
        try:
            aht = float(aht_text) if aht_text else None
            if aht is not None and not 0 < aht < 1e6:
                raise ValueError
            ahts.append(aht)
        except ValueError:
            report(f"{where}.aht", "must be a handle time in seconds > 0", aht_text)
    if text is not None and not rows and not report.problems:
        report("(file)", "has no rows")
    problems.extend(report.problems)
    if report.problems:
        return None
    return Forecast(
        path=relative,
        start_utc_s=tuple(starts),
        volume=tuple(volumes),
        region=tuple(row_regions),
        aht_s=tuple(ahts),
    )


def _split_days(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    return [d for d in re.split(r"[^a-zA-Z]+", text.lower()) if d]


def _read_roster_csv(
    base: Path, relative: str, raw: dict[str, Any], problems: list[Problem]
) -> tuple[RosterRow, ...] | None:
    path = base / relative
    report = _Collector(str(path))
    text = read_text(path, report, what="roster file")
    if text is None:
        problems.extend(report.problems)
        return None
    reader = csv.DictReader(io.StringIO(text, newline=None))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        records = list(reader)
    except csv.Error as exc:
        report(f"line {reader.line_num}", f"is not valid CSV: {exc}")
        problems.extend(report.problems)
        return None
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        report("header", f"missing column(s) {', '.join(missing)}", ",".join(header))
        problems.extend(report.problems)
        return None
    raw_rows: list[dict[str, Any]] = []
    for index, row in enumerate(records):
        surplus = row.pop(None, None)
        if surplus:
            report(f"line {index + 2}", "has more fields than the header", surplus)
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        entry: dict[str, Any] = {k: clean.get(k, "") for k in ROSTER_COLUMNS}
        entry["days"] = _split_days(entry["days"])
        if re.fullmatch(r"\s*-?\d+\s*", entry["agents"]):
            entry["agents"] = int(entry["agents"])
        raw_rows.append(entry)
    parsed: list[RosterRow] = []
    for index, entry in enumerate(raw_rows):
        try:
            parsed.append(RosterRow.model_validate(entry))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(k) for k in error["loc"])
                message = str(error["msg"]).removeprefix("Value error, ")
                message = message.replace("Input should be", "should be")
                report(f"line {index + 2}.{field}", message, error.get("input", _MISSING))
    check_roster_rows(raw, raw_rows, report)
    problems.extend(report.problems)
    return None if report.problems else tuple(parsed)


# --------------------------------------------------------------------------------------------
# Public API


def check_file(
    path: str | Path, sources: Sources | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """Load ``path``: ``(scenario, warnings)``, or ``(None, problems)``; never raises. With
    ``sources``, the bytes of every file read are kept there (each file is read once)."""
    path = Path(path)
    if sources is not None:
        sources.base = path.parent
        token = _RECORDING.set(sources)
        try:
            return check_file(path)
        finally:
            _RECORDING.reset(token)
    report = _Collector(str(path))
    text = read_text(path, report, what="scenario file")
    if text is None:
        return None, report.problems
    raw = _parse_toml(text, report)
    if raw is None:
        return None, report.problems
    return parse(raw, base=path.parent, file=str(path))


def parse(
    raw: dict[str, Any], base: Path = Path("."), file: str = "<scenario>"
) -> tuple[Scenario | None, list[Problem]]:
    """Validate a parsed TOML document; CSV paths are resolved against ``base``.

    Returns ``(scenario, warnings)`` when it loads, ``(None, problems)`` when it does not.
    """
    report = _Collector(file)
    problems = report.problems
    document = dict(raw)
    roster = document.get("roster")
    roster_rows: tuple[RosterRow, ...] | None = None
    if isinstance(roster, str):
        document.pop("roster")
    check_raw(document, report, report.warn)
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
            _problem_from_error(error, document, report)
    extra: list[Problem] = []
    if isinstance(roster, str):
        roster_rows = _read_roster_csv(base, roster, document, extra)
    region_rows = document.get("regions")
    region_rows = region_rows if isinstance(region_rows, list) else []
    regions = [r.get("name") for r in region_rows if isinstance(r, dict)]
    forecasts: dict[str, Forecast] = {}
    channels = document.get("channels")
    for index, channel in enumerate(channels if isinstance(channels, list) else []):
        if isinstance(channel, dict) and isinstance(channel.get("forecast"), str):
            label = item_label("channels", index, channel)
            found = _read_forecast(base, channel, label, [str(r) for r in regions], extra)
            if found is not None and isinstance(channel.get("name"), str):
                forecasts[channel["name"]] = found
    problems.extend(extra)
    if scenario is None or any(not p.warning for p in problems):
        return None, problems
    update: dict[str, Any] = {"forecasts": forecasts}
    if roster_rows is not None:
        update.update(roster=roster_rows, roster_file=roster)
    return scenario.model_copy(update=update), problems


def read_raw(path: str | Path) -> dict[str, Any]:
    """The parsed TOML document of a scenario file (to write a changed copy of it)."""
    report = _Collector(str(path))
    text = read_text(Path(path), report, what="scenario file")
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
