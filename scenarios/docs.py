"""The scenario format reference, generated from the schema's field descriptions.

``format_reference()`` returns Markdown: one section per TOML table, each a table of
``| key | type | default | meaning |``. Keys are written as in the file (aliases such as ``from``),
loader-only fields (``exclude=True``) are left out, and durations and times of day are shown the
way a planner writes them (a default of 86400 s reads ``"24h"``). ``python -m scenarios.docs``
prints it; the README's format section is this output, kept in step by ``tests/test_docs.py``.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from scenarios import schema, schema_demand, schema_fields, schema_staff
from scenarios.units import (
    WEEKDAYS,
    format_duration,
    format_time_of_day,
    parse_duration,
    parse_time_of_day,
)

TABLE_ORDER = (
    "scenario",
    "run",
    "regions",
    "channels",
    "sites",
    "shifts",
    "roster",
    "routing",
    "optimizer",
    "contracts",
)
"""Top-level tables in the order of the specification; any others follow in schema order."""

_PLURAL = {
    "string": "strings",
    "number": "numbers",
    "integer": "integers",
    "weekday": "weekdays",
    "duration": "durations",
    "table": "tables",
}

_TYPE_OVERRIDES: dict[tuple[type[BaseModel], str], str] = {
    (schema.Scenario, "roster"): "array of tables, or a CSV path (string)",
    (schema.Contract, "people"): "table, or a table of them by site name",
}
"""Fields whose TOML form the loader widens beyond the model's type."""


@dataclass(frozen=True)
class Section:
    """One TOML table of the format: its header as written in a file and its model."""

    header: str
    """``[scenario]``, ``[[channels]]``, ``[channels.handle_time]``; ``Top level`` for the root."""
    model: type[BaseModel]


# --------------------------------------------------------------------------------------------
# Walking the schema


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """``annotation`` without ``Annotated`` layers, and the metadata those layers carried."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata.extend(extra)
    return annotation, metadata


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _non_none(args: tuple[Any, ...]) -> list[Any]:
    return [a for a in args if a is not type(None)]


def _submodel(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The model a field holds, and whether it is an array of them (``[[...]]``)."""
    annotation, _ = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found = [_submodel(a) for a in _non_none(typing.get_args(annotation))]
        models = [f for f in found if f is not None]
        return models[0] if len(models) == 1 else None
    if origin in (tuple, list):
        item, _ = _unwrap(typing.get_args(annotation)[0])
        return (item, True) if _is_model(item) else None
    if _is_model(annotation):
        return annotation, False
    return None


def documented_fields(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo]]:
    """``(TOML key, field)`` of every field a scenario file may contain, in schema order."""
    for name, field in model.model_fields.items():
        if not field.exclude:
            yield field.alias or name, field


def sections() -> list[Section]:
    """Every table of the format, parents before children, top level first."""
    found = [Section("Top level", schema.Scenario)]

    def visit(path: str, model: type[BaseModel]) -> None:
        for key, field in documented_fields(model):
            held = _submodel(field.annotation)
            if held is None:
                continue
            child, many = held
            child_path = f"{path}.{key}" if path else key
            header = f"[[{child_path}]]" if many else f"[{child_path}]"
            found.append(Section(header, child))
            visit(child_path, child)

    top = dict(documented_fields(schema.Scenario))
    ordered = [k for k in TABLE_ORDER if k in top] + [k for k in top if k not in TABLE_ORDER]
    for key in ordered:
        held = _submodel(top[key].annotation)
        if held is not None:
            model, many = held
            found.append(Section(f"[[{key}]]" if many else f"[{key}]", model))
            visit(key, model)
    return found


# --------------------------------------------------------------------------------------------
# Types


def _validators(metadata: list[Any]) -> list[Any]:
    return [m.func for m in metadata if callable(getattr(m, "func", None))]


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    """``ge``, ``gt``, ``le``, ``lt`` bounds from pydantic/annotated-types metadata."""
    bounds: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            bounds.update(_constraints(list(item.metadata)))
            continue
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(item, name, None)
            if isinstance(value, int | float | dt.date) and not isinstance(value, bool):
                bounds[name] = value
    return bounds


