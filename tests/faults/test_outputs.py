"""Output folders and files: never delete or overwrite what the tool did not write, one folder
per run, problems found before the computing, nothing partial left (issue 9, points 1, 2, 4, 9).

Each test is named after what it protects; the README's "Guarantees" section points here.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulation.output import PARTIAL_MARK, OutputError, claim_output, clean_leftovers
from simulation.runfolder import WRITTEN_BY, is_run_folder
from tests.faults.inprocess import invoke

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "small-shop.toml"


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (symlinks not followed)."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def leftovers(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if ".tmp-" in p.name or ".old-" in p.name or p.name == PARTIAL_MARK
    )


def simulate_args(out: Path | str, *extra: str) -> list[str]:
    return ["simulate", str(SMALL), "--replications", "1", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder written by ``simulate`` (copied by the tests that change it)."""
    out = tmp_path_factory.mktemp("run") / "earlier"
    code, output = invoke(simulate_args(out))
    assert code == 0, output
    return out


# -------------------------------------------------------------------------------------------
# point 1: nothing the tool did not write is ever deleted or overwritten


def test_out_folder_with_a_user_file_is_refused_and_kept(tmp_path: Path) -> None:
    """``--out proj`` where proj holds a user's file: exit 2, one line, proj untouched."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "notes.txt").write_text("my notes")
    before = tree(proj)
    code, output = invoke(simulate_args(proj))
    assert code == 2
    assert "did not write" in one_line(output)
    assert tree(proj) == before


def test_out_git_checkout_is_refused_and_kept(tmp_path: Path) -> None:
    """A git checkout (with .git/ and the scenario itself) given as --out is left as it was."""
    proj = tmp_path / "checkout"
    proj.mkdir()
    shutil.copy(SMALL, proj / "s.toml")
    subprocess.run(["git", "init", "-q", str(proj)], check=True)
    before = tree(proj)
    code, output = invoke(["simulate", "s.toml", "--replications", "1", "--out", "."], cwd=proj)
    assert code == 2, output
    one_line(output)
    assert tree(proj) == before


def test_out_results_folder_with_baselines_is_refused(tmp_path: Path) -> None:
    """``--out results`` (baselines, cache and earlier runs inside) is never replaced, even
    with --overwrite: it is not one run folder."""
    results = tmp_path / "results"
    shutil.copytree(ROOT / "results" / "baselines", results / "baselines")
    code, output = invoke(simulate_args(results))
    assert code == 2
    before = tree(results)
    code, output = invoke(simulate_args(results, "--overwrite"))
    assert code == 2
    one_line(output)
    assert tree(results) == before


def test_out_current_folder_is_refused(tmp_path: Path) -> None:
    """``--out .`` in a folder holding the user's files: refused, files kept."""
    shutil.copy(SMALL, tmp_path / "s.toml")
    before = tree(tmp_path)
    code, output = invoke(
        ["simulate", "s.toml", "--replications", "1", "--out", ".", "--overwrite"], cwd=tmp_path
    )
    assert code == 2
    one_line(output)
    assert tree(tmp_path) == before


