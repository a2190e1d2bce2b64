"""Repeat contacts (``[channels.resolution]``) and redials (``[channels.redial]``) in the engine:
counts against their binomial and geometric expectations with stated intervals, the steady
state volume / first_contact, redials from separate streams (share 0 = no redial at all, bit
for bit), and the one-line validation errors."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from simulation import simulate
from simulation.arrivals import generate
from simulation.engine import ReplicationResult, run
from simulation.model import build
from tests.factory import build_scenario, single_queue_raw
from workbench.cli import app

Z999 = stats.norm.ppf(0.9995)
"""Two-sided 99.9 % normal quantile (3.29): the intervals below fail by chance once in 1000."""


def _run(raw: dict[str, Any], replication: int = 0) -> ReplicationResult:
    scenario = build_scenario(raw)
    model = build(scenario)
    seed = scenario.run.seed
    return run(model, generate(model, seed, replication), seed, replication)


def _resolution_raw(first: float = 0.8, agents: int = 14) -> dict[str, Any]:
    """200 calls an hour of 3 minutes (10 Erlang), 14 agents, nobody abandons: every contact
    is handled, so the arrival rate in steady state is 200 / first_contact."""
    raw = single_queue_raw(agents=agents, per_hour=200.0, days=7, replications=4)
    raw["channels"][0]["resolution"] = {"first_contact": first, "repeat_after": "2h"}
    return raw


def test_unresolved_share_is_one_minus_first_contact() -> None:
    """Each handled contact comes back with probability 1 - first_contact, independently:
    unresolved ~ Binomial(handled, 0.2); 99.9 % normal interval."""
    result = _run(_resolution_raw())
    handled = result.handled.sum()
    unresolved = result.unresolved.sum()
    assert handled > 30_000
    expected = 0.2 * handled
    half = Z999 * math.sqrt(handled * 0.2 * 0.8)
    assert abs(unresolved - expected) <= half, (unresolved, expected, half)


def test_repeats_arriving_match_those_sent_back() -> None:
    """Over the (cyclic, warmed-up) horizon the repeats arriving match the unresolved contacts
    sent back: both count about (1 - first_contact) x handled; the difference is the edge
    (repeats of warm-up contacts in, of the last hours out), a few sqrt(n) at most."""
    result = _run(_resolution_raw())
    repeats = result.repeats.sum()
    unresolved = result.unresolved.sum()
    assert abs(repeats - unresolved) <= 2 * Z999 * math.sqrt(unresolved), (repeats, unresolved)
    # repeats are contacts of the channel: counted in arrived and offered
    assert result.arrived.sum() >= result.repeats.sum()
    assert result.offered.sum() >= result.repeats.sum()


def test_steady_state_volume_is_base_over_first_contact() -> None:
    """Repeats of repeats on the same channel: volume = base (1 + (1-f) + (1-f)^2 + ...) =
    base / f when everyone is handled. Base 200/h x 168 h = 33,600, f = 0.8: 42,000 arrivals
    a week. 99 % Student-t interval of the mean over 4 replications."""
    scenario = build_scenario(_resolution_raw())
    results = simulate(scenario, replications=4)
    rows = results.replications
    arrived = rows[rows["channel"] == "c1"]["arrived"].to_numpy(dtype=float)
    expected = 200.0 * 168 / 0.8
    half = stats.t.ppf(0.995, len(arrived) - 1) * arrived.std(ddof=1) / math.sqrt(len(arrived))
    assert abs(arrived.mean() - expected) <= half + 1e-9, (arrived, expected, half)
    fcr = results.summary["channels"]["c1"]["fcr"]
    assert abs(fcr - 0.8) < 0.01
    # without resolution: fcr is empty, nothing repeats
    plain = simulate(build_scenario(single_queue_raw(agents=14, days=7)), replications=1)
    assert plain.summary["channels"]["c1"]["fcr"] is None
    assert plain.summary["channels"]["c1"]["repeats"] == 0.0


def test_repeats_come_back_on_the_repeat_channel() -> None:
    """Voice contacts left unresolved come back as email: email's repeats are voice's
    unresolved (edges aside), voice has none of its own."""
    raw = _resolution_raw()
    raw["channels"][0]["resolution"]["repeat_channel"] = "mail"
    mail = copy.deepcopy(raw["channels"][0])
    mail.update(name="mail", kind="email", target={"within": "24h", "share": 0.9})
    del mail["resolution"]
    mail["volume"] = {"per": "day", "count": 24.0}
    raw["channels"].append(mail)
    raw["sites"][0]["skills"] = ["c1", "mail"]
    raw["roster"][0]["agents"] = 16
    result = _run(raw)
    assert result.repeats[0].sum() == 0
    unresolved = result.unresolved[0].sum()
    assert abs(result.repeats[1].sum() - unresolved) <= 2 * Z999 * math.sqrt(unresolved)
    assert result.handled[1].sum() == 0  # email has no resolution of its own


def _redial_raw(share: float, agents: int = 0, days: int = 7) -> dict[str, Any]:
    raw = single_queue_raw(agents=agents, per_hour=100.0, patience="1m", days=days, replications=3)
    raw["channels"][0]["redial"] = {"share": share, "after": "5m"}
    return raw


def test_nobody_staffed_redials_are_geometric() -> None:
    """Nobody is staffed, so every try abandons (p = 1) and a customer tries again with
    probability s = 0.6: redials ~ Binomial(abandoned, s) (99.9 % normal interval), and tries
    per customer are geometric, mean 1 / (1 - s) = 2.5 (attempts / (attempts - redials), 99 %
    Student-t interval over replications)."""
    share = 0.6
    raw = _redial_raw(share, agents=0)
    result = _run(raw)
    gave_up, abandoned = result.gave_up.sum(), result.abandoned.sum()
    redialled = abandoned - gave_up  # decided at the deadline: try again or give up
    half = Z999 * math.sqrt(abandoned * share * (1 - share))
    assert abs(redialled - share * abandoned) <= half, (redialled, abandoned)
    assert result.answered.sum() == 0
    results = simulate(build_scenario(raw), replications=3)
    rows = results.replications
    rows = rows[rows["channel"] == "c1"]
    per_customer = (rows["attempts"] / (rows["attempts"] - rows["redials"])).to_numpy(float)
    spread = per_customer.std(ddof=1) / math.sqrt(len(per_customer))
    half = stats.t.ppf(0.995, len(per_customer) - 1) * spread
    assert abs(per_customer.mean() - 1 / (1 - share)) <= half + 0.01, per_customer
    # the first tries are the Poisson base: 100/h x 168 h
    first = (rows["attempts"] - rows["redials"]).to_numpy(float)
    assert abs(first.mean() - 16_800) <= Z999 * math.sqrt(16_800 / len(first))


def test_redial_share_zero_changes_nothing() -> None:
    """Redial randomness comes from streams of its own: share 0 gives bit-identical counters
    to a channel without redial (only the new gave_up counter differs: every abandon)."""
    plain = single_queue_raw(agents=9, per_hour=200.0, patience="1m", days=2, replications=1)
    off = copy.deepcopy(plain)
    off["channels"][0]["redial"] = {"share": 0.0, "after": "5m"}
    a, b = _run(plain), _run(off)
    assert a.abandoned.sum() > 100
    for f in dataclasses.fields(ReplicationResult):
        if f.name in ("gave_up", "trace"):
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name
    # every abandon decided inside the horizon gives up for good (the last minutes' decisions
    # fall after the horizon's abandons are counted)
    assert b.gave_up.sum() <= b.abandoned.sum()
    assert b.gave_up.sum() >= b.abandoned.sum() - 5


def test_results_do_not_depend_on_workers() -> None:
    """Same file and seed, repeats and redials on: bit-identical tables with 1 and 2 workers."""
    raw = _redial_raw(0.5, agents=4, days=2)
    raw["channels"][0]["resolution"] = {"first_contact": 0.7, "repeat_after": "30m"}
    scenario = build_scenario(raw)
    one = simulate(scenario, replications=2, workers=1)
    two = simulate(scenario, replications=2, workers=2)
    assert one.intervals.equals(two.intervals)
    assert one.replications.equals(two.replications)
    assert one.summary == two.summary


BAD = """
format = 1
[scenario]
name = "bad"
start = 2026-01-05
days = 1
interval = "60m"
[[regions]]
name = "all"
timezone = "UTC"
share = 1.0
[[channels]]
name = "mail"
kind = "email"
volume = {{ per = "day", count = 10 }}
handle_time = {{ mean = "5m" }}
target = {{ within = "1h", share = 0.9 }}
{extra}
[[sites]]
name = "hq"
timezone = "UTC"
skills = ["mail"]
hourly_cost = 10.0
"""


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ('redial = { share = 0.3, after = "5m" }', "channels.mail.redial"),
        (
            'resolution = { first_contact = 0.8, repeat_after = "1d", repeat_channel = "mial" }',
            "channels.mail.resolution.repeat_channel",
        ),
        ('resolution = { first_contact = 1.2, repeat_after = "1d" }', "first_contact"),
        # below 0.01 the optimizer's fixed point did not converge and ended in a traceback
        ('resolution = { first_contact = 0.000001, repeat_after = "1d" }', "first_contact"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, extra: str, where: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD.format(extra=extra), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    problems = [line for line in result.output.splitlines() if line.strip()]
    assert len(problems) == 1 and where in problems[0], result.output
    assert "Traceback" not in result.output


def test_the_terminal_table_shows_fcr_repeats_and_redials() -> None:
    """``kpi_tables.channel_table`` adds FCR, repeats and redials when a channel uses them,
    with the summary's figures; without them the columns are left out."""
    from rich.console import Console

    from workbench.kpi_tables import channel_table

    def rendered(raw: dict[str, Any]) -> str:
        scenario = build_scenario(raw)
        console = Console(width=250, record=True)
        console.print(channel_table(simulate(scenario), scenario))
        return console.export_text()

    raw = single_queue_raw(agents=14, per_hour=200.0, days=1, replications=2)
    raw["channels"][0]["resolution"] = {"first_contact": 0.8, "repeat_after": "2h"}
    raw["channels"][0]["redial"] = {"share": 0.5, "after": "5m"}
    scenario = build_scenario(raw)
    kpi = simulate(scenario).summary["channels"]["c1"]
    text = rendered(raw)
    assert "FCR" in text and "repeats" in text and "redials" in text
    assert f"{100 * kpi['fcr']:.1f}%" in text
    assert f"{kpi['repeats']:,.0f}" in text
    plain = rendered(single_queue_raw(agents=14, per_hour=200.0, days=1, replications=2))
    assert "FCR" not in plain and "redials" not in plain