def _number(value: float | dt.date, duration: bool) -> str:
    """A bound as a planner writes it: ``24h``, ``1000000`` (not ``1e+06``), ``1900-01-01``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if duration:
        return format_duration(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _bounds(bounds: dict[str, Any], duration: bool = False) -> str:
    """`` 1..62``, `` >= 0``, `` > 0`` (empty if unbounded or the bound is a technical limit)."""
    bounds = {  # 2**63 - 1: no real limit
        k: v for k, v in bounds.items() if isinstance(v, dt.date) or abs(v) < 2**53
    }
    if "ge" in bounds and "le" in bounds:
        return f" {_number(bounds['ge'], duration)}..{_number(bounds['le'], duration)}"
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    parts = [f"{sign} {_number(bounds[k], duration)}" for k, sign in signs.items() if k in bounds]
    return (" " + ", ".join(parts)) if parts else ""


def _noun(annotation: Any, metadata: list[Any]) -> tuple[str, str]:
    """``(noun, qualifier)`` of a type: ``("number", " >= 0")``, ``("duration", " > 0")``."""
    annotation, extra = _unwrap(annotation)
    metadata = [*extra, *metadata]
    funcs = _validators(metadata)
    bounds = _constraints(metadata)
    if schema_fields._positive in funcs:
        bounds.setdefault("gt", 0.0)
    if parse_duration in funcs:
        return "duration", _bounds(bounds, duration=True)
    if parse_time_of_day in funcs:
        return "time of day", ' "HH:MM"'
    if schema_fields._zone in funcs:
        return "time zone", " (IANA name)"
    if schema_demand._hourly_profile in funcs:
        return "24 numbers", ", or a profile name: " + ", ".join(schema.HOURLY_PROFILES)
    if schema_staff._roster_days in funcs:
        return "list of weekdays", ", or one date"
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        nouns = [_noun(a, metadata) for a in _non_none(typing.get_args(annotation))]
        return " or ".join(n + q for n, q in nouns), ""
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        if set(values) == set(WEEKDAYS):
            return "weekday", ""
        if all(isinstance(v, int) for v in values):
            return "integer: " + " \\| ".join(str(v) for v in values), ""
        return " \\| ".join(f'"{v}"' for v in values), ""
    if origin in (tuple, list):
        item, qualifier = _noun(typing.get_args(annotation)[0], [])
        return f"list of {_PLURAL.get(item, item)}{qualifier}", ""
    if origin is dict:
        item, qualifier = _noun(typing.get_args(annotation)[1], [])
        return f"table of {_PLURAL.get(item, item)}{qualifier}", ""
    if _is_model(annotation):
        return "table", ""
    if annotation is bool:
        return "boolean", ""
    if annotation is int:
        return "integer", _bounds(bounds)
    if annotation is float:
        return "number", _bounds(bounds)
    if annotation is str:
        return "string", ""
    if annotation is dt.date:
        return "date", _bounds(bounds)
    return getattr(annotation, "__name__", str(annotation)), ""


def type_text(model: type[BaseModel], key: str, field: FieldInfo, children: dict[str, str]) -> str:
    """The type column of one field."""
    override = _TYPE_OVERRIDES.get((model, field.alias or key))
    if override is not None:
        text = override
    else:
        noun, qualifier = _noun(field.annotation, list(field.metadata))
        text = noun + qualifier
    if key in children:
        kind = "array of tables" if children[key].startswith("[[") else "table"
        text = f"{text if override else kind}, see `{children[key]}`"
    return text


# --------------------------------------------------------------------------------------------
# Defaults


def _literal(value: Any) -> str:
    """A value written as in a TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def default_text(field: FieldInfo) -> str:
    """The default column: ``required``, ``none``, or the default as written in TOML."""
    if field.is_required():
        return "required"
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "all defaults"
    _, metadata = _unwrap(field.annotation)
    funcs = _validators([*metadata, *field.metadata])
    if not funcs:  # Optional[...] and containers carry their validators inside
        funcs = _validators(_inner_metadata(field.annotation))
    if parse_duration in funcs and isinstance(value, int | float):
        return f'`"{format_duration(value)}"`'
    if parse_time_of_day in funcs and isinstance(value, int):
        return f'`"{format_time_of_day(value)}"`'
    if schema_demand._hourly_profile in funcs:
        for name, profile in schema.HOURLY_PROFILES.items():
            if tuple(value) == profile:
                return f'`"{name}"`'
    return f"`{_literal(value)}`"


def _inner_metadata(annotation: Any) -> list[Any]:
    """Metadata of the non-None member of an ``X | None`` annotation."""
    annotation, metadata = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in _non_none(typing.get_args(annotation)):
            metadata.extend(_unwrap(arg)[1])
    return metadata


# --------------------------------------------------------------------------------------------
# Markdown


def _cell(text: str) -> str:
    """Table cell text: pipes escaped (unless already), one line."""
    out = []
    for index, char in enumerate(text):
        if char == "|" and (index == 0 or text[index - 1] != "\\"):
            out.append("\\|")
        else:
            out.append(char)
    return "".join(out).replace("\n", " ").strip()


def _intro(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def format_section(section: Section, children: dict[str, str]) -> str:
    """One table of the format as a Markdown heading, intro line and key table."""
    title = section.header if section.header == "Top level" else f"`{section.header}`"
    lines = [f"### {title}", "", _intro(section.model), "", "| key | type | default | meaning |"]
    lines.append("|---|---|---|---|")
    for key, field in documented_fields(section.model):
        cells = (
            f"`{key}`",
            type_text(section.model, key, field, children),
            default_text(field),
            field.description or "",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def format_reference() -> str:
    """The Markdown reference of the scenario format (format 1), generated from the schema."""
    found = sections()
    parts = []
    for section in found:
        prefix = "" if section.header == "Top level" else section.header.strip("[]") + "."
        children = {
            other.header.strip("[]")[len(prefix) :]: other.header
            for other in found
            if other.header != "Top level"
            and other.header.strip("[]").startswith(prefix)
            and "." not in other.header.strip("[]")[len(prefix) :]
            and other is not section
        }
        parts.append(format_section(section, children))
    return "\n\n".join(parts) + "\n"


def main() -> None:
    """Print the reference (``python -m scenarios.docs``)."""
    print(format_reference(), end="")


if __name__ == "__main__":
    main()
