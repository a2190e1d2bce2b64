"""Keep the libraries' own chatter (warnings, log records) off the command line's stderr.

pandas, NumPy, PuLP, HiGHS, pydantic, Altair and Dask warn about things a planner cannot act
on (a date format pandas had to guess, a deprecation in a dependency, a Dask worker restarting);
on stderr those lines bury the tool's own messages, which are the problems to fix (printed by
``workbench.app``, never through ``warnings`` or ``logging``). ``quiet_libraries`` is called
once when the ``workbench`` command starts (``workbench.cli.main``), never on import, so that
code using the library API keeps Python's usual warnings.

``WORKBENCH_DEBUG=1`` keeps everything as Python and the libraries set it (warnings shown once
per place, Dask's log records at its configured level), for a developer chasing a problem. An
explicit ``python -W ...`` or ``PYTHONWARNINGS`` is honoured too.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import MutableMapping

DEBUG_VARIABLE = "WORKBENCH_DEBUG"
"""Environment variable that, set to 1, leaves library warnings and logs on."""

DASK_LOGGERS: tuple[str, ...] = (
    "distributed",
    "distributed.client",
    "distributed.gc",
    "distributed.scheduler",
    "distributed.nanny",
    "distributed.worker",
    "bokeh",
    "tornado",
    "tornado.application",
)
"""Loggers that Dask configures (``logging`` in its configuration) with handlers of their own."""

NOISY_LOGGERS: tuple[str, ...] = (*DASK_LOGGERS, "asyncio", "pulp", "highspy")
"""Loggers of the libraries that may log warnings to stderr."""


def debugging(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Whether ``WORKBENCH_DEBUG`` asks for library warnings and logs."""
    return environ.get(DEBUG_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def quiet_libraries(environ: MutableMapping[str, str] = os.environ) -> None:
    """Ignore library warnings and silence the libraries' loggers in this process and in the
    worker processes it starts later (a Dask ``LocalCluster`` spawns fresh interpreters: they
    read ``PYTHONWARNINGS`` and Dask's ``DASK_LOGGING__*`` from the environment); nothing when
    ``debugging()``."""
    if debugging(environ):
        return
    if not sys.warnoptions:  # no -W option and no PYTHONWARNINGS: the user asked for nothing
        warnings.simplefilter("ignore")
        environ["PYTHONWARNINGS"] = "ignore"
    # Dask sets its loggers' levels from its configuration when ``distributed`` is imported
    # (here later, lazily, and in every worker process): ``DASK_LOGGING`` replaces it
    levels = ", ".join(f"{name!r}: 'critical'" for name in DASK_LOGGERS)
    environ.setdefault("DASK_LOGGING", "{" + levels + "}")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # a record of a logger without a handler would reach stderr through logging.lastResort
    logging.getLogger().addHandler(logging.NullHandler())
