"""The keys of a sweep: the ``--vary KEY=V1,V2,...`` grammar, and how a dotted key is written
into the scenario document as the planner wrote it (``workbench.sweep``).

Keys are dotted paths into the scenario file. Rows of arrays of tables are named by their
``name`` (``channels.voice.volume.count``, ``sites.riga.max_agents``,
``shifts.full-8h.breaks[0].length``) or by 0-based index (``roster[2].agents``; roster rows have
no name). A key may add an optional key (``sites.riga.max_agents`` where none is set).
``run.seed`` and ``run.replications`` cannot be varied: every point of a sweep runs on the same
seed and replications.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any

from scenarios.checks import did_you_mean
from scenarios.problems import Problem, ScenarioError, show_value

_FIXED_KEYS = {"run.seed": "--seed", "run.replications": "--replications"}
"""Keys a sweep cannot vary: every point runs on the same seed and replications."""

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z0-9_-]+)(?P<index>(?:\[\d+\])*)$")


# --------------------------------------------------------------------------------------------
# --vary KEY=V1,V2,...


def _split_values(text: str) -> list[str]:
    """Split on commas outside quotes and brackets: ``1,"a,b",[1, 2]`` -> 3 items."""
    items: list[str] = []
    depth = 0
    quote = ""
    current = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        current += char
    items.append(current.strip())
    return items


def parse_value(text: str) -> Any:
    """A value as TOML would read it (``9000`` int, ``0.2`` float, ``true``, ``"x"``,
    ``[1, 2]``, ``2026-03-23``); anything TOML cannot read is kept as a string, so durations
    and times may be written bare (``6m``, ``08:30``)."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def parse_vary(items: Sequence[str], file: str = "--vary") -> dict[str, list[Any]]:
    """``["KEY=V1,V2", ...]`` -> ``{KEY: [V1, V2]}`` with values read by ``parse_value``.

    Raises ``ScenarioError`` listing every malformed item (no ``=``, no value, a key given
    twice)."""
    vary, problems = read_vary(items, file)
    if problems:
        raise ScenarioError(problems)
    return vary


def read_vary(
    items: Sequence[str], file: str = "--vary"
) -> tuple[dict[str, list[Any]], list[Problem]]:
    """``parse_vary`` without raising: the well-formed items, and a problem for each malformed
    one (left out), so that they can be reported with those of the grid (``plan_sweep``)."""
    vary: dict[str, list[Any]] = {}
    problems: list[Problem] = []
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(file, "--vary", "must be KEY=V1,V2,...", item))
            continue
        texts = _split_values(values)
        if any(not t for t in texts):
            problems.append(
                Problem(file, key, "--vary needs values V1,V2,... (one is empty)", item)
            )
            continue
        if key in vary:
            problems.append(Problem(file, key, "is varied twice; give all its values at once"))
            continue
        vary[key] = [parse_value(t) for t in texts]
    return vary, problems


# --------------------------------------------------------------------------------------------
# key paths in the raw document


def _segments(key: str) -> list[str | int] | None:
    out: list[str | int] = []
    for part in key.split("."):
        match = _SEGMENT.match(part)
        if match is None:
            return None
        out.append(match.group("name"))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group("index")))
    return out


def _row_names(rows: list[Any]) -> list[str]:
    return [str(r.get("name")) for r in rows if isinstance(r, dict) and "name" in r]


def set_key(raw: dict[str, Any], key: str, value: Any) -> str | None:
    """Set ``key`` (a dotted path, see the module docstring) to ``value`` in ``raw``, in place.

    Missing tables on the way are created and the last key may be new (the schema then judges
    it). Returns what is wrong with the key, or None when it was set.
    """
    if key in _FIXED_KEYS:
        return (
            "a sweep runs every point on the same seed and replications (common random "
            f"numbers); use {_FIXED_KEYS[key]} instead"
        )
    segments = _segments(key)
    if not segments or not isinstance(segments[0], str):
        return "is not a key path such as channels.voice.volume.count or roster[2].agents"
    node: Any = raw
    walked = ""
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        here = f"{walked}.{segment}" if isinstance(segment, str) else f"{walked}[{segment}]"
        here = here.lstrip(".")
        if isinstance(node, dict) and isinstance(segment, str):
            if segment == "roster" and isinstance(node.get("roster"), str) and not last:
                return (
                    f"the roster is read from {node['roster']}; write its rows in the "
                    "scenario file to vary them"
                )
            if last:
                node[segment] = value
                return None
            if segment not in node:
                if isinstance(segments[position + 1], int):
                    return f"{here} is not in the file, so it has no rows to index"
                node[segment] = {}
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, str):
            rows = [r for r in node if isinstance(r, dict) and r.get("name") == segment]
            if not rows:
                names = _row_names(node)
                table = walked or "(top level)"
                return f"{table} has no row named {segment!r}" + did_you_mean(segment, names)
            if last:
                return f"{here} is a whole row; name one of its keys"
            node = rows[0]
        elif isinstance(node, list) and isinstance(segment, int):
            if not 0 <= segment < len(node):
                return f"{walked} has {len(node)} rows (0..{len(node) - 1})"
            if last:
                node[segment] = value
                return None
            node = node[segment]
        elif isinstance(node, dict):
            return f"{walked} is a table, not an array: name a key instead of [{segment}]"
        else:
            return f"{walked} is a value, not a table (got {show_value(node)})"
        walked = here
    return None
