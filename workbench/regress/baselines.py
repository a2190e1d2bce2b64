"""The on-disk baseline store: one folder per scenario under a root, holding for each mode
``<mode>.csv`` (the ``COLUMNS`` table, values written with ``repr`` so that they read back
bit-for-bit) and ``<mode>.json`` (the ``Baseline.meta``). Only this module reads and writes
baseline files.

``update_store`` changes the store all at once: a complete new copy of it is written beside it
and swapped in (``simulation.output``), so an update interrupted at any moment, even by SIGKILL,
leaves every baseline as it was or every one updated, never a mix. A folder that holds anything
else than baselines is never taken for a store (``is_store``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simulation.output import LEFTOVER, PARTIAL_MARK, claim_output, json_text
from workbench.regress.measurement import COLUMNS, MODES, Baseline

KEEP = ".gitkeep"
"""The one file a store may hold beside its scenario folders (keeps an empty store in git)."""
_FILE = re.compile(rf"^({'|'.join(MODES)})\.(csv|json)$")


class BaselineError(ValueError):
    """A baseline file that cannot be read (named, with what is wrong)."""


def baseline_paths(root: Path, scenario: str, mode: str) -> tuple[Path, Path]:
    """``<root>/<scenario>/<mode>.csv`` and ``.json``."""
    folder = Path(root) / scenario
    return folder / f"{mode}.csv", folder / f"{mode}.json"


def is_store(root: Path) -> bool:
    """A baseline store: a folder holding only scenario folders of ``<mode>.csv``/``.json``
    files, and perhaps a ``.gitkeep`` (the empty folder included)."""
    if root.is_symlink() or not root.is_dir():
        return False
    for folder in root.iterdir():
        if LEFTOVER.match(folder.name) or folder.name in (PARTIAL_MARK, KEEP):
            continue
        if folder.is_symlink() or not folder.is_dir():
            return False
        if any(not _FILE.match(f.name) or not f.is_file() for f in folder.iterdir()):
            return False
    return True


def _write(folder: Path, baseline: Baseline) -> None:
    csv_path, json_path = baseline_paths(folder, baseline.scenario, baseline.mode)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame = baseline.values.copy()
    frame["value"] = [repr(float(v)) for v in frame["value"]]
    csv_path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    json_path.write_text(json_text(baseline.meta), encoding="utf-8")  # strict JSON


def update_store(
    root: Path, baselines: Sequence[Baseline], removed: Sequence[tuple[str, str]] = ()
) -> None:
    """Write ``baselines`` and delete the ``removed`` ``(scenario, mode)`` baselines under
    ``root``, all at once (module docstring). Raises ``simulation.output.OutputError`` when
    ``root`` is not a store or cannot be written."""
    with claim_output(root, root, overwrite=True, what="--baselines", recognise=is_store) as output:
        if root.is_dir():
            for folder in root.iterdir():
                if folder.name == KEEP:
                    shutil.copyfile(folder, output.tmp / KEEP)
                elif folder.is_dir() and not LEFTOVER.match(folder.name):
                    shutil.copytree(folder, output.tmp / folder.name)
        for baseline in baselines:
            _write(output.tmp, baseline)
        for scenario, mode in removed:
            remove_baseline(output.tmp, scenario, mode)
        output.commit()


def write_baseline(baseline: Baseline, root: Path) -> tuple[Path, Path]:
    """Write one baseline (``update_store`` with one baseline); its two paths."""
    update_store(root, [baseline])
    return baseline_paths(root, baseline.scenario, baseline.mode)


def remove_baseline(root: Path, scenario: str, mode: str) -> None:
    """Delete one mode's baseline files, and the scenario's folder once empty."""
    for path in baseline_paths(root, scenario, mode):
        path.unlink(missing_ok=True)
    folder = Path(root) / scenario
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def stored_scenarios(root: Path, mode: str) -> list[str]:
    """Names of the scenarios with a ``mode`` baseline under ``root``."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{mode}.csv"))


def read_baseline(root: Path, scenario: str, mode: str) -> Baseline | None:
    """The stored baseline, or None if there is none; ``BaselineError`` if it is unreadable."""
    csv_path, json_path = baseline_paths(root, scenario, mode)
    if not csv_path.is_file():
        return None
    try:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise BaselineError(f"{csv_path.parent}: cannot read the {mode} baseline: {exc}") from exc
    if list(frame.columns) != list(COLUMNS):
        raise BaselineError(
            f"{csv_path}: columns must be {', '.join(COLUMNS)} (got {', '.join(frame.columns)})"
        )
    try:
        frame["replication"] = frame["replication"].astype(int)
        frame["value"] = [float(v) for v in frame["value"]]
        seed = int(meta["seed"])
        count = int(meta["replications"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"{csv_path.parent}: malformed {mode} baseline: {exc}") from exc
    ids = tuple(sorted(set(frame["replication"])))
    return Baseline(scenario, mode, seed, ids or tuple(range(count)), frame, meta)