def test_out_symlink_is_refused(tmp_path: Path, run_folder: Path) -> None:
    """A symbolic link as --out (even to an empty folder or to a run folder) is refused: the
    tool would otherwise write or replace through it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    earlier = tmp_path / "earlier"
    shutil.copytree(run_folder, earlier)
    for target in (empty, earlier):
        link = tmp_path / f"link-{target.name}"
        link.symlink_to(target)
        code, output = invoke(simulate_args(link, "--overwrite"))
        assert code == 2
        assert "symbolic link" in one_line(output)
        assert link.is_symlink()
    assert list(empty.iterdir()) == []
    assert tree(earlier) == tree(run_folder)


def test_out_file_is_refused(tmp_path: Path) -> None:
    """A file given as --out is neither replaced nor written into."""
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    code, output = invoke(simulate_args(target, "--overwrite"))
    assert code == 2
    assert "is a file" in one_line(output)
    assert target.read_text() == "keep me"


def test_out_read_only_folder_is_refused(tmp_path: Path, run_folder: Path) -> None:
    """A folder made read-only (an empty one, or an earlier run with --overwrite) is kept,
    also when the tool runs as root (which may write anyway)."""
    empty = tmp_path / "locked-empty"
    empty.mkdir()
    earlier = tmp_path / "locked-run"
    shutil.copytree(run_folder, earlier)
    before = tree(earlier)
    try:
        for folder in (empty, earlier):
            folder.chmod(0o555)
            code, output = invoke(simulate_args(folder, "--overwrite"))
            assert code == 2
            assert "read-only" in one_line(output)
    finally:
        empty.chmod(0o755)
        earlier.chmod(0o755)
    assert list(empty.iterdir()) == []
    assert tree(earlier) == before


def test_earlier_run_folder_is_replaced_only_with_overwrite(
    tmp_path: Path, run_folder: Path
) -> None:
    """An earlier run folder: refused without --overwrite, replaced with it (and the new
    manifest carries the marker and the list of files)."""
    earlier = tmp_path / "earlier"
    shutil.copytree(run_folder, earlier)
    code, output = invoke(simulate_args(earlier))
    assert code == 2
    assert "--overwrite" in one_line(output)
    code, output = invoke(simulate_args(earlier, "--overwrite", "--seed", "5"))
    assert code == 0, output
    manifest = json.loads((earlier / "manifest.json").read_text())
    assert manifest["written_by"] == WRITTEN_BY and manifest["seed"] == 5
    assert "summary.json" in manifest["files"]
    assert leftovers(tmp_path) == []


def test_run_folder_with_an_added_user_file_is_not_replaced(
    tmp_path: Path, run_folder: Path
) -> None:
    """A run folder into which the user put a file of their own is no longer the tool's own:
    --overwrite refuses it and the file survives."""
    earlier = tmp_path / "earlier"
    shutil.copytree(run_folder, earlier)
    (earlier / "analysis.xlsx").write_bytes(b"user data")
    code, output = invoke(simulate_args(earlier, "--overwrite"))
    assert code == 2
    one_line(output)
    assert (earlier / "analysis.xlsx").read_bytes() == b"user data"


@pytest.mark.parametrize(
    "command",
    [
        ["compare", str(SMALL), str(SMALL), "--replications", "1"],
        ["sweep", str(SMALL), "--vary", "roster[0].agents=3,4", "--replications", "1"],
        ["optimize", str(SMALL), "--max-iterations", "1"],
    ],
    ids=["compare", "sweep", "optimize"],
)
def test_every_command_refuses_a_user_folder_before_computing(
    tmp_path: Path, command: list[str]
) -> None:
    """compare, sweep and optimize apply the same rule as simulate, before computing."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "keep.txt").write_text("x")
    clock = time.perf_counter()
    code, output = invoke([*command, "--out", str(proj), "--overwrite"])
    assert code == 2
    assert "did not write" in one_line(output)
    assert time.perf_counter() - clock < 10
    assert tree(proj) == {"keep.txt": b"x"}


def test_report_refuses_a_folder_the_tool_did_not_write(tmp_path: Path, run_folder: Path) -> None:
    """``report`` writes only into a run folder this tool wrote, and replaces an earlier report
    only with --overwrite."""
    fake = tmp_path / "fake"
    shutil.copytree(run_folder, fake)
    manifest = json.loads((fake / "manifest.json").read_text())
    del manifest["written_by"]
    (fake / "manifest.json").write_text(json.dumps(manifest))
    code, output = invoke(["report", str(fake), "--no-png"])
    assert code == 2
    assert "not a run folder written by workbench" in one_line(output)
    assert not (fake / "report.html").exists()
    mine = tmp_path / "mine"
    shutil.copytree(run_folder, mine)
    (mine / "report.html").write_text("an earlier report")
    code, output = invoke(["report", str(mine), "--no-png"])
    assert code == 2
    assert "--overwrite" in one_line(output)
    code, output = invoke(["report", str(mine), "--no-png", "--overwrite"])
    assert code == 0, output
    assert (mine / "report.html").read_text().startswith("<!")
    assert is_run_folder(mine)


def test_regress_refuses_a_markdown_file_it_did_not_write(tmp_path: Path) -> None:
    """``--markdown`` naming a user's file: exit 2 before measuring, the file kept."""
    notes = tmp_path / "notes.md"
    notes.write_text("# my notes\n")
    code, output = invoke(
        [
            "regress",
            str(SMALL),
            "--quick",
            "--markdown",
            str(notes),
            "--baselines",
            str(ROOT / "results" / "baselines"),
            "--junit",
            str(tmp_path / "j.xml"),
        ]
    )
    assert code == 2
    assert "not written by this tool" in one_line(output)
    assert notes.read_text() == "# my notes\n"


# -------------------------------------------------------------------------------------------
# point 2: every run its own folder


