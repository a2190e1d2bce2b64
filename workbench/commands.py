"""Imports every command module beyond validate, simulate and optimize, so that each registers
its command on ``workbench.app.app`` (one module per command keeps them independent)."""

from workbench import (
    compare_cmd,  # noqa: F401
    forecast_cmd,  # noqa: F401
    regress_cmd,  # noqa: F401
    report_cmd,  # noqa: F401
    sweep_cmd,  # noqa: F401
)
