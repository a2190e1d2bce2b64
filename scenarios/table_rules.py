"""The rules across the fields of one table (``Model.flaws``), run on the fields that parse.

pydantic checks such rules (an ``after`` model validator) only once every field of the table has
parsed: a channel with a mistyped handle time would not also say that its ``weekday_weights``
hold 6 numbers, and a planner would learn of it only after fixing the first mistake. Here each
table of the raw TOML document is validated field by field; the rules then run on the fields
that parsed (defaults included for keys left out), and a rule that needs a field that failed is
skipped for that table only. Each broken rule is reported at the key it is about, with the value
as typed: ``channels.phone.weekday_weights: needs 7 numbers (...), not 6 (got [...])``.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from scenarios.checks import Report, item_label
from scenarios.problems import _MISSING
from scenarios.schema_fields import Model

_FAILED = object()


def _has_rules(model: type[Model]) -> bool:
    """True if ``model`` defines rules of its own (overrides ``Model.flaws``)."""
    return model.flaws.__func__ is not Model.flaws.__func__  # type: ignore[attr-defined]


def _models(annotation: Any) -> list[type[Model]]:
    """The table models an annotation can hold directly (through ``Annotated`` and unions)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return [annotation]
    return []


def _needs_walk(annotation: Any) -> bool:
    """True if a value of ``annotation`` can hold a table with rules (worth walking into)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _needs_walk(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        return any(_needs_walk(arg) for arg in typing.get_args(annotation) if arg is not ...)
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return _model_needs_walk(annotation)
    return False


@functools.cache
def _model_needs_walk(model: type[Model]) -> bool:
    """True if ``model`` has rules or holds a table that has."""
    return _has_rules(model) or any(_needs_walk(f.annotation) for f in model.model_fields.values())


def _tables(
    annotation: Any, value: Any, path: str
) -> list[tuple[type[Model], dict[str, Any], str]]:
    """The tables (model, raw table, key path) ``value`` holds at ``path`` for ``annotation``."""
    if not _needs_walk(annotation):
        return []
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _tables(typing.get_args(annotation)[0], value, path)
    if isinstance(value, dict):
        models = _models(annotation)
        if models:
            return [(models[0], value, path)]
        if origin is dict:
            item = typing.get_args(annotation)[1]
            return [t for k, v in value.items() for t in _tables(item, v, f"{path}.{k}")]
    if isinstance(value, list) and origin in (tuple, list):
        item = typing.get_args(annotation)[0]
        return [
            t
            for index, row in enumerate(value)
            for t in _tables(item, row, item_label(path, index, row))
        ]
    return []


@functools.cache
def _one_field(model: type[Model], name: str) -> type[BaseModel]:
    """A model of the one field ``name`` of ``model`` (same type, constraints and config)."""
    field = model.model_fields[name]
    fields: Any = {name: (field.annotation, field)}
    return create_model(f"{model.__name__}_{name}", __config__=Model.model_config, **fields)


def _parsed(model: type[Model], name: str, value: Any) -> Any:
    """``value`` parsed as the field ``name`` of ``model``, or ``_FAILED``."""
    key = model.model_fields[name].alias or name
    try:
        return getattr(_one_field(model, name).model_validate({key: value}), name)
    except ValidationError:
        return _FAILED


def check_table(model: type[Model], raw: dict[str, Any], path: str, report: Report) -> None:
    """Run the rules of ``model`` on the raw table ``raw`` at ``path`` (and of every table
    inside it), on the fields that parse; report each broken rule at its key."""
    values: dict[str, Any] = {}
    rules = _has_rules(model)
    for name, field in model.model_fields.items():
        if field.exclude:
            continue  # set by the loader, not written in the file
        key = field.alias or name
        if key not in raw:
            if rules and not field.is_required():
                values[key] = field.get_default(call_default_factory=True)
            continue
        here = f"{path}.{key}" if path else key
        for table, node, where in _tables(field.annotation, raw[key], here):
            check_table(table, node, where, report)
        if rules:
            value = _parsed(model, name, raw[key])
            if value is not _FAILED:
                values[key] = value
    if not rules:
        return
    if model.model_config.get("extra") == "allow":
        known = {f.alias or n for n, f in model.model_fields.items()}
        values.update((k, v) for k, v in raw.items() if k not in known)
    for about, message in model.flaws(values):
        if about is None:
            report(path or "(top level)", message, _MISSING)
        else:
            report(f"{path}.{about}" if path else about, message, raw.get(about, _MISSING))
