"""Checks of the `[[contracts]]` table against the sites and shift templates.

They run on the raw TOML data, defensively, from ``scenarios.checks.check_raw``: a value that
does not parse is left to the schema's own error. Each problem names the contract (its key path)
and says what to change: names of sites and templates, the sites of a ``people`` table, a site
where the contract may use no template, and the rules no week can meet with the templates it may
use at a site (``scenarios.checks_weeks``: weekly hours, rest, the templates' weekdays, days off
in one block, a weekend off, nights). A problem found at some of a contract's sites only names
them.
"""

from __future__ import annotations

from typing import Any

from scenarios.checks import Report, _rows, did_you_mean
from scenarios.checks_weeks import SITE_CHECKS, Rules, Template, int_in, templates
from scenarios.problems import _MISSING


def _check_names(
    label: str, key: str, row: dict[str, Any], known: list[str], what: str, report: Report
) -> list[str]:
    """The defined names listed under ``key`` (all of ``known`` if absent); others reported."""
    listed = row.get(key)
    if not isinstance(listed, list):
        return list(known)
    found: list[str] = []
    for k, name in enumerate(listed):
        if not isinstance(name, str):
            continue
        if name not in known:
            report(
                f"{label}.{key}[{k}]",
                f"is not a defined {what}" + did_you_mean(name, known),
                name,
            )
        elif name in found:
            report(f"{label}.{key}[{k}]", "is listed twice", name)
        else:
            found.append(name)
    return found


def _check_people(
    label: str, row: dict[str, Any], sites: list[str], own: list[str], report: Report
) -> None:
    """A `people` table by site may name only the contract's sites."""
    people = row.get("people")
    for key, value in people.items() if isinstance(people, dict) else []:
        if key in ("max", "existing") or not isinstance(value, dict):
            continue
        if key not in sites:
            report(
                f"{label}.people.{key}",
                "is neither max, existing nor a defined site"
                + did_you_mean(key, ["max", "existing", *sites]),
                _MISSING,
            )
        elif key not in own:
            report(
                f"{label}.people.{key}",
                f"is not one of this contract's sites ({', '.join(own)}); add it to sites or "
                "drop it here",
                _MISSING,
            )


def _value(row: dict[str, Any], key: str) -> Any:
    """The raw value at the dotted ``key`` of ``row`` (nothing to show if absent)."""
    value: Any = row
    for part in key.split("."):
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    return value


def _usable(
    label: str,
    row: dict[str, Any],
    own: list[str],
    chosen: list[str],
    shift_sites: dict[str, Any],
    report: Report,
) -> dict[str, list[str]]:
    """The names of the templates the contract may use at each of its sites; a site without
    any, and a listed template usable at none of them, are reported."""
    usable_at = {
        site: [n for n in chosen if not isinstance(shift_sites[n], list) or site in shift_sites[n]]
        for site in own
    }
    listed_sites, listed_shifts = row.get("sites"), row.get("shifts")
    for site in (s for s, usable in usable_at.items() if not usable):
        message = f"no shift template of this contract may be used at site '{site}'; "
        if isinstance(listed_sites, list):
            report(
                f"{label}.sites[{listed_sites.index(site)}]",
                message + "list one usable there in the contract's shifts or the shift's "
                "sites, or drop the site here",
                site,
            )
        else:
            report(
                label,
                message + "list the contract's sites (by default it has them all), or a "
                "template usable there in its shifts",
                _MISSING,
            )
    for k, name in enumerate(listed_shifts if isinstance(listed_shifts, list) else []):
        if name in chosen and own and not any(name in u for u in usable_at.values()):
            report(
                f"{label}.shifts[{k}]",
                f"may not be used at any of this contract's sites ({', '.join(own)}); add one "
                "of them to the shift's sites, or drop it here",
                name,
            )
    return usable_at


def _check_contract(
    label: str,
    row: dict[str, Any],
    sites: dict[str, dict[str, Any]],
    shift_sites: dict[str, Any],
    parsed: dict[str, Template],
    report: Report,
) -> None:
    """Check one contract, labelled ``label``; ``parsed`` holds the templates that parse."""
    own = _check_names(label, "sites", row, list(sites), "site", report)
    chosen = _check_names(label, "shifts", row, list(shift_sites), "shift", report)
    _check_people(label, row, list(sites), own, report)
    usable_at = _usable(label, row, own, chosen, shift_sites, report)
    days = int_in(row.get("days_per_week"), 1, 7)
    if days is None:
        return
    rules = Rules.of(row, days)
    if rules.weekends_off and days > 5:
        report(
            f"{label}.weekends_off",
            f"a whole weekend off needs Saturday and Sunday off, but {days} working days leave "
            f"only {7 - days} day{'s' if 7 - days != 1 else ''} off; lower days_per_week to 5 "
            "or drop weekends_off",
            row.get("weekends_off"),
        )
    found: dict[tuple[str, str], list[str]] = {}
    for site, names in usable_at.items():
        if not names or any(n not in parsed for n in names):
            continue  # none to check, or one that does not parse (the schema says so)
        usable = [parsed[n] for n in names]
        for check in SITE_CHECKS:
            for key, message in check(rules, usable, sites[site]):
                found.setdefault((key, message), []).append(site)
    for (key, message), at in found.items():
        where = "" if len(at) == len(own) else f"at {', '.join(at)}: "
        report(f"{label}.{key}", where + message, _value(row, key))


def check_contracts(raw: dict[str, Any], report: Report) -> None:
    """Check every `[[contracts]]` row of ``raw`` against its sites and shift templates, and
    ``[optimizer] plan = "people"`` against the presence of contracts."""
    sites = {r["name"]: r for _, r in _rows(raw, "sites") if isinstance(r.get("name"), str)}
    shifts = [row for _, row in _rows(raw, "shifts") if isinstance(row.get("name"), str)]
    # a template whose sites name an undefined site (reported with the shifts) counts as
    # usable everywhere here: its real sites are unknown, so no contract is blamed for them
    shift_sites = {
        row["name"]: None
        if isinstance(row.get("sites"), list) and any(s not in sites for s in row["sites"])
        else row.get("sites")
        for row in shifts
    }
    parsed = templates(raw)
    contracts = list(_rows(raw, "contracts"))
    for label, row in contracts:
        _check_contract(label, row, sites, shift_sites, parsed, report)
    optimizer = raw.get("optimizer")
    if isinstance(optimizer, dict) and optimizer.get("plan") == "people" and not contracts:
        report(
            "optimizer.plan",
            'plans people, which needs [[contracts]]; add them or set plan = "shifts"',
            "people",
        )
