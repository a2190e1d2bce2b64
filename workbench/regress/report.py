"""Reports of checks, for people and for CI: the one-line ``--update`` summary, formatted
values, differences and p-values, display rows (per scenario and per drifting series),
the markdown summary and the JUnit XML.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from workbench.regress.check import (
    CORRECTION_NAMES,
    COST_THRESHOLD_KEY,
    DRIFT,
    IDENTICAL,
    NEW,
    NOISE,
    REMOVED,
    SMALL,
    UNTESTABLE,
    Check,
    Settings,
)
from workbench.regress.measurement import SHARE_KPIS, WEEK


def update_summary(check: Check | None, limit: int = 8) -> str:
    """One line saying what an ``--update`` changed: new baseline, identical, or which series
    changed (drifting ones first, whole-horizon ones before daily ones)."""
    if check is None:
        return "new baseline"
    if check.verdict == IDENTICAL:
        return "identical"
    changed = check.changed
    order = changed["status"].map({DRIFT: 0, NEW: 1, REMOVED: 1, SMALL: 2, NOISE: 3, UNTESTABLE: 4})
    weekly_first = (changed["day"] != WEEK).astype(int)
    changed = changed.assign(order=order, daily=weekly_first).sort_values(
        ["order", "daily"], kind="stable"
    )
    names = [f"{r.channel}/{r.day}/{r.kpi} ({r.status})" for r in changed.itertuples()]
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return (
        f"changed: {len(changed)} of {len(check.rows)} series "
        f"({len(check.failing)} drift, new or removed): {', '.join(names[:limit])}{more}"
    )


def format_value(kpi: str, value: float) -> str:
    """A KPI value for people: shares in %, ASA in s, cost with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kpi in SHARE_KPIS:
        return f"{100 * value:.2f} %"
    if kpi == "asa_s":
        return f"{value:.1f} s"
    return f"{value:,.2f}"


def format_difference(kpi: str, difference: float, low: float, high: float) -> str:
    """A difference with its interval: percentage points for shares, s for ASA."""
    if math.isnan(difference):
        return "-"
    if kpi in SHARE_KPIS:
        scale, unit, digits = 100.0, " pp", 2
    elif kpi == "asa_s":
        scale, unit, digits = 1.0, " s", 1
    else:
        scale, unit, digits = 1.0, "", 2
    text = f"{scale * difference:+,.{digits}f}{unit}"
    if not math.isnan(low):
        text += f" [{scale * low:+,.{digits}f}, {scale * high:+,.{digits}f}]"
    return text


def format_p(p: float) -> str:
    """A p-value with 2 significant digits, or "-"."""
    if math.isnan(p):
        return "-"
    return "< 1e-12" if p < 1e-12 else f"{p:.2g}"


def describe_settings(settings: Settings) -> str:
    """The test and thresholds in one sentence (markdown)."""
    t = settings.thresholds
    return (
        "Significance: paired Student-t test on the per-replication differences when the run "
        "uses the baseline's seed and replications, Welch's t test otherwise; p-values "
        f"{CORRECTION_NAMES[settings.correction]}-adjusted over the series of each scenario "
        f"at alpha = {settings.alpha:g}; "
        f"intervals are {100 * (1 - settings.alpha):g} % Student-t intervals of the mean "
        "difference. Drift = significant and at least the practical threshold: service level "
        f"{100 * t['service_level']:g} pp, ASA {t['asa_s']:g} s, abandonment "
        f"{100 * t['abandon_rate']:g} pp, occupancy {100 * t['occupancy']:g} pp, cost "
        f"{100 * t[COST_THRESHOLD_KEY]:g} %."
    )


def drift_rows(checks: Sequence[Check]) -> list[dict[str, str]]:
    """Failing series of all checks as display rows (markdown and console)."""
    out = []
    for check in checks:
        for r in check.failing.to_dict("records"):
            kpi = str(r["kpi"])
            out.append(
                {
                    "scenario": check.scenario,
                    "channel": str(r["channel"]),
                    "day": str(r["day"]),
                    "KPI": kpi if r["status"] == DRIFT else f"{kpi} ({r['status']})",
                    "baseline": format_value(kpi, float(r["baseline"])),
                    "now": format_value(kpi, float(r["now"])),
                    "difference [CI]": format_difference(
                        kpi, float(r["difference"]), float(r["low"]), float(r["high"])
                    ),
                    "p": format_p(float(r["p"])),
                    "p adjusted": format_p(float(r["p_adjusted"])),
                }
            )
    return out


SCENARIO_LEGEND = (
    "reps: replications of the baseline / of this run; inputs: the scenario file and its CSV "
    "inputs compared with the baseline's (sha256); series: (channel, day, KPI) compared; "
    "noise: changed but not significant (or too few replications to test); below thr.: "
    "significant but smaller than the practical threshold; drift: significant and at least "
    "the threshold, or a series added or removed."
)


