"""Imports every command module beyond validate, simulate and optimize, so that each registers
its command on ``workbench.app.app`` (one module per command keeps them independent)."""
