"""What-if edits of a loaded scenario for notebooks (``workbench.api`` re-exports them).

Every modifier returns a new scenario validated as a file would be (``_validated``): it is
written back to its TOML form (``document``), checked across tables and by the schema, so a
change the format does not allow raises ``ScenarioError`` naming the key and the value.
Arguments that name nothing in the scenario raise ``ValueError``.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic.fields import FieldInfo

from scenarios.checks import check_raw, item_label
from scenarios.problems import Problem, ScenarioError
from scenarios.schema import RosterRow, Scenario
from scenarios.schema_people import People
from scenarios.units import format_duration, format_time_of_day, parse_duration, parse_time_of_day

# ------------------------------------------------------------------------------------------
# Loading and validating


def _parser(field: FieldInfo) -> Callable[[object], Any] | None:
    """``parse_duration`` or ``parse_time_of_day`` if the field holds that unit, else None."""
    found: list[Any] = list(field.metadata)
    stack: list[Any] = [field.annotation]
    while stack:
        annotation = stack.pop()
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            found.extend(args[1:])
            stack.append(args[0])
        else:
            stack.extend(args)
    for item in found:
        if isinstance(item, BeforeValidator) and item.func in (parse_duration, parse_time_of_day):
            return item.func
    return None


def _duration_text(seconds: float) -> str:
    """A duration string the loader reads back, exact to the microsecond."""
    if float(seconds).is_integer():
        return format_duration(seconds)
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def _raw(value: Any, parser: Callable[[object], Any] | None) -> Any:
    if isinstance(value, BaseModel):
        return document(value)
    if isinstance(value, tuple | list):
        return [_raw(item, parser) for item in value]
    if isinstance(value, dict):
        return {key: _raw(item, parser) for key, item in value.items()}
    if parser is parse_duration and isinstance(value, int | float):
        return _duration_text(float(value))
    if parser is parse_time_of_day and isinstance(value, int):
        return format_time_of_day(value)
    return value


def document(model: BaseModel) -> dict[str, Any]:
    """A scenario (or one of its tables) in the form of a parsed TOML file: keys as written
    in the file, durations as strings (``"330s"``), times of day as ``"HH:MM"``, arrays as
    lists, unset optional keys left out. ``Scenario.model_validate(document(s))`` gives ``s``
    back (without the loader's CSV data: forecasts and the roster file name)."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.exclude or value is None:
            continue
        out[field.alias or name] = _raw(value, _parser(field))
    for key, value in (model.model_extra or {}).items():  # a contract's people by site
        out[key] = _raw(value, None)
    return out


def _path_of(loc: Sequence[int | str], raw: dict[str, Any]) -> str:
    """Key path of a pydantic error location, list rows named as the loader names them."""
    node: Any = raw
    parts: list[str] = []
    for key in loc:
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            table = parts.pop() if parts else ""
            parts.append(item_label(table, key, node[key]))
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, str):
            parts.append(key)
            node = node.get(key)
        # anything else is a union member's tag, not a key of the document
    return ".".join(parts) or "(top level)"


def _validated(scenario: Scenario, change: str) -> Scenario:
    """``scenario`` re-validated as a file would be; ``ScenarioError`` names what is wrong."""
    raw = document(scenario)
    source = f"{scenario.scenario.name} ({change})"
    problems: list[Problem] = []

    def report(path: str, message: str, value: Any) -> None:
        problems.append(Problem(source, path, message, value))

    check_raw(raw, report, warn=lambda *_: None)
    checked: Scenario | None = None
    try:
        checked = Scenario.model_validate(raw)
    except ValidationError as error:
        errors = error.errors()
        for item in errors:
            loc = item["loc"]
            if item["type"] == "too_short" and any(
                len(other["loc"]) > len(loc) and other["loc"][: len(loc)] == loc for other in errors
            ):
                continue  # a table whose rows failed is not also "too short"
            message = str(item["msg"]).removeprefix("Value error, ")
            message = message.replace("Input should be", "should be")
            path = _path_of(item["loc"], raw)
            value = item.get("input")
            if isinstance(value, dict) or "input" not in item:
                problems.append(Problem(source, path, message))
            else:
                problems.append(Problem(source, path, message, value))
    if problems or checked is None:
        raise ScenarioError(problems)
    return checked.model_copy(
        update={"forecasts": scenario.forecasts, "roster_file": scenario.roster_file}
    )


# ------------------------------------------------------------------------------------------
# Modifiers


def _factor(factor: float, what: str, zero_ok: bool) -> float:
    value = float(factor)
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        bound = ">= 0" if zero_ok else "> 0"
        raise ValueError(f"{what} factor must be a finite number {bound}, got {factor!r}")
    return value


