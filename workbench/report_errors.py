"""The one error of ``workbench report``: the command prints it on one line and exits 2."""


class ReportError(Exception):
    """The folder is missing, is not a run folder, or holds a file that cannot be read."""
