"""The on-disk baseline store: one folder per scenario under a root, holding for each mode
``<mode>.csv`` (the ``COLUMNS`` table, values written with ``repr`` so that they read back
bit-for-bit) and ``<mode>.json`` (the ``Baseline.meta``). Only this module reads and writes
baseline files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from workbench.regress.measurement import COLUMNS, Baseline


class BaselineError(ValueError):
    """A baseline file that cannot be read (named, with what is wrong)."""


def baseline_paths(root: Path, scenario: str, mode: str) -> tuple[Path, Path]:
    """``<root>/<scenario>/<mode>.csv`` and ``.json``."""
    folder = Path(root) / scenario
    return folder / f"{mode}.csv", folder / f"{mode}.json"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def write_baseline(baseline: Baseline, root: Path) -> tuple[Path, Path]:
    """Write the baseline CSV (values with ``repr``, exact) and its JSON meta under ``root``."""
    csv_path, json_path = baseline_paths(root, baseline.scenario, baseline.mode)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame = baseline.values.copy()
    frame["value"] = [repr(float(v)) for v in frame["value"]]
    _write_atomic(csv_path, frame.to_csv(index=False, lineterminator="\n"))
    _write_atomic(json_path, json.dumps(baseline.meta, indent=2) + "\n")
    return csv_path, json_path


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
