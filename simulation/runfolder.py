"""Run folders: what ``simulate``, ``optimize``, ``compare`` and ``sweep`` write (docs/outputs.md),
and how an earlier run folder is recognised as this tool's own (``is_run_folder``).

A run folder holds the scenario as it ran (``scenario.toml``, from the bytes the loader read)
with every CSV it references, the tables of ``simulation.results`` and ``manifest.json`` with
``"written_by": "staffing-workbench"`` and the list of its ``files``. ``simulation.output``
claims and writes it atomically.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulation.output import LEFTOVER, PARTIAL_MARK, WRITTEN_BY, claim_output, entries, json_text
from simulation.results import Results

REPORT_OUTPUTS = ("report.html", "charts")
"""What ``workbench report`` adds to a run folder after the fact (still the tool's own)."""


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's ``manifest.json`` when this tool wrote it, else None."""
    path = folder / "manifest.json"
    try:
        if not path.is_file() or path.stat().st_size > 50 << 20:
            return None
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deeply
        return None
    if isinstance(manifest, dict) and manifest.get("written_by") == WRITTEN_BY:
        return manifest
    return None


def _listed(files: Sequence[str]) -> set[str]:
    """``files`` with every folder that holds one of them."""
    listed = set(files)
    for name in files:
        listed.update(p.as_posix() for p in Path(name).parents if p.as_posix() != ".")
    return listed


def foreign_entries(folder: Path) -> list[str]:
    """What in a run folder this tool did not write: entries beyond its manifest's ``files``,
    the manifest itself and what ``workbench report`` adds (``report.html``, ``charts/*.png``).
    Everything, when the folder has no manifest of this tool."""
    manifest = read_manifest(folder)
    found = entries(folder)
    if manifest is None or not isinstance(manifest.get("files"), list):
        return found
    listed = _listed([str(f) for f in manifest["files"]])
    listed.update(("manifest.json", PARTIAL_MARK, *REPORT_OUTPUTS))
    foreign = []
    for entry in found:
        if entry in listed:
            continue
        if _report_output(entry):
            continue
        foreign.append(entry)
    return foreign


def _report_output(entry: str) -> bool:
    """``charts/<name>.png`` or a temporary file of a report being written."""
    path = Path(entry)
    leftover = LEFTOVER.match(path.name)
    name = leftover["name"] if leftover and leftover["kind"] == "tmp" else path.name
    if path.parent == Path("charts"):
        return name.endswith(".png")
    return path.parent == Path(".") and leftover is not None and name == "report.html"


def is_run_folder(folder: Path) -> bool:
    """A run folder this tool wrote, holding nothing else."""
    return folder.is_dir() and not folder.is_symlink() and not foreign_entries(folder)


# --------------------------------------------------------------------------------------------
# run folders


def copy_inputs(
    folder: Path,
    scenario_bytes: bytes,
    inputs: Mapping[str, bytes],
    reserved: frozenset[str] = frozenset(),
) -> None:
    """Write the scenario as ``scenario.toml`` into ``folder`` with the CSV files it references,
    each from the bytes the loader read (``inputs``: path as written in the scenario -> bytes).
    A path that would land outside ``folder`` (``../x.csv``, ``/data/x.csv``), or on one of the
    ``reserved`` names the run writes itself (an input ``schedule.csv`` of a scenario optimized
    again), is copied to ``inputs/<its file name>`` and the scenario's reference rewritten to
    match, so the folder re-runs on its own."""
    text = scenario_bytes
    used: set[str] = set()
    for reference, content in inputs.items():
        target = (folder / reference).resolve()
        inside = Path(os.path.relpath(target, folder.resolve())).as_posix()
        if folder.resolve() not in target.parents or inside in reserved:
            relative = f"inputs/{Path(reference).name}"
            for n in itertools.count(2):
                if relative not in used:
                    break
                relative = f"inputs/{n}-{Path(reference).name}"
            text = _rewrite_reference(text, reference, relative)
            target = folder / relative
        used.add(Path(os.path.relpath(target, folder)).as_posix())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (folder / "scenario.toml").write_bytes(text)


def _rewrite_reference(text: bytes, reference: str, relative: str) -> bytes:
    """The scenario bytes with the TOML string ``reference`` (basic or literal quotes) replaced
    by ``relative``."""
    for quote in ('"', "'"):
        needle = f"{quote}{reference}{quote}".encode()
        if needle in text:
            return text.replace(needle, f'"{relative}"'.encode())
    escaped = json.dumps(reference).encode()  # a basic string with escapes
    return text.replace(escaped, f'"{relative}"'.encode())


def fill_run(
    folder: Path,
    results: Results,
    scenario_bytes: bytes,
    inputs: Mapping[str, bytes],
    extra_files: Mapping[str, bytes] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> None:
    """Write the files of a run into the existing ``folder``: the scenario and its inputs
    (``copy_inputs``), ``intervals.csv``, ``daily.csv``, ``segments.csv``, ``replications.csv``,
    ``sites.csv``, ``summary.json``, ``extra_files`` (the optimizer's roster, plan and optimized
    scenario) and, when given, ``manifest`` as ``manifest.json`` (a comparison's options; the
    top folder's manifest is written by :meth:`Output.commit`)."""
    copy_inputs(folder, scenario_bytes, inputs, frozenset(extra_files or {}))
    results.intervals.to_csv(folder / "intervals.csv", index=False)
    results.daily.to_csv(folder / "daily.csv", index=False)
    results.segments.to_csv(folder / "segments.csv", index=False)
    results.replications.to_csv(folder / "replications.csv", index=False)
    results.sites.to_csv(folder / "sites.csv", index=False)
    (folder / "summary.json").write_text(json_text(results.summary))
    for name, content in (extra_files or {}).items():
        (folder / name).write_bytes(content)
    if manifest is not None:
        (folder / "manifest.json").write_text(json_text({**manifest, "written_by": WRITTEN_BY}))


def write_run(
    results: Results,
    out: Path,
    manifest: Mapping[str, Any],
    scenario_bytes: bytes,
    inputs: Mapping[str, bytes],
    extra_files: Mapping[str, bytes] | None = None,
    overwrite: bool = False,
) -> Path:
    """Claim ``out`` and write a run folder there atomically; returns ``out``. For library use
    and tests; the commands claim their folder before computing (``claim_output``)."""
    with claim_output(out, out, overwrite, recognise=is_run_folder) as output:
        fill_run(output.tmp, results, scenario_bytes, inputs, extra_files)
        return output.commit(manifest)
