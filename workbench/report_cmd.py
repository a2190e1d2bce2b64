"""``workbench report DIR``: write ``DIR/report.html`` (self-contained, works offline) and a PNG
of every chart into ``DIR/charts/``. Exit 2, with the reason and no traceback, when ``DIR`` is
missing, is not a run folder or cannot be written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.app import EXIT_BAD_INPUT, app, err_console, out_console


@app.command()
def report(
    directory: Annotated[
        Path, typer.Argument(help="Run folder written by workbench simulate or optimize.")
    ],
    png: Annotated[
        bool, typer.Option("--png/--no-png", help="Also write charts/<name>.png per chart.")
    ] = True,
) -> None:
    """Write DIR/report.html (KPIs, charts, scenario; Vega inlined, no network) and PNGs."""
    # imported here: Altair takes seconds to import, which no other command should pay
    from workbench.report import ReportError, write_report

    try:
        written = write_report(directory, png=png)
    except ReportError as error:
        err_console.print(f"{directory}: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for note in written.notes:
        err_console.print(
            f"{directory}: left out: {note}", markup=False, highlight=False, soft_wrap=True
        )
    pngs = f"; {len(written.pngs)} PNGs in {written.html.parent / 'charts'}" if written.pngs else ""
    out_console.print(f"report in {written.html}{pngs}", markup=False, highlight=False)