def _names(
    known: Sequence[str], wanted: str | Iterable[str] | None, what: str, scenario: Scenario
) -> list[str]:
    if wanted is None:
        return list(known)
    chosen = [wanted] if isinstance(wanted, str) else list(wanted)
    for name in chosen:
        if name not in known:
            raise ValueError(
                f"{scenario.scenario.name} has no {what} {name!r} ({what}s: {', '.join(known)})"
            )
    return chosen


def scale_volume(
    scenario: Scenario, factor: float, channels: str | Iterable[str] | None = None
) -> Scenario:
    """Multiply the expected contacts of ``channels`` (default: all) by ``factor`` (>= 0).

    A channel with ``volume`` gets ``count x factor``; a channel with a ``forecast`` CSV gets
    every row's volume ``x factor`` (the CSV file is not touched). The demand pattern (weekday
    weights, hourly profile, region shares) is unchanged.
    """
    value = _factor(factor, "volume", zero_ok=True)
    names = _names([c.name for c in scenario.channels], channels, "channel", scenario)
    updated = []
    forecasts = dict(scenario.forecasts)
    for channel in scenario.channels:
        if channel.name in names and channel.volume is not None:
            volume = channel.volume.model_copy(update={"count": channel.volume.count * value})
            channel = channel.model_copy(update={"volume": volume})
        if channel.name in names and channel.name in forecasts:
            rows = forecasts[channel.name]
            forecasts[channel.name] = rows.model_copy(
                update={"volume": tuple(v * value for v in rows.volume)}
            )
        updated.append(channel)
    changed = scenario.model_copy(update={"channels": tuple(updated), "forecasts": forecasts})
    return _validated(changed, f"volume x {value:g}")


def scale_handle_time(
    scenario: Scenario, factor: float, channels: str | Iterable[str] | None = None
) -> Scenario:
    """Multiply the mean handle time of ``channels`` (default: all) by ``factor`` (> 0).

    ``handle_time.mean`` [s] and, for forecast channels, every row's ``aht`` [s] are scaled;
    the coefficient of variation, the bot's escalation factor and the chat slowdown are kept.
    """
    value = _factor(factor, "handle time", zero_ok=False)
    names = _names([c.name for c in scenario.channels], channels, "channel", scenario)
    updated = []
    forecasts = dict(scenario.forecasts)
    for channel in scenario.channels:
        if channel.name in names:
            handle = channel.handle_time.model_copy(
                update={"mean": channel.handle_time.mean * value}
            )
            channel = channel.model_copy(update={"handle_time": handle})
            if channel.name in forecasts:
                rows = forecasts[channel.name]
                aht = tuple(None if a is None else a * value for a in rows.aht_s)
                forecasts[channel.name] = rows.model_copy(update={"aht_s": aht})
        updated.append(channel)
    changed = scenario.model_copy(update={"channels": tuple(updated), "forecasts": forecasts})
    return _validated(changed, f"handle time x {value:g}")


def set_bot(
    scenario: Scenario,
    channel: str,
    containment: float,
    options: Sequence[float] | None = None,
) -> Scenario:
    """Set the bot containment [share 0..1] of ``channel`` (the level simulated).

    ``options``, if given, replaces the levels the optimizer may choose from: pass
    ``[containment]`` to make ``optimize`` plan for exactly this level. The channel must
    already have a ``bot`` table (its time and cost per session come from the file).
    """
    names = _names([c.name for c in scenario.channels], channel, "channel", scenario)
    target = scenario.channel(names[0])
    if target.bot is None:
        raise ValueError(
            f"channel {channel!r} of {scenario.scenario.name} has no bot; add a bot table "
            f"(time, cost_per_session, ...) to the channel in the scenario file first"
        )
    update: dict[str, Any] = {"containment": containment}
    if options is not None:
        update["options"] = tuple(options)
    bot = target.bot.model_copy(update=update)
    channels = tuple(
        c.model_copy(update={"bot": bot}) if c.name == target.name else c for c in scenario.channels
    )
    changed = scenario.model_copy(update={"channels": channels})
    return _validated(changed, f"bot of {channel} at {containment!r}")


RowSelector = int | tuple[str, str, str | int] | Mapping[str, Any]
"""A roster row: its 0-based index, ``(site, shift, start)`` with start ``"HH:MM"``, or a
mapping of any of ``site``, ``shift``, ``start``, ``days`` to match."""


def _match(row: RosterRow, wanted: Mapping[str, Any]) -> bool:
    for key, value in wanted.items():
        if key == "start":
            start = parse_time_of_day(value) if isinstance(value, str) else value
            if row.start != start:
                return False
        elif key == "days":
            days = tuple(value) if isinstance(value, list | tuple) else value
            if row.days != days:
                return False
        elif getattr(row, key) != value:
            return False
    return True


