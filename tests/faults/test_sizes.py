"""Sizes that cannot finish are caught up front, and long replications show their progress
(issue 9, point 6).

Each test is named after what it protects; the README's "Guarantees" section points here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from rich.progress import Progress

from scenarios.loader import check_file
from scenarios.schema import Scenario
from simulation import pool, sizing
from simulation.arrivals import generate
from simulation.engine import ReplicationResult, run
from simulation.model import build
from simulation.replication import Timed
from simulation.runner import run_replications
from tests.faults.inprocess import invoke
from workbench.guards import ReplicationProgress

ROOT = Path(__file__).resolve().parents[2]
GLOBAL_RETAIL = ROOT / "scenarios" / "global-retail.toml"
SMALL = ROOT / "scenarios" / "small-shop.toml"


def load(path: Path) -> Scenario:
    scenario, problems = check_file(path)
    assert scenario is not None, problems
    return scenario


def huge_copy(folder: Path) -> Path:
    """global-retail with every channel at 10^8 contacts a day (the largest valid volume)."""
    text = GLOBAL_RETAIL.read_text(encoding="utf-8")
    text, count = re.subn(
        r"volume = \{[^}]*\}", 'volume = { per = "day", count = 100000000 }', text
    )
    assert count >= 2
    path = folder / "huge.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "--workers", "2"],
        ["optimize"],
        ["compare", "{file}"],
        ["sweep", "--vary", "roster[0].agents=10,12", "--no-cache"],
        ["regress", "--baselines", "b", "--markdown", "b/s.md", "--junit", "b/j.xml"],
    ],
    ids=lambda c: c[0],
)
def test_huge_scenario_refused_before_running(tmp_path: Path, command: list[str]) -> None:
    """3.6e9 contacts per replication: exit 2 within seconds, one line naming the file, the
    contacts, the memory and --force; no output folder or file is created."""
    huge = huge_copy(tmp_path)
    name, *options = command
    args = [name, str(huge), *(o.replace("{file}", str(huge)) for o in options)]
    if name != "regress":
        args += ["--out", str(tmp_path / "out")]
    began = time.perf_counter()
    code, output = invoke(args, tmp_path)
    assert time.perf_counter() - began < 10
    assert code == 2, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in output, output
    assert lines[0].startswith(f"{huge}: about 3.6e9 contacts per replication"), output
    assert "GB of memory" in lines[0] and lines[0].endswith("or pass --force"), output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.toml"]


def test_force_runs_what_the_estimate_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a budget of 1 MB (WORKBENCH_MEMORY_BYTES) the small shop is refused, and --force
    runs it all the same."""
    monkeypatch.setenv(sizing.MEMORY_ENV, "1e6")
    args = ["simulate", str(SMALL), "--replications", "1"]
    code, output = invoke([*args, "--out", str(tmp_path / "refused")], tmp_path)
    assert code == 2 and "more than 80 % of the 1.0 MB" in output, output
    assert not (tmp_path / "refused").exists()
    code, output = invoke([*args, "--out", str(tmp_path / "forced"), "--force"], tmp_path)
    assert code == 0, output
    assert (tmp_path / "forced" / "summary.json").is_file()


def test_bad_memory_override_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A WORKBENCH_MEMORY_BYTES that is not a positive number of bytes is named, exit 2."""
    monkeypatch.setenv(sizing.MEMORY_ENV, "lots")
    code, output = invoke(["simulate", str(SMALL), "--out", str(tmp_path / "o")], tmp_path)
    assert code == 2, output
    assert output.strip() == (
        f"{SMALL}: WORKBENCH_MEMORY_BYTES must be a positive number of bytes (got 'lots')"
    )


def test_estimate_matches_simulated_contacts() -> None:
    """The expected contacts of global-retail are within 5 % of the mean contacts the engine
    counted over 5 replications, without drawing or simulating anything."""
    scenario = load(GLOBAL_RETAIL)
    model = build(scenario)
    expected = sizing.estimate(model).contacts
    counted = [t.result.contacts for t in run_replications(model, 7, range(5))]
    assert abs(expected / np.mean(counted) - 1) < 0.05, (expected, counted)


def test_progress_advances_inside_a_replication(monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process and in the pool, each replication reports increasing fractions in
    (0, 1) of its simulated window before it finishes, and the bar moves by them."""
    monkeypatch.setattr(pool, "PROGRESS_POLL_S", 0.01)  # a replication takes ~0.5 s
    model = build(load(GLOBAL_RETAIL))
    for workers in (1, 2):
        events: list[tuple[str, int, float]] = []

        def done(timed: Timed, seen: list[tuple[str, int, float]] = events) -> None:
            seen.append(("done", timed.result.replication, 1.0))

        def partial(r: int, f: float, seen: list[tuple[str, int, float]] = events) -> None:
            seen.append(("partial", r, f))

        run_replications(model, 3, range(2), workers=workers, on_done=done, on_progress=partial)
        for replication in range(2):
            mine = [(kind, f) for kind, r, f in events if r == replication]
            assert mine[-1][0] == "done", (workers, mine)
            fractions = [f for kind, f in mine[:-1]]
            assert any(0 < f < 1 for f in fractions), (workers, mine)
            assert fractions == sorted(fractions) and fractions[0] > 0, (workers, mine)
    with Progress(disable=True) as progress:
        task = progress.add_task("x", total=2)
        bar = ReplicationProgress(progress, task)
        bar.partial(0, 0.25)
        bar.partial(1, 0.5)
        assert progress.tasks[0].completed == 0.75


def _same(a: ReplicationResult, b: ReplicationResult) -> bool:
    for name, value in vars(a).items():
        other = getattr(b, name)
        if isinstance(value, np.ndarray):
            if value.dtype != other.dtype or value.tobytes() != other.tobytes():
                return False
        elif value != other:
            return False
    return True


def test_stepped_run_is_bit_identical() -> None:
    """Running a replication in progress steps gives the same bytes, event log included, as
    running it at once."""
    scenario = load(GLOBAL_RETAIL)
    model = build(scenario)
    contacts = generate(model, scenario.run.seed, 0)
    fractions: list[float] = []
    once = run(model, contacts, scenario.run.seed, 0, trace=True)
    stepped = run(model, contacts, scenario.run.seed, 0, trace=True, on_progress=fractions.append)
    assert len(fractions) > 10 and fractions[-1] == 1.0
    assert once.trace == stepped.trace and _same(once, stepped)