def test_default_folders_are_unique_when_claimed_at_once(tmp_path: Path) -> None:
    """Eight claims of the same default name (same second) get eight folders."""
    default = tmp_path / "results" / "s" / "20261204T000000Z-simulate"
    outputs = [claim_output(None, default, recognise=is_run_folder) for _ in range(8)]
    names = {o.final.name for o in outputs}
    assert len(names) == 8
    for output in outputs:
        with output:
            (output.tmp / "x.csv").write_text("1\n")
            output.commit({"k": 1})
    assert sorted(p.name for p in default.parent.iterdir()) == sorted(names)
    assert leftovers(tmp_path) == []


def test_eight_simultaneous_runs_get_eight_folders(tmp_path: Path) -> None:
    """Eight ``workbench simulate`` processes started together, default folders: eight
    complete, distinct run folders, each printed by its own run."""
    shutil.copy(SMALL, tmp_path / "s.toml")
    command = [sys.executable, "-m", "workbench", "simulate", "s.toml", "--replications", "1"]
    procs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [e.decode() for _, e in outs]
    printed = {o.decode().rsplit("results in ", 1)[1].strip() for o, _ in outs}
    folders = list((tmp_path / "results" / "small-shop").iterdir())
    assert len(printed) == 8 and len(folders) == 8
    assert all(is_run_folder(f) for f in folders)
    assert leftovers(tmp_path) == []


# -------------------------------------------------------------------------------------------
# point 4: output problems found before the computing; nothing partial


def long_run(out: Path | str, *extra: str) -> list[str]:
    """A run that would take many minutes: a refusal that comes fast came before computing."""
    return [
        "simulate",
        str(ROOT / "scenarios" / "global-retail.toml"),
        "--replications",
        "5000",
        "--out",
        str(out),
        *extra,
    ]


