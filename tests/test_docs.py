"""The format reference: generated from the schema, complete, and the same as in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from scenarios import schema
from scenarios.docs import format_reference, main

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- format:begin -->", "<!-- format:end -->"

# Every table of the format and the model documented under it.
TABLES: dict[str, type[BaseModel]] = {
    "Top level": schema.Scenario,
    "`[scenario]`": schema.ScenarioInfo,
    "`[run]`": schema.RunConfig,
    "`[[regions]]`": schema.Region,
    "`[[channels]]`": schema.Channel,
    "`[channels.volume]`": schema.Volume,
    "`[channels.handle_time]`": schema.HandleTime,
    "`[channels.patience]`": schema.Patience,
    "`[channels.target]`": schema.Target,
    "`[channels.callback]`": schema.Callback,
    "`[channels.bot]`": schema.Bot,
    "`[channels.redial]`": schema.Redial,
    "`[channels.resolution]`": schema.Resolution,
    "`[[sites]]`": schema.Site,
    "`[sites.night]`": schema.Night,
    "`[[shifts]]`": schema.Shift,
    "`[shifts.starts]`": schema.Starts,
    "`[[shifts.breaks]]`": schema.Break,
    "`[[roster]]`": schema.RosterRow,
    "`[routing]`": schema.Routing,
    "`[optimizer]`": schema.OptimizerConfig,
    "`[optimizer.verify]`": schema.Verify,
    "`[[contracts]]`": schema.Contract,
    "`[contracts.hours_per_week]`": schema.HoursPerWeek,
    "`[contracts.weekends_off]`": schema.WeekendsOff,
    "`[contracts.people]`": schema.People,
}


def sections() -> dict[str, list[str]]:
    """The reference split by ``### `` heading: heading -> its table rows."""
    found: dict[str, list[str]] = {}
    current = None
    for line in format_reference().splitlines():
        if line.startswith("### "):
            current = line.removeprefix("### ")
            assert current not in found, f"section {current} appears twice"
            found[current] = []
        elif line.startswith("| `") and current is not None:
            found[current].append(line)
    return found


def cells(row: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` is a pipe inside a cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def row_of(section: str, key: str) -> list[str]:
    rows = [cells(r) for r in sections()[section] if cells(r)[0] == f"`{key}`"]
    assert len(rows) == 1, f"{key} in {section}: {rows}"
    return rows[0]


def test_readme_format_section_is_the_generated_reference() -> None:
    if not README.exists():
        pytest.fail(f"{README} does not exist; it needs a format section between {BEGIN} and {END}")
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
        pytest.fail(
            f"README.md has no {BEGIN} ... {END} markers; add them where the scenario format "
            "reference belongs and paste the output of `python -m scenarios.docs` between them"
        )
    section = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    assert section.strip() == format_reference().strip(), (
        "the README's scenario format reference is out of date: replace the text between "
        f"{BEGIN} and {END} with the output of `python -m scenarios.docs`"
    )


def test_one_section_per_table_in_order() -> None:
    assert list(sections()) == list(TABLES)


@pytest.mark.parametrize("heading", list(TABLES))
def test_every_field_is_documented_in_its_section(heading: str) -> None:
    model = TABLES[heading]
    keys = [cells(row)[0] for row in sections()[heading]]
    expected = [f"`{f.alias or name}`" for name, f in model.model_fields.items() if not f.exclude]
    assert keys == expected
    for row in sections()[heading]:
        _, kind, default, meaning = cells(row)  # exactly four cells: pipes are escaped
        assert kind and default and meaning, row


def test_every_model_field_appears_except_loader_only_ones() -> None:
    # within the model's own section: one key may name different things in two tables
    # (the same key may be documented in one table and loader-only in another)
    found = sections()
    for heading, model in TABLES.items():
        keys = {cells(row)[0] for row in found[heading]}
        text = "\n".join(found[heading]).replace("\\|", "|")
        for name, field in model.model_fields.items():
            key = f"`{field.alias or name}`"
            if field.exclude:
                assert key not in keys, f"{model.__name__}.{name} is loader-only"
            else:
                assert key in keys, f"{model.__name__}.{name} is not documented"
                assert field.description, f"{model.__name__}.{name} has no description"
                assert field.description.split(".")[0] in text


def test_loader_only_fields_are_left_out() -> None:
    keys = [cells(row)[0] for row in sections()["Top level"]]
    assert "`forecasts`" not in keys
    assert "`roster_file`" not in keys
    assert "`roster`" in keys


def test_aliases_are_the_toml_keys() -> None:
    assert row_of("`[sites.night]`", "from")[0] == "`from`"
    assert row_of("`[shifts.starts]`", "from")[0] == "`from`"
    assert "from_" not in format_reference()


@pytest.mark.parametrize(
    ("section", "key", "kind", "default"),
    [
        ("`[run]`", "warmup", "duration 0s..168h", '`"24h"`'),
        ("`[optimizer]`", "time_limit", "duration > 0s", '`"2m"`'),
        ("`[channels.target]`", "short_abandon", "duration 0s..1h", '`"5s"`'),
        ("`[channels.bot]`", "recontact_after", "duration 0s..744h", '`"0s"`'),
        ("`[channels.handle_time]`", "mean", "duration > 0s", "required"),
        ("`[[shifts]]`", "paid", "duration 0s..168h", "none"),
        ("`[sites.night]`", "from", 'time of day "HH:MM"', "required"),
        ("`[[channels]]`", "hourly_profile", "24 numbers", '`"flat"`'),
        ("`[scenario]`", "interval", '"15m" \\| "30m" \\| "60m"', '`"30m"`'),
        ("`[scenario]`", "timezone", "time zone (IANA name)", '`"UTC"`'),
        ("`[scenario]`", "days", "integer 1..62", "required"),
        ("`[run]`", "seed", "integer >= 0", "`0`"),
        ("`[[regions]]`", "share", "number 0..1", "required"),
        ("`[[sites]]`", "languages", "list of strings", '`["any"]`'),
        (
            "`[[shifts]]`",
            "days",
            "list of weekdays",
            '`["mon", "tue", "wed", "thu", "fri", "sat", "sun"]`',
        ),
        ("`[[roster]]`", "days", "list of weekdays, or one date", "required"),
        ("`[optimizer]`", "verify", "table, see `[optimizer.verify]`", "all defaults"),
        ("`[[shifts]]`", "breaks", "array of tables, see `[[shifts.breaks]]`", "`[]`"),
        ("Top level", "format", "integer: 1", "required"),
        ("`[[contracts]]`", "min_rest", "duration 0s..168h", '`"11h"`'),
        ("`[[contracts]]`", "days_off", '"consecutive" \\| "any"', '`"consecutive"`'),
        (
            "`[[contracts]]`",
            "people",
            "table, or a table of them by site name, see `[contracts.people]`",
            "none",
        ),
        ("`[contracts.hours_per_week]`", "max", "duration 0s..168h", "none"),
        ("`[optimizer]`", "plan", '"people" \\| "shifts"', "none"),
        (
            "Top level",
            "roster",
            "array of tables, or a CSV path (string), see `[[roster]]`",
            "`[]`",
        ),
    ],
)
def test_types_and_defaults_as_a_planner_writes_them(
    section: str, key: str, kind: str, default: str
) -> None:
    row = row_of(section, key)
    assert row[1].startswith(kind), row
    assert row[2] == default, row


def test_main_prints_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    main()
    assert capsys.readouterr().out == format_reference()


def test_python_dash_m_prints_the_reference() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.docs"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=README.parent,
    )
    assert done.stdout == format_reference()
