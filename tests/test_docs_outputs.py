"""docs/outputs.md documents every file, column and top-level key that ``simulate`` and
``optimize`` actually write: a small run of each is checked against it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "docs" / "outputs.md"
runner = CliRunner()


def documented() -> dict[str, set[str]]:
    """Section ``### `file` `` -> the names in the first cell of its table rows (a cell may
    name several, ``a``, ``b``); ``"files"`` -> every file named in a table's first cell."""
    found: dict[str, set[str]] = {"files": set()}
    current: str | None = None
    for line in OUTPUTS.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"### `([^`]+)`", line)
        if heading:
            current = heading.group(1)
            found[current] = set()
        elif line.startswith("## "):
            current = None
        elif line.startswith("| `"):
            names = set(re.findall(r"`([^`]+)`", line.split("|")[1]))
            found["files"].update(n for n in names if re.search(r"\.(csv|json|toml)$", n))
            if current is not None:
                found[current].update(names)
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """small-shop simulated (2 replications) and optimized as a plan of people (one round)."""
    tmp = tmp_path_factory.mktemp("outputs")
    scenario = str(ROOT / "scenarios" / "small-shop.toml")
    sim, opt = tmp / "simulate", tmp / "optimize"
    result = runner.invoke(app, ["simulate", scenario, "--replications", "2", "--out", str(sim)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["optimize", scenario, "--max-iterations", "1", "--out", str(opt)])
    assert result.exit_code in (0, 3), result.output  # 3: targets missed, files written
    assert (opt / "schedule.csv").exists() and (opt / "people.csv").exists()
    return [sim, opt]


def test_every_file_written_is_documented(runs: list[Path]) -> None:
    files = documented()["files"]
    for folder in runs:
        missing = sorted(p.name for p in folder.iterdir() if p.name not in files)
        assert not missing, f"{folder.name} writes files docs/outputs.md does not list: {missing}"


def test_every_column_written_is_documented(runs: list[Path]) -> None:
    sections = documented()
    for folder in runs:
        for path in sorted(folder.glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert path.name in sections, f"docs/outputs.md has no section ### `{path.name}`"
            missing = [c for c in header if c not in sections[path.name]]
            assert not missing, f"{path.name}: columns not in docs/outputs.md: {missing}"


def test_every_json_key_written_is_documented(runs: list[Path]) -> None:
    sections = documented()
    for folder in runs:
        for path in sorted(folder.glob("*.json")):
            keys = json.loads(path.read_text(encoding="utf-8")).keys()
            missing = [k for k in keys if k not in sections.get(path.name, set())]
            assert not missing, f"{folder.name}/{path.name}: keys not in docs/outputs.md: {missing}"


def test_the_documentation_refers_to_no_spec_outside_the_repository() -> None:
    """README and docs/ point to the repository's own documents, never to a "SPEC" that is not
    in it; every docs/ link of the README names a file that exists."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = re.findall(r"\bSPEC\b|\bthe spec\b|\bspec section\b", text, flags=re.IGNORECASE)
        assert not found, f"{page.name} refers to {found}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert {"docs/outputs.md", "docs/roster.md", "docs/demand.md"} <= links
    for link in links:
        assert (ROOT / link).exists(), link
    assert (ROOT / "docs" / "hourly_profiles.png").exists()
