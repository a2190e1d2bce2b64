"""Imports every command module beyond validate and simulate, so that each registers
its command on ``workbench.app.app`` (one module per command keeps them independent).
``--help`` lists the commands in the order they register: optimize right after simulate."""

# isort: off
from workbench import optimize_cmd  # noqa: F401

# isort: on
from workbench import (
    compare_cmd,  # noqa: F401
    forecast_cmd,  # noqa: F401
    headline_cmd,  # noqa: F401
    regress_cmd,  # noqa: F401
    report_cmd,  # noqa: F401
    sweep_cmd,  # noqa: F401
)
