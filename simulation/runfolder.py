"""Run folders on disk: written atomically (a temporary sibling renamed when complete), with
the scenario and the CSV files it references copied beside the tables (SPEC section 4).

The only module that writes run folders; every command that writes one (simulate, optimize,
compare, sweep) goes through ``atomic_folder``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulation.results import Results


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` to fill, renamed to ``out`` when the block completes.

    An interrupted or failing block leaves neither ``out`` nor the temporary folder; an
    existing ``out`` is replaced only once the new one is complete. Every command that writes a
    run folder (simulate, optimize, compare, sweep) goes through here.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir()
        yield tmp
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def copy_inputs(folder: Path, scenario_file: Path, relative_inputs: Sequence[str] = ()) -> None:
    """Copy the scenario file as ``scenario.toml`` into ``folder``, with the CSV files it
    references (paths relative to it; any that would land outside ``folder`` are skipped)."""
    (folder / "scenario.toml").write_bytes(scenario_file.read_bytes())
    for relative in relative_inputs:
        source = (scenario_file.parent / relative).resolve()
        target = (folder / relative).resolve()
        if folder.resolve() in target.parents and source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def fill_run(
    folder: Path,
    results: Results,
    manifest: dict[str, Any],
    scenario_file: Path,
    extra_inputs: Sequence[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
) -> None:
    """Write the files of a run into the existing ``folder`` (SPEC section 4).

    ``extra_inputs`` are paths (relative to the scenario file) copied beside ``scenario.toml``
    so the folder can be re-run as it is; ``extra_files`` maps further file names to their
    contents (the optimizer's roster, plan and optimized scenario).
    """
    copy_inputs(folder, scenario_file, extra_inputs)
    results.intervals.to_csv(folder / "intervals.csv", index=False)
    results.daily.to_csv(folder / "daily.csv", index=False)
    results.replications.to_csv(folder / "replications.csv", index=False)
    results.sites.to_csv(folder / "sites.csv", index=False)
    (folder / "summary.json").write_text(json.dumps(results.summary, indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for name, content in (extra_files or {}).items():
        (folder / name).write_bytes(content)


def write_run(
    results: Results,
    out: Path,
    manifest: dict[str, Any],
    scenario_file: Path,
    extra_inputs: Sequence[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a run folder atomically (``atomic_folder`` + ``fill_run``); returns ``out``."""
    with atomic_folder(Path(out)) as folder:
        fill_run(folder, results, manifest, scenario_file, extra_inputs, extra_files)
    return Path(out)