def row_index(scenario: Scenario, row: RowSelector) -> int:
    """The 0-based index of the roster row ``row`` selects (see ``RowSelector``); a selector
    matching no row, or several, raises ``ValueError`` listing the rows (``roster(scenario)``
    shows them)."""
    rows = scenario.roster
    if isinstance(row, bool):
        raise ValueError(f"a roster row is an index or (site, shift, start), got {row!r}")
    if isinstance(row, int):
        if not -len(rows) <= row < len(rows):
            raise ValueError(
                f"{scenario.scenario.name} has {len(rows)} roster rows (0..{len(rows) - 1}), "
                f"not row {row}"
            )
        return row % len(rows)
    if isinstance(row, tuple):
        if len(row) != 3:
            raise ValueError(f"select a roster row as (site, shift, start), got {row!r}")
        wanted: Mapping[str, Any] = dict(zip(("site", "shift", "start"), row, strict=True))
    elif isinstance(row, Mapping):
        unknown = set(row) - {"site", "shift", "start", "days"}
        if unknown:
            raise ValueError(f"roster rows are matched by site, shift, start, days; not {unknown}")
        wanted = row
    else:
        raise ValueError(f"a roster row is an index or (site, shift, start), got {row!r}")
    found = [k for k, r in enumerate(rows) if _match(r, wanted)]
    if len(found) != 1:
        listing = "; ".join(
            f"{k}: {r.site} {r.shift} {format_time_of_day(r.start)} {_days_text(r)}"
            for k, r in enumerate(rows)
        )
        which = "no" if not found else f"{len(found)} ({', '.join(map(str, found))})"
        raise ValueError(
            f"{dict(wanted)} matches {which} roster rows of {scenario.scenario.name}; give "
            f"one row (by index or with days). Rows: {listing}"
        )
    return found[0]


def add_agents(scenario: Scenario, row: RowSelector, n: int = 1) -> Scenario:
    """Put ``n`` more agents (fewer if negative) on one roster row (see ``RowSelector``).

    On the same seed the other options' customers and agents are unchanged (common random
    numbers): only the row's extra agents differ.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"n must be a whole number of agents, got {n!r}")
    index = row_index(scenario, row)
    rows = list(scenario.roster)
    rows[index] = rows[index].model_copy(update={"agents": rows[index].agents + n})
    changed = scenario.model_copy(update={"roster": tuple(rows), "roster_file": None})
    return _validated(changed, f"{n:+d} agents on roster row {index}")


def set_absenteeism(
    scenario: Scenario,
    value: float | None = None,
    *,
    factor: float | None = None,
    sites: str | Iterable[str] | None = None,
) -> Scenario:
    """Set the absenteeism [probability 0..1 that a scheduled agent-shift is absent] of
    ``sites`` (default: all) to ``value``, or multiply it by ``factor`` (give exactly one).

    ``set_absenteeism(s, factor=2)`` doubles it; a result above 1 raises ``ScenarioError``.
    """
    if (value is None) == (factor is None):
        raise ValueError("give exactly one of value and factor")
    names = _names([s.name for s in scenario.sites], sites, "site", scenario)
    scale = None if factor is None else _factor(factor, "absenteeism", zero_ok=True)
    updated = []
    for site in scenario.sites:
        if site.name in names:
            new = site.absenteeism * scale if scale is not None else value
            site = site.model_copy(update={"absenteeism": new})
        updated.append(site)
    changed = scenario.model_copy(update={"sites": tuple(updated)})
    what = f"absenteeism x {scale:g}" if scale is not None else f"absenteeism {value!r}"
    return _validated(changed, what)


def _days_text(row: RosterRow) -> str:
    return " ".join(row.days) if isinstance(row.days, tuple) else row.days.isoformat()


_KEEP: Any = object()


def set_people(
    scenario: Scenario, contract: str, max: int | None, existing: int | None = _KEEP
) -> Scenario:
    """Set the most people on ``contract`` at each of its sites to ``max`` (None: no limit).

    ``existing`` (people employed today, each site) is kept unless given; a contract whose
    limits are given by site needs it given. ``optimize`` plans at most ``max`` people on the
    contract at a site (``people = { max, existing }`` in the file).
    """
    names = _names([c.name for c in scenario.contracts], contract, "contract", scenario)
    target = scenario.contract(names[0])
    if existing is _KEEP:
        if target.people is not None and target.people.by_site():
            raise ValueError(
                f"contract {contract!r} of {scenario.scenario.name} gives its people by site: "
                "give existing too"
            )
        existing = None if target.people is None else target.people.existing
    people = People.model_construct(max=max, existing=existing)  # _validated checks it
    contracts = [
        c.model_copy(update={"people": people}) if c.name == target.name else c
        for c in scenario.contracts
    ]
    changed = scenario.model_copy(update={"contracts": tuple(contracts)})
    return _validated(changed, f"people on {contract} at most {max}")
