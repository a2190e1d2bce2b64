"""How far the two chat slowdown rules differ on the library's chat channels (issue 12 point 3).

``concurrency_model = "assigned"`` fixes a chat's slowdown factor when it is assigned;
``"shared"`` rescales every held chat's remaining work when the number held changes (a limited
processor-sharing agent, Luo & Zhang 2013). Each library scenario with a chat channel of
``concurrency`` above 1 is simulated both ways on the same random streams (``api.compare``,
the file's seed and replications), and the paired difference shared - assigned of the chat
channel's service level [points], ASA [s], abandonment [points] and occupancy [points] is
reported with its 95 % Student-t interval.

Run it from the repository root: ``.venv/bin/python -m benchmarks.chat_sharing
[--replications N]``; it prints a table and writes ``benchmarks/out/chat_sharing.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from typing import Any

from benchmarks import common
from scenarios.schema import Scenario
from workbench import api

KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy")


def with_model(scenario: Scenario, model: str) -> Scenario:
    """``scenario`` with every chat channel's ``concurrency_model`` set to ``model``."""
    channels = tuple(
        c.model_copy(update={"concurrency_model": model}) if c.kind == "chat" else c
        for c in scenario.channels
    )
    return scenario.model_copy(update={"channels": channels})


def measure(replications: int | None = None, workers: int = 1) -> list[dict[str, Any]]:
    """One row per library scenario and chat channel with ``concurrency`` > 1: the mean of
    each KPI under "assigned", and the paired difference shared - assigned with its 95 %
    interval (shares in points of 1, seconds for ``asa_s``)."""
    rows: list[dict[str, Any]] = []
    for path in sorted((common.ROOT / "scenarios").glob("*.toml")):
        scenario = api.load(path)
        chats = [c for c in scenario.channels if c.kind == "chat" and c.concurrency > 1]
        if not chats:
            continue
        result = api.compare(
            {
                "assigned": with_model(scenario, "assigned"),
                "shared": with_model(scenario, "shared"),
            },
            replications=replications,
            workers=workers,
        )
        table = result.table
        for chat in chats:
            row: dict[str, Any] = {
                "scenario": scenario.scenario.name,
                "channel": chat.name,
                "concurrency": chat.concurrency,
                "slowdown": list(chat.concurrency_slowdown or ()),
                "replications": int(result.values["replication"].nunique()),
            }
            for kpi in KPIS:
                base = table[
                    (table["option"] == "assigned")
                    & (table["channel"] == chat.name)
                    & (table["kpi"] == kpi)
                ]
                other = table[
                    (table["option"] == "shared")
                    & (table["channel"] == chat.name)
                    & (table["kpi"] == kpi)
                ]
                row[kpi] = float(base["mean"].iloc[0])
                row[f"{kpi}_diff"] = float(other["diff"].iloc[0])
                row[f"{kpi}_diff_ci"] = [
                    float(other["diff_ci_low"].iloc[0]),
                    float(other["diff_ci_high"].iloc[0]),
                ]
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    rows = measure(args.replications, args.workers)
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}")
    for r in rows:
        sl, sl_ci = r["service_level_diff"], r["service_level_diff_ci"]
        asa, asa_ci = r["asa_s_diff"], r["asa_s_diff_ci"]
        print(
            f"{r['scenario']:15} {r['channel']:6} k={r['concurrency']} "
            f"SL {100 * r['service_level']:.1f} % -> {100 * (r['service_level'] + sl):.1f} % "
            f"({100 * sl:+.1f} pt [{100 * sl_ci[0]:+.1f}, {100 * sl_ci[1]:+.1f}]); "
            f"ASA {r['asa_s']:.1f} s ({asa:+.1f} s [{asa_ci[0]:+.1f}, {asa_ci[1]:+.1f}]); "
            f"occupancy {100 * r['occupancy_diff']:+.1f} pt; "
            f"{r['replications']} replications"
        )
    out = common.ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "chat_sharing.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
