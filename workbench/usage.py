"""Command-line usage errors as one line: ``workbench COMMAND: what is wrong (got VALUE)``.

Typer shows a usage error (an unknown option, a value out of its range, ``--address`` without
``--executor dask``) as a usage line, a hint and a boxed panel, wrapped to 80 columns when stderr
is not a terminal: a CI log then holds the message cut over several lines. ``OneLineErrors`` is
the ``workbench`` command group; it prints every such error as one unwrapped line, like every
other problem the tool reports, and exits with the error's code (2 for usage errors).

``--help`` shows every help text as written: typer renders them as rich markup, which takes
``[run] replications`` or ``[optimizer]`` for a style tag and drops it (``Replications (default:
).``); ``OneLineErrors`` escapes the help of the group, its commands and their options first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.markup import escape

# typer 0.29 vendors click; of its exceptions it re-exports only BadParameter
from typer._click.core import Command, Context
from typer._click.exceptions import ClickException
from typer.core import TyperGroup


def one_line(error: ClickException) -> str:
    """``COMMAND PATH: message; see 'COMMAND PATH --help'`` on a single line."""
    message = " ".join(error.format_message().split()).rstrip(".")
    ctx = getattr(error, "ctx", None)
    if ctx is None:
        return f"workbench: {message}"
    return f"{ctx.command_path}: {message}; see '{ctx.command_path} --help'"


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Print a click error raised in the block as ``one_line`` and exit with its code."""
    try:
        yield
    except ClickException as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # help was shown: typer exits 2
            raise
        from workbench.app import err_console

        err_console.print(one_line(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None


def shown_as_written(command: Command) -> None:
    """Escape the rich markup in the help of ``command``, its options and arguments, and of
    every command under it, so that ``--help`` shows square brackets as written."""
    for name in ("help", "short_help", "epilog"):
        text = getattr(command, name, None)
        if isinstance(text, str):
            setattr(command, name, escape(text))
    for param in command.params:
        text = getattr(param, "help", None)
        if isinstance(text, str):
            param.help = escape(text)  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        shown_as_written(sub)


class OneLineErrors(TyperGroup):
    """The ``workbench`` group: usage errors of the group and of every command, one line; help
    texts shown as written (``shown_as_written``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shown_as_written(self)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        with one_line_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with one_line_errors():
            return super().invoke(ctx)
