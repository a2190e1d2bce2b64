"""``--help`` of every command shows its help texts as written.

typer renders help as rich markup, which would take ``[run] replications`` for a style tag and
drop it (``Replications (default: ).``); ``workbench.usage.OneLineErrors`` escapes them.
"""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from workbench.cli import app

WIDE = {"COLUMNS": "400", "TERMINAL_WIDTH": "400"}
"""Wide enough that no help text is wrapped over two lines of its panel."""

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]

BRACKETED = {
    "simulate": ["[run] replications", "[run] seed"],
    "compare": ["[run] replications", "[run] seed"],
    "sweep": ["[run] replications", "[run] seed"],
    "optimize": ["[optimizer] max_iterations"],
}
"""Key names in square brackets that a command's help must show."""


def help_of(*args: str) -> str:
    """The output of ``workbench ARGS --help``, whitespace runs collapsed to one space."""
    result = CliRunner().invoke(app, [*args, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def test_every_command_is_covered() -> None:
    assert set(BRACKETED) <= set(COMMANDS)
    assert {"validate", "simulate", "optimize", "regress", "report"} <= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_every_text_as_written(command: str | None) -> None:
    shown = help_of(*([command] if command else []))
    assert "(default: )" not in shown
    assert "default: ." not in shown
    assert "()" not in shown
    for key in BRACKETED.get(command or "", []):
        assert key in shown, f"{key!r} missing from the help of {command}:\n{shown}"
    group = typer.main.get_command(app)
    target = group.commands[command] if command else group  # type: ignore[attr-defined]
    for param in target.params:
        text = getattr(param, "help", None)
        if text:
            written = " ".join(re.sub(r"\\\[", "[", text).split())  # as the source has it
            assert written in shown, f"{param.name}: {written!r} not shown:\n{shown}"
