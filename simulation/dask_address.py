"""The Dask scheduler that ``--address`` names, checked before any connection is tried.

``address`` is either a scheduler address, ``SCHEME://LOCATION`` (``tcp://10.0.0.5:8786``), or
the path of a scheduler file written by ``dask scheduler --scheduler-file FILE``: a small JSON
object whose ``address`` is such an address. Dask itself, given an empty or unfinished scheduler
file, polls it until its timeout and then fails with a traceback, and given a bare word it
resolves it as a host name for as long; here either is one line at once.
"""

from __future__ import annotations

import json
import os
import re
import stat

from simulation.executors import ExecutorError

SCHEMES: tuple[str, ...] = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
"""Communication schemes of Dask distributed."""

SCHEDULER_FILE_MAX_BYTES = 1 << 20
"""Largest scheduler file read [bytes] (Dask writes about 1 kB)."""

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<location>\S+)")
_HOST_PORT = re.compile(r"[\w.-]+:\d+|\[[0-9A-Fa-f:.]+\]:\d+")


def _url_problem(address: str) -> str | None:
    """What is wrong with ``address`` as a scheduler address, or None."""
    found = _URL.fullmatch(address)
    if found is None:
        if _HOST_PORT.fullmatch(address):
            return f"has no scheme; did you mean tcp://{address}?"
        return "is not an address such as tcp://HOST:PORT"
    if found.group("scheme").lower() not in SCHEMES:
        return f"has an unknown scheme {found.group('scheme')!r} (Dask knows {', '.join(SCHEMES)})"
    return None


def _read_scheduler_file(path: str) -> str:
    """The ``address`` of the scheduler file at ``path`` (a regular, small JSON file)."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise ExecutorError(
            f"Dask scheduler file {path} cannot be read: {error.strerror or error}"
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise ExecutorError(f"Dask scheduler file {path} is not a regular file")
    if status.st_size > SCHEDULER_FILE_MAX_BYTES:
        raise ExecutorError(
            f"Dask scheduler file {path} is {status.st_size:,} bytes, more than a scheduler "
            f"file holds (at most {SCHEDULER_FILE_MAX_BYTES:,})"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(SCHEDULER_FILE_MAX_BYTES + 1)
    except OSError as error:
        raise ExecutorError(
            f"Dask scheduler file {path} cannot be read: {error.strerror or error}"
        ) from None
    if not data.strip():
        raise ExecutorError(
            f"Dask scheduler file {path} is empty (has the scheduler finished starting?)"
        )
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ExecutorError(
            f"Dask scheduler file {path} is not JSON (dask scheduler --scheduler-file writes "
            'a JSON object such as {"address": "tcp://HOST:PORT", ...})'
        ) from None
    if not isinstance(document, dict) or "address" not in document:
        raise ExecutorError(
            f"Dask scheduler file {path} has no address (expected a JSON object with "
            '"address": "tcp://HOST:PORT")'
        )
    address = document["address"]
    if not isinstance(address, str):
        raise ExecutorError(
            f"Dask scheduler file {path}: address is not a string (got {type(address).__name__})"
        )
    problem = _url_problem(address)
    if problem is not None:
        raise ExecutorError(f"Dask scheduler file {path}: address {address!r} {problem}")
    return address


def scheduler_address(address: str) -> str:
    """The scheduler address that ``address`` names: ``address`` itself when it is
    ``SCHEME://LOCATION``, else the ``address`` of the scheduler file at that path.

    Raises ``ExecutorError`` (one line, naming the address or file) when it is neither: a bare
    word or ``HOST:PORT``, an unknown scheme, a missing, empty, oversized or non-regular
    scheduler file, one that is not JSON or has no string ``address``.
    """
    if "://" in address:
        problem = _url_problem(address)
        if problem is not None:
            raise ExecutorError(f"--address {address!r} {problem}")
        return address
    if os.path.lexists(address):
        return _read_scheduler_file(address)
    if address.endswith(".json"):
        raise ExecutorError(f"Dask scheduler file {address} not found")
    problem = _url_problem(address) or ""  # never None here: there is no "://"
    if problem.startswith("is not"):
        problem += ", nor a scheduler file (no such file)"
    raise ExecutorError(f"--address {address!r} {problem}")