def test_unwritable_destination_is_refused_before_computing(tmp_path: Path) -> None:
    """A destination under a read-only folder, under /proc, or under a file: exit 2 naming
    the path, in seconds (the 5,000 replications never start)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    try:
        for out in (locked / "run", Path("/proc/workbench-test/run"), a_file / "run"):
            clock = time.perf_counter()
            code, output = invoke(long_run(out))
            assert code == 2, output
            line = one_line(output)
            assert str(out) in line
            assert time.perf_counter() - clock < 20
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


def test_full_disk_is_refused_before_computing(tmp_path: Path) -> None:
    """A destination with no free space (a 64 kB tmpfs, filled): exit 2 before computing."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        with open(mount / "filler", "wb") as handle, pytest.raises(OSError):
            handle.write(b"\0" * (1 << 20))
            handle.flush()
        clock = time.perf_counter()
        code, output = invoke(long_run(mount / "run"))
        assert code == 2
        assert "not enough free disk space" in one_line(output)
        assert time.perf_counter() - clock < 20
        assert sorted(p.name for p in mount.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_disk_full_while_writing_leaves_nothing_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while the tables are written: exit 2 with the reason, no folder, no temporary."""
    original = pd.DataFrame.to_csv
    calls = {"n": 0}

    def full(self: pd.DataFrame, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code, output = invoke(simulate_args(tmp_path / "run"))
    assert code == 2
    assert "No space left on device" in one_line(output)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "kind"),
    [("--markdown", "folder"), ("--junit", "under-file"), ("--baselines", "file")],
)
def test_bad_regress_paths_are_refused_before_measuring(
    tmp_path: Path, option: str, kind: str
) -> None:
    """A folder as --markdown, a path under a file as --junit, a file as --baselines: exit 2
    naming the path, before any replication."""
    a_file = tmp_path / "file"
    a_file.write_text("x")
    path = {"folder": tmp_path, "under-file": a_file / "j.xml", "file": a_file}[kind]
    args = {
        "--markdown": str(tmp_path / "s.md"),
        "--junit": str(tmp_path / "j.xml"),
        "--baselines": str(ROOT / "results" / "baselines"),
    }
    args[option] = str(path)
    command = ["regress", str(ROOT / "scenarios" / "global-retail.toml")]
    for key, value in args.items():
        command += [key, value]
    clock = time.perf_counter()
    code, output = invoke(command)
    assert code == 2, output
    assert str(path) in one_line(output)
    assert time.perf_counter() - clock < 20


def test_bad_lp_path_is_refused_before_solving(tmp_path: Path) -> None:
    """``optimize --lp`` naming a folder or a user's file: exit 2 before the optimizer runs."""
    notes = tmp_path / "model.lp"
    notes.write_text("my own model")
    for lp in (tmp_path, notes):
        code, output = invoke(
            ["optimize", str(SMALL), "--lp", str(lp), "--out", str(tmp_path / "run")]
        )
        assert code == 2
        assert str(lp) in one_line(output)
    assert notes.read_text() == "my own model"
    assert not (tmp_path / "run").exists()


# -------------------------------------------------------------------------------------------
# point 3 (without signals): leftovers of dead processes are removed by the next run


def test_leftovers_of_dead_processes_are_removed_by_the_next_run(tmp_path: Path) -> None:
    """A temporary folder and a placeholder of a killed run, and a replaced folder whose swap
    was cut short, are cleaned (the latter put back); a look-alike without the tool's mark is
    kept."""
    dead = 2**22 + 12345  # above the default pid_max range: no such process
    claimed = tmp_path / "20261204T000000Z-simulate"
    claimed.mkdir()
    tmp = tmp_path / f".{claimed.name}.tmp-{dead}-1"
    tmp.mkdir()
    (tmp / PARTIAL_MARK).write_text(f"pid {dead} claimed\n")
    (tmp / "intervals.csv").write_text("half")
    earlier = tmp_path / "earlier"
    code, output = invoke(simulate_args(earlier))
    assert code == 0, output
    swapped = tmp_path / f".earlier.old-{dead}-1"
    earlier.rename(swapped)
    user = tmp_path / f".mine.tmp-{dead}"
    user.mkdir()
    (user / "data").write_text("user")
    clean_leftovers(tmp_path, is_run_folder)
    assert not tmp.exists() and not claimed.exists()
    assert is_run_folder(earlier) and not swapped.exists()
    assert (user / "data").read_text() == "user"


def test_claim_refuses_before_creating_anything(tmp_path: Path) -> None:
    """A refused claim leaves the destination's parent as it was."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "a").write_text("a")
    with pytest.raises(OutputError):
        claim_output(proj, proj, overwrite=True, recognise=is_run_folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


# -------------------------------------------------------------------------------------------
# point 9: a run folder records exactly what ran


def test_run_folder_reruns_with_csvs_outside_its_folder(tmp_path: Path) -> None:
    """A scenario whose CSVs are given as ``../`` and absolute paths: the run folder holds
    copies of both, its scenario.toml points at them, and ``simulate RUN/scenario.toml``
    runs from the folder alone with the same results."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "scenarios" / "follow-the-sun-email.csv", data / "email.csv")
    shutil.copy(ROOT / "scenarios" / "follow-the-sun-roster.csv", data / "roster.csv")
    text = (ROOT / "scenarios" / "follow-the-sun.toml").read_text()
    text = text.replace('"follow-the-sun-email.csv"', '"../data/email.csv"')
    text = text.replace('"follow-the-sun-roster.csv"', f'"{data / "roster.csv"}"')
    (tmp_path / "plans").mkdir()
    scenario = tmp_path / "plans" / "fts.toml"
    scenario.write_text(text)
    run = tmp_path / "run"
    code, output = invoke(["simulate", str(scenario), "--replications", "1", "--out", str(run)])
    assert code == 0, output
    assert (run / "inputs" / "email.csv").read_bytes() == (data / "email.csv").read_bytes()
    assert (run / "inputs" / "roster.csv").read_bytes() == (data / "roster.csv").read_bytes()
    shutil.rmtree(data)
    again = tmp_path / "again"
    code, output = invoke(
        ["simulate", str(run / "scenario.toml"), "--replications", "1", "--out", str(again)]
    )
    assert code == 0, output
    assert (again / "summary.json").read_bytes() == (run / "summary.json").read_bytes()


def test_run_folder_holds_the_bytes_that_ran_not_a_later_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario is read once: editing the file while the run is simulating changes
    neither the copy in the run folder nor its recorded SHA-256."""
    scenario = tmp_path / "s.toml"
    shutil.copy(SMALL, scenario)
    original = scenario.read_bytes()
    import simulation

    real = simulation.simulate

    def edit_then_simulate(*args: object, **kwargs: object) -> object:
        scenario.write_text("# edited during the run\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("workbench.cli.run_simulation", edit_then_simulate)
    code, output = invoke(simulate_args(tmp_path / "run"))
    assert code == 0, output
    run = tmp_path / "run"
    assert (run / "scenario.toml").read_bytes() == original
    manifest = json.loads((run / "manifest.json").read_text())
    import hashlib

    assert manifest["input_sha256"] == hashlib.sha256(original).hexdigest()
