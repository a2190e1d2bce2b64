"""Results by segment (channel x customer region and language): ``segments.csv``, the
``segments`` of ``summary.json`` and the terminal's table of segments below target."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from scenarios.loader import load
from simulation import simulate
from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build
from workbench.cli import app

SCENARIO = """
format = 1

[scenario]
name = "segments-test"
start = 2026-01-05
days = 2
interval = "60m"
timezone = "UTC"

[run]
replications = 2
seed = 11
warmup = "12h"

[[regions]]
name = "north"
timezone = "UTC"
share = 0.6
language = "en"

[[regions]]
name = "brazil"
timezone = "America/Sao_Paulo"
share = 0.4
language = "pt"

[[channels]]
name = "voice"
kind = "voice"
volume = {{ per = "day", count = 600 }}
hourly_profile = "flat"
handle_time = {{ mean = "4m", cv = 0.7, distribution = "lognormal" }}
patience = {{ mean = "2m", distribution = "exponential" }}
target = {{ within = "20s", share = 0.8 }}
callback = {{ offer_after = "1m", accept_share = 0.3, within = "1h" }}

[[channels]]
name = "chat"
kind = "chat"
volume = {{ per = "day", count = 400 }}
hourly_profile = "flat"
handle_time = {{ mean = "6m", cv = 0.7, distribution = "lognormal" }}
patience = {{ mean = "90s", distribution = "exponential" }}
target = {{ within = "60s", share = 0.8, counts = "offered_excl_short", short_abandon = "5s" }}

[channels.bot]
containment = 0.3
options = [0.3]
time = "1m"
cost_per_session = 0.1
escalated_handle_time_factor = 1.2
recontact_share = 0.2
recontact_after = "2h"

[[channels]]
name = "email"
kind = "email"
volume = {{ per = "day", count = 200 }}
hourly_profile = "flat"
handle_time = {{ mean = "5m", cv = 0.5, distribution = "gamma" }}
target = {{ within = "4h", share = 0.9 }}

[[sites]]
name = "hq"
timezone = "UTC"
skills = ["voice", "chat", "email"]
languages = {languages}
hourly_cost = 20.0

[[shifts]]
name = "day"
starts = {{ from = "00:00", to = "23:00", every = "1h" }}
length = "24h"

[[roster]]
site = "hq"
shift = "day"
start = "00:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
agents = 4
"""
"""Two regions (English, Portuguese), voice with callbacks, chat with a bot and counting
``offered_excl_short``, email; one site around the clock speaking ``languages``."""

runner = CliRunner()


def _write(tmp_path: Path, languages: str = '["en", "pt"]') -> Path:
    path = tmp_path / "segments-test.toml"
    path.write_text(SCENARIO.format(languages=languages))
    return path


def _simulate(args: list[str]) -> str:
    result = runner.invoke(app, ["simulate", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_segments_add_up_to_the_channel_counters_exactly(tmp_path: Path) -> None:
    """Per replication, channel and interval, the segments' arrived, offered, answered,
    abandoned and answered within target sum to the channel's counters; in the tables, the
    segments of a channel and day sum to ``daily.csv`` (callbacks, bot recontacts, short
    abandons and async contacts left open at the end all occur)."""
    scenario = load(_write(tmp_path))
    model = build(scenario)
    n_r = len(scenario.regions)
    result = run(model, generate(model, 11, 0), 11, 0)
    assert result.offered_cb.sum() > 0 and result.abandoned.sum() > 0
    for spec in model.channels:
        rows = slice(spec.index * n_r, (spec.index + 1) * n_r)
        for mine, theirs in (
            (result.segment_arrived, result.arrived),
            (result.segment_offered, result.offered),
            (result.segment_answered, result.answered),
            (result.segment_abandoned, result.abandoned),
            (result.segment_within, result.answered_within),
            (result.segment_short_abandoned, result.short_abandoned),
            (result.segment_open_missed, result.open_missed),
            (result.segment_started, result.started),
        ):
            np.testing.assert_array_equal(mine[rows].sum(axis=0), theirs[spec.index])

    results = simulate(scenario, replications=2, seed=11)
    sums = results.segments.groupby(["channel", "day"], sort=False)[
        ["arrived", "offered", "answered", "abandoned", "answered_within"]
    ].sum()
    daily = results.daily.set_index(["channel", "day"]).loc[sums.index, sums.columns]
    pd.testing.assert_frame_equal(sums, daily, check_exact=True)
    assert len(results.segments) == 3 * 2 * 2  # channels x regions x days
    print(sums.groupby("channel").sum().to_string())


def test_a_language_no_site_serves_is_offered_and_never_answered(tmp_path: Path) -> None:
    """With a site speaking English only, Brazil's Portuguese-speaking customers are offered
    and never answered: in segments.csv, in summary.json and in the terminal's table."""
    path = _write(tmp_path, languages='["en"]')
    out = tmp_path / "run"
    output = _simulate([str(path), "--replications", "2", "--out", str(out)])
    segments = pd.read_csv(out / "segments.csv")
    brazil = segments[segments["region"] == "brazil"]
    assert set(brazil["language"]) == {"pt"}
    for channel in ("voice", "chat", "email"):
        rows = brazil[brazil["channel"] == channel]
        assert rows["offered"].sum() > 0 and (rows["answered"] == 0).all(), channel
    north = segments[segments["region"] == "north"]
    assert (north["answered"] > 0).all()

    summary = json.loads((out / "summary.json").read_text())
    found = {(s["channel"], s["region"]): s for s in summary["segments"]}
    for channel in ("voice", "chat", "email"):
        segment = found[(channel, "brazil")]
        assert segment["offered"] > 0 and segment["answered"] == 0 and not segment["met"]
        assert segment["service_level"]["mean"] == 0.0
        assert found[(channel, "north")]["answered"] > 0

    assert "segments below target" in output
    table = output[output.index("segments below target") :]
    assert "brazil" in table and "never answered" in table
    print(table)


