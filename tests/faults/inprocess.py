"""The command line run in this process (typer's ``CliRunner``), for the fault tests."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()


def invoke(args: list[str], cwd: Path | None = None) -> tuple[int, str]:
    """Run the CLI in-process (in ``cwd``); exit code and stderr+stdout. An exception other
    than an exit is a failure of the test."""
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = runner.invoke(app, args)
    finally:
        os.chdir(old)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), f"{args}: {result.exception!r}"
    return result.exit_code, result.output