def scenario_rows(checks: Sequence[Check], missing: Sequence[str]) -> list[dict[str, str]]:
    """One display row per scenario: verdict and the count of series by status."""
    out = []
    for check in checks:
        base_n, now_n = len(check.baseline.replications), len(check.current.replications)
        out.append(
            {
                "scenario": check.scenario,
                "verdict": check.verdict,
                "test": check.test,
                "reps": f"{base_n}/{now_n}",
                "inputs": "changed" if check.inputs_changed else "same",
                "series": str(len(check.rows)),
                "identical": str(check.count(IDENTICAL)),
                "noise": str(check.count(NOISE) + check.count(UNTESTABLE)),
                "below thr.": str(check.count(SMALL)),
                "drift": str(len(check.failing)),
                "time": f"{check.seconds:.1f} s",
            }
        )
    for name in missing:
        out.append(
            {
                "scenario": name,
                "verdict": "no baseline",
                **dict.fromkeys(
                    (
                        "test",
                        "reps",
                        "inputs",
                        "series",
                        "identical",
                        "noise",
                        "below thr.",
                        "drift",
                        "time",
                    ),
                    "-",
                ),
            }
        )
    return out


def _markdown_table(rows: Sequence[Mapping[str, str]]) -> list[str]:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row[h]).replace("|", "\\|") for h in header]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown_report(
    checks: Sequence[Check],
    mode: str,
    settings: Settings,
    baselines: Path,
    missing: Sequence[str] = (),
    orphans: Sequence[str] = (),
) -> str:
    """The markdown summary (for ``$GITHUB_STEP_SUMMARY``): scenarios, then what drifted."""
    failing = any(c.verdict == DRIFT for c in checks) or bool(missing)
    lines = [
        f"# Service-level regression check ({mode} mode): {'FAILED' if failing else 'passed'}",
        "",
        f"Re-run of each scenario compared with the baselines in `{baselines.as_posix()}`. "
        + describe_settings(settings),
        "",
    ]
    table = scenario_rows(checks, missing)
    if table:
        lines += _markdown_table(table)
        lines += ["", SCENARIO_LEGEND]
    else:
        lines.append("No scenario checked.")
    lines += ["", "## Drift", ""]
    drifted = drift_rows(checks)
    lines += _markdown_table(drifted) if drifted else ["No drift."]
    if missing:
        lines += [
            "",
            f"No {mode} baseline for: {', '.join(missing)}. Run `workbench regress"
            f"{' --quick' if mode == 'quick' else ''} --update FILE` and commit the result.",
        ]
    if orphans:
        lines += [
            "",
            f"Baselines without a scenario file (not checked): {', '.join(orphans)}.",
        ]
    return "\n".join(lines) + "\n"


def junit_xml(
    checks: Sequence[Check], mode: str, settings: Settings, missing: Sequence[str] = ()
) -> bytes:
    """JUnit XML: one test suite for the mode, one test case per scenario, failing with the
    drift details when it drifts (or has no baseline)."""
    suite_name = f"workbench regress ({mode})"
    classname = f"regress.{mode}"
    failures = sum(c.verdict == DRIFT for c in checks) + len(missing)
    total_time = sum(c.seconds for c in checks)
    root = ET.Element(
        "testsuites",
        name="workbench regress",
        tests=str(len(checks) + len(missing)),
        failures=str(failures),
        errors="0",
        time=f"{total_time:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(len(checks) + len(missing)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total_time:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="alpha", value=f"{settings.alpha:g}")
    for key, value in settings.thresholds.items():
        ET.SubElement(properties, "property", name=f"threshold.{key}", value=f"{value:g}")
    for check in checks:
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=check.scenario, time=f"{check.seconds:.3f}"
        )
        summary = (
            f"{check.scenario}: {check.verdict}; {check.test}; {len(check.rows)} series: "
            f"{check.count(IDENTICAL)} identical, {check.count(NOISE)} noise, "
            f"{check.count(UNTESTABLE)} untestable, {check.count(SMALL)} below threshold, "
            f"{len(check.failing)} drift"
        )
        if check.verdict == DRIFT:
            details = [
                f"{r['channel']} {r['day']} {r['KPI']}: baseline {r['baseline']}, now {r['now']},"
                f" difference {r['difference [CI]']}, p {r['p']} (adjusted {r['p adjusted']})"
                for r in drift_rows([check])
            ]
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(check.failing)} series drifted",
                type="drift",
            )
            failure.text = "\n".join(details)
        ET.SubElement(case, "system-out").text = summary
    for name in missing:
        case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
        ET.SubElement(
            case, "failure", message=f"no {mode} baseline", type="missing-baseline"
        ).text = f"no {mode} baseline for {name}; run workbench regress --update"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
