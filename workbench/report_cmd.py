"""``workbench report DIR``: write ``DIR/report.html`` (self-contained, works offline) and a PNG
of every chart into ``DIR/charts/``. Exit 2, with the reason and no traceback, when ``DIR`` is
missing, is not a run folder this tool wrote, already holds a report (without ``--overwrite``)
or cannot be written. Each file is written through a temporary sibling renamed into place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from simulation.output import OutputError, check_file_destination
from simulation.runfolder import read_manifest
from workbench.app import EXIT_BAD_INPUT, app, err_console, out_console


def _check_folder(directory: Path, overwrite: bool) -> None:
    """Exit 2 unless ``directory`` is a run folder this tool wrote whose report may be written:
    none yet, or ``overwrite``; and report.html can be written there."""

    def refuse(message: str) -> NoReturn:
        err_console.print(f"{directory}: {message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT)

    if directory.is_symlink():
        refuse("is a symbolic link; give the run folder itself")
    if not directory.is_dir():
        refuse("no such folder" if not directory.exists() else "not a folder")
    if read_manifest(directory) is None:
        refuse(
            "not a run folder written by workbench (its manifest.json is missing or not this "
            "tool's); give the folder that simulate, optimize or compare wrote"
        )
    if (directory / "report.html").exists() and not overwrite:
        refuse("already holds report.html; pass --overwrite to replace it")
    try:
        check_file_destination(directory / "report.html", "report")
    except OutputError as error:
        refuse(str(error))


@app.command()
def report(
    directory: Annotated[
        Path, typer.Argument(help="Run folder written by workbench simulate or optimize.")
    ],
    png: Annotated[
        bool, typer.Option("--png/--no-png", help="Also write charts/<name>.png per chart.")
    ] = True,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the folder's earlier report.")
    ] = False,
) -> None:
    """Write DIR/report.html (KPIs, charts, scenario; Vega inlined, no network) and PNGs."""
    _check_folder(directory, overwrite)
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