def test_segments_are_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    """Same seed: byte-identical segments.csv and summary.json whatever the workers."""
    path = str(_write(tmp_path))
    _simulate([path, "--replications", "2", "--workers", "1", "--out", str(tmp_path / "a")])
    _simulate([path, "--replications", "2", "--workers", "2", "--out", str(tmp_path / "b")])
    for name in ("segments.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


NIGHT = """
format = 1

[scenario]
name = "night-region"
start = 2026-01-05
days = 2
interval = "60m"
timezone = "UTC"

[run]
replications = 2
seed = 5

[[regions]]
name = "north"
timezone = "UTC"
share = 0.5

[[regions]]
name = "east"
timezone = "Asia/Tokyo"
share = 0.5

[[channels]]
name = "voice"
kind = "voice"
volume = { per = "day", count = 400 }
hourly_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
handle_time = { mean = "4m", cv = 0.7, distribution = "lognormal" }
patience = { mean = "2m", distribution = "exponential" }
target = { within = "20s", share = 0.8 }

[[sites]]
name = "hq"
timezone = "UTC"
skills = ["voice"]
hourly_cost = 20.0

[[shifts]]
name = "day"
starts = { from = "09:00", to = "09:00", every = "1h" }
length = "8h"

[[roster]]
site = "hq"
shift = "day"
start = "09:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
agents = 8
"""
"""Customers call 09:00-17:00 local time; the one site works 09:00-17:00 UTC, so the
customers in Tokyo (UTC+9) call while nobody works."""


def test_a_region_calling_while_nobody_works_is_the_one_waiting(tmp_path: Path) -> None:
    """Tokyo's customers call at night for the site: their service level is far below that
    of the region the site's hours match, while the channel's lies in between."""
    path = tmp_path / "night.toml"
    path.write_text(NIGHT)
    results = simulate(load(path), replications=2, seed=5)
    by_region = {s["region"]: s for s in results.summary["segments"]}
    north = by_region["north"]["service_level"]["mean"]
    east = by_region["east"]["service_level"]["mean"]
    channel = results.summary["channels"]["voice"]["service_level"]["mean"]
    assert north > 0.8 and east < 0.1, (north, east)
    assert east < channel < north
    assert by_region["east"]["abandon_rate"] > 0.8
    daily = results.segments[results.segments["region"] == "east"]
    assert (daily["service_level"] < 0.1).all()
    print(f"north {north:.3f} east {east:.3f} channel {channel:.3f}")


def test_one_region_and_language_prints_no_segment_table(tmp_path: Path) -> None:
    """A scenario with a single region and language prints the KPI table alone."""
    from workbench.tables import segments_table

    path = tmp_path / "one.toml"
    text = NIGHT.replace(
        '[[regions]]\nname = "east"\ntimezone = "Asia/Tokyo"\nshare = 0.5\n', ""
    ).replace("share = 0.5", "share = 1.0")
    path.write_text(text)
    results = simulate(load(path), replications=1, seed=5)
    assert len(results.summary["segments"]) == 1
    assert segments_table(results.summary) is None


def test_the_segment_table_gives_waits_with_their_unit() -> None:
    """The segments below target show ASA with its unit (s, min or h) as the channel table
    does: a segment waiting 125 s on average reads ``2.1 min``."""
    from rich.console import Console

    from workbench.tables import segments_table

    def segment(region: str, level: float, asa_s: float, met: bool) -> dict[str, object]:
        return {
            "channel": "voice",
            "region": region,
            "language": "en",
            "offered": 100.0,
            "answered": 90.0,
            "service_level": {"mean": level},
            "target_share": 0.8,
            "asa_s": asa_s,
            "abandon_rate": 0.1,
            "met": met,
        }

    summary = {"segments": [segment("north", 0.9, 12.0, True), segment("south", 0.5, 125.0, False)]}
    table = segments_table(summary)
    assert table is not None and not isinstance(table, str)
    console = Console(width=200, record=True)
    console.print(table)
    text = console.export_text()
    assert "2.1 min" in text and "ASA [s]" not in text and "north" not in text
