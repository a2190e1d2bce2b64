"""Interrupted runs leave nothing behind, whatever the signal (issue 9, point 3).

Real processes, real signals, at moments drawn from a seeded generator (so a failure can be
replayed): SIGTERM is handled like Ctrl-C (exit 143, no output folder, no temporary folder, no
worker process left); SIGKILL leaves a temporary folder that the next run removes, and the
workers die with their parent; ``regress --update`` changes every baseline or none.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulation.runfolder import is_run_folder

ROOT = Path(__file__).resolve().parents[2]
GLOBAL = ROOT / "scenarios" / "global-retail.toml"
SMALL = ROOT / "scenarios" / "small-shop.toml"
MOMENTS = random.Random(20261204)


def start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def processes_with(marker: str) -> list[int]:
    """PIDs of live processes whose command line holds ``marker`` (a run's unique path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if marker.encode() in cmdline and "State:\tZ" not in status:
            found.append(int(entry.name))
    return found


def leftovers(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if ".tmp-" in p.name or ".old-" in p.name or p.name == ".workbench-partial"
    )


def wait_gone(marker: str, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = processes_with(marker)
        if not alive:
            return []
        time.sleep(0.1)
    return processes_with(marker)


def stop_at(process: subprocess.Popen[bytes], delay: float, signum: int) -> tuple[int, str]:
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, err.decode(errors="replace")


def check_clean_stop(code: int, err: str, out: Path, tmp_path: Path) -> None:
    """SIGTERM: exit 143 with one line and nothing written, or (signal after the end) a
    complete run folder; never a traceback, never a leftover."""
    assert "Traceback" not in err, err
    if code in (0, 3):  # finished before the signal (3: a plan that misses its targets)
        assert is_run_folder(out)
    else:
        assert code == 128 + signal.SIGTERM, err
        assert "stopped by SIGTERM" in err
        assert not out.exists()
    assert leftovers(tmp_path) == []
    assert wait_gone(str(out)) == []


@pytest.mark.parametrize("moment", range(3))
def test_sigterm_during_simulate_leaves_nothing(tmp_path: Path, moment: int) -> None:
    """SIGTERM at a random moment of a two-worker simulate: no folder, no temporary folder, no
    worker process left running."""
    out = tmp_path / f"run-{moment}"
    process = start(
        ["simulate", str(GLOBAL), "--replications", "40", "--workers", "2", "--out", str(out)],
        tmp_path,
    )
    code, err = stop_at(process, MOMENTS.uniform(1.5, 6.0), signal.SIGTERM)
    check_clean_stop(code, err, out, tmp_path)


@pytest.mark.parametrize("moment", range(2))
def test_sigterm_during_optimize_leaves_nothing(tmp_path: Path, moment: int) -> None:
    """SIGTERM at a random moment of optimize (solving or verifying): nothing left, and the
    --lp file is not left half-written either."""
    out = tmp_path / f"plan-{moment}"
    lp = tmp_path / "model.lp"
    process = start(
        ["optimize", str(SMALL), "--workers", "2", "--out", str(out), "--lp", str(lp)], tmp_path
    )
    code, err = stop_at(process, MOMENTS.uniform(1.0, 3.0), signal.SIGTERM)
    check_clean_stop(code, err, out, tmp_path)
    if code != 0:
        assert not lp.exists() or lp.read_bytes().startswith(b"\\*")


SOLVE_A_WEEK = """
import atexit, sys, threading

@atexit.register  # registered first, so run last of the exit handlers
def report_solver_threads():
    alive = [t for t in threading.enumerate() if t is not threading.main_thread()]
    print(f"threads alive at exit: {len(alive)}", flush=True)

from benchmarks import milp_scale
from optimizer.shifts import highs, milp, model
from workbench import signals

signals.install()
if sys.argv[1] == "exit":  # go on at once, the solve still running: its thread is abandoned
    highs.InterruptibleHiGHS.CANCEL_WAIT_S = 0.0
built = model.build_model(milp_scale.build_problem())
print("solving", flush=True)
try:
    milp.solve_model(built, "highs", time_limit_s=600, mip_gap=0.0)
except signals.Interrupted as stop:
    if sys.argv[1] == "leave":  # as the CLI does (workbench.start)
        signals.leave(stop.exit_code)
    sys.exit(stop.exit_code)  # as a script of the user's might
print("finished", flush=True)
"""


def _signal_a_solve(exit_by: str, moment: float) -> tuple[int, float, bytes]:
    """Run ``SOLVE_A_WEEK``, SIGTERM it ``moment`` seconds into the solve: exit code, seconds
    from the signal to the exit, stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", SOLVE_A_WEEK, exit_by],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == b"solving\n", process.stderr.read()
        time.sleep(moment)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.stdout.read() == (b"threads alive at exit: 0\n" if exit_by == "exit" else b"")
    return process.returncode, took, process.stderr.read()


def test_sigterm_during_a_milp_solve_stops_it_within_3_s() -> None:
    """A signal during a HiGHS solve is handled within seconds, not after the solve (which ran
    on for up to the time limit, 15-22 s on global-retail, before ``InterruptibleHiGHS``): the
    week of ``benchmarks.milp_scale`` solved to a zero gap takes over 20 s, SIGTERM at a random
    moment 1-10 s into the solve (presolve, root LP or branch and bound, where HiGHS itself
    reacts to its interrupt 0.3-13 s late) must end the process with 143 within 3 s when it
    leaves as the CLI does (``signals.leave``)."""
    code, took, err = _signal_a_solve("leave", MOMENTS.uniform(1.0, 10.0))
    assert code == 128 + signal.SIGTERM, err
    assert took < 3.0, f"the solve went on for {took:.1f} s after SIGTERM"


def test_a_normal_exit_after_an_interrupted_solve_waits_for_the_solver_thread() -> None:
    """A script that catches ``Interrupted`` and exits normally while the abandoned solver
    thread still computes: the interpreter waits for HiGHS to honour its interrupt, so no solver
    thread is alive when it finalizes. Before, the thread could come back to Python during the
    finalization, and its forced exit through HiGHS's C++ frames aborted the process
    ("terminate called without an active exception", exit -6; once in CI on 2026-12-04, and 2
    of 7 signals sent 3 s into this solve on this machine). That abort is a race; the thread
    still alive at the last exit handler is not, and is what this checks."""
    code, took, err = _signal_a_solve("exit", MOMENTS.uniform(1.0, 10.0))
    assert code == 128 + signal.SIGTERM, err
    assert b"terminate called" not in err
    assert took < 30.0, f"the exit waited {took:.1f} s for the interrupted solve"


SIGNAL_IN_A_FINALISER = """
import gc, os, signal, sys, time
from workbench import signals

class Finalised:
    def __del__(self):  # Python drops what a finaliser raises ("Exception ignored in ...")
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs in here, at one of these calls
            time.sleep(0.001)

signals.install()
try:
    Finalised()
    gc.collect()
    for _ in range(500):  # the command going on; the signal must stop it within 5 s
        time.sleep(0.01)
    print("finished", flush=True)
except signals.Interrupted as stop:
    sys.exit(stop.exit_code)
"""


def test_a_signal_where_python_cannot_raise_still_stops_the_command() -> None:
    """A SIGTERM whose handler runs where Python drops exceptions (here a finaliser; in CI on
    2026-12-07, logging's ``os.fork`` callback while ``regress`` forked its pool) used to be
    lost: an "Exception ignored" traceback on stderr and the command went on. It is delivered
    again and stops the process with 143, nothing on stderr."""
    process = subprocess.run(
        [sys.executable, "-c", SIGNAL_IN_A_FINALISER],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 128 + signal.SIGTERM, process.stderr
    assert process.stdout == b""
    assert process.stderr == b""


AN_IMPORT_A_SIGNAL_INTERRUPTS = """
import importlib.abc, sys
from workbench import signals, start

class Interrupting(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "workbench.cli":  # as highspy's C initialisation turns the signal into this
            raise ImportError("initialization failed") from signals.Interrupted(15)
        return None

sys.meta_path.insert(0, Interrupting())
start.main()
"""


def test_a_signal_during_an_extensions_import_stops_the_command() -> None:
    """A SIGTERM that lands while a C extension initialises (highspy's, in CI's run of the
    optimize test below on 2026-12-07) reaches Python as ``ImportError: initialization
    failed`` caused by the ``Interrupted``; the entry point finds the signal behind it and
    stops with 143 and its one line, no traceback."""
    process = subprocess.run(
        [sys.executable, "-c", AN_IMPORT_A_SIGNAL_INTERRUPTS],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == 128 + signal.SIGTERM, process.stderr
    assert process.stderr == b"workbench: stopped by SIGTERM; unfinished outputs removed\n"


@pytest.mark.parametrize("moment", range(2))
def test_sigterm_during_sweep_leaves_nothing(tmp_path: Path, moment: int) -> None:
    """SIGTERM at a random moment of a sweep: no sweep folder, no temporary cache entry."""
    out = tmp_path / f"sweep-{moment}"
    process = start(
        [
            "sweep",
            str(GLOBAL),
            "--vary",
            "roster[0].agents=10,12,14",
            "--replications",
            "6",
            "--workers",
            "2",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        tmp_path,
    )
    code, err = stop_at(process, MOMENTS.uniform(1.5, 6.0), signal.SIGTERM)
    check_clean_stop(code, err, out, tmp_path)


def test_sigkill_leaves_workers_dead_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    """SIGKILL cannot be handled: the workers die with their parent (the kernel kills them),
    and the temporary folder left behind is removed by the next run beside it."""
    out = tmp_path / "killed"
    process = start(
        ["simulate", str(GLOBAL), "--replications", "40", "--workers", "2", "--out", str(out)],
        tmp_path,
    )
    # under load the start-up (imports, validation) can take longer than a fixed sleep: wait
    # for the run's temporary folder, then give the workers a moment to start
    deadline = time.monotonic() + 120.0
    while not leftovers(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)
    assert process.poll() is None
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert wait_gone(str(out)) == []
    assert leftovers(tmp_path), "a temporary folder is expected after SIGKILL"
    again = start(
        ["simulate", str(SMALL), "--replications", "1", "--out", str(tmp_path / "next")], tmp_path
    )
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert leftovers(tmp_path) == []
    assert not out.exists()


def _store(tmp_path: Path) -> Path:
    """A copy of the committed quick baselines with every scenario's meta made stale, so that
    an update rewrites every scenario's files."""
    store = tmp_path / "baselines"
    shutil.copytree(ROOT / "results" / "baselines", store)
    for meta in store.glob("*/quick.json"):
        meta.write_text(meta.read_text().replace('"mode"', '"stale": true, "mode"', 1))
    return store


def _snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*.*"))}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_regress_update_changes_every_baseline_or_none(tmp_path: Path, signum: int) -> None:
    """``regress --update`` stopped at random moments (SIGTERM or SIGKILL): each time, either
    no baseline changed or every one did; the next update finishes and cleans up."""
    store = _store(tmp_path)
    stale = before = _snapshot(store)
    scenarios = sorted((ROOT / "scenarios").glob("*.toml"))
    args = [
        "regress",
        *map(str, scenarios),
        "--quick",
        "--update",
        "--workers",
        "2",
        "--baselines",
        str(store),
    ]
    for _ in range(3):
        process = start(args, tmp_path)
        code, err = stop_at(process, MOMENTS.uniform(1.0, 12.0), signum)
        assert "Traceback" not in err
        after = _snapshot(store) if store.exists() else {}
        changed = {name for name in before if after.get(name) != before[name]}
        metas = {name for name in before if name.endswith("quick.json")}
        if code == 0:
            # An earlier stop may have come after the update was committed: then this run has
            # nothing left to change, so compare with the stale store the test started from.
            assert metas <= {name for name in stale if after.get(name) != stale[name]}
            break
        assert not changed or metas <= changed, f"a partial update: only {sorted(changed)}"
        if signum == signal.SIGKILL:
            assert wait_gone(str(store)) == []
        before = _snapshot(store)
    final = start(args, tmp_path)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    assert leftovers(tmp_path) == []
    assert all(b'"stale"' not in p.read_bytes() for p in store.glob("*/quick.json"))
