"""The ``workbench`` console entry point: the signal handlers are installed before the heavy
imports (pandas, SciPy, PuLP take seconds), so a SIGTERM that arrives while the tool is still
starting is handled like any other (exit 143, one line) instead of killing it half-way."""

from __future__ import annotations

import sys

from workbench import signals


def main() -> None:
    """Install the handlers, then run the command line (``workbench.cli.main``)."""
    signals.install()
    try:
        from workbench.cli import main as cli_main

        cli_main()
    except Exception as error:  # an import that a signal interrupted (signals.interruption)
        stop = signals.interruption(error)
        if stop is None:
            raise
        _stopped(stop)
    except signals.Interrupted as stop:
        _stopped(stop)


def _stopped(stop: signals.Interrupted) -> None:
    print(f"workbench: stopped by {stop.name}; unfinished outputs removed", file=sys.stderr)
    signals.leave(stop.exit_code)


if __name__ == "__main__":
    main()
