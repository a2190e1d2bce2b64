"""Reading input files: the one reader for the scenario file and every CSV it references, and
the record of the bytes a load read (``Sources``).

Only regular files are read, and only up to ``MAX_FILE_BYTES``: the file is opened without
blocking (a FIFO with no writer would otherwise wait forever), its type and size are checked on
the open descriptor before anything is read, and at most one byte more than the limit is read (a
file that grows meanwhile, or a device such as ``/dev/zero``, can never fill memory).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.problems import Collector

MAX_FILE_BYTES = 20_000_000
"""Largest input file read [bytes] (the scenario file and each CSV)."""

_CHUNK_BYTES = 1 << 20


@dataclass
class Sources:
    """The bytes of every file one load read, to hash and copy into a run folder: what ran,
    even if a file is edited while it runs.

    ``scenario``: the scenario file's bytes; ``inputs``: each CSV's bytes by its path as written
    in the scenario (relative to the scenario's folder, or absolute).
    """

    scenario: bytes = b""
    inputs: dict[str, bytes] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the scenario file's bytes."""
        return hashlib.sha256(self.scenario).hexdigest()


def read_bytes(path: Path, report: Collector, what: str = "file") -> bytes | None:
    """The bytes of the regular file ``path``, or None with the reason reported: missing,
    unreadable, a directory, not a regular file (a device, FIFO or socket), or larger than
    ``MAX_FILE_BYTES``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        report("(file)", f"{what} not found")
        return None
    except IsADirectoryError:
        report("(file)", f"is a directory, not a {what}")
        return None
    except OSError as exc:
        report("(file)", f"cannot read the {what}: {exc.strerror or exc}")
        return None
    except ValueError:  # e.g. a NUL character in a path written in the scenario
        report("(file)", f"is not a usable path for a {what}")
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            report("(file)", f"is a directory, not a {what}")
            return None
        if not stat.S_ISREG(info.st_mode):
            report("(file)", f"is not a regular file (a device, pipe or socket), not a {what}")
            return None
        if info.st_size > MAX_FILE_BYTES:
            report("(file)", f"is larger than {MAX_FILE_BYTES} bytes", info.st_size)
            return None
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, _CHUNK_BYTES))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        report("(file)", f"cannot read the {what}: {exc.strerror or exc}")
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        report("(file)", f"is larger than {MAX_FILE_BYTES} bytes (it grew while being read)")
        return None
    return data


def decode_text(data: bytes, report: Collector, what: str = "file") -> str | None:
    """``data`` as UTF-8 text without a byte-order mark, or None for non-UTF-8 or blank text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report(f"line {line}", "is not valid UTF-8 text", data[exc.start : exc.start + 4].hex())
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        report("(file)", f"the {what} is empty")
        return None
    return text


def read_text(
    path: Path,
    report: Collector,
    what: str = "file",
    sources: Sources | None = None,
    reference: str | None = None,
) -> str | None:
    """Read a UTF-8 text file (``read_bytes``, then ``decode_text``), reporting any problem.

    With ``sources``, the bytes read are recorded there: as the scenario when ``reference`` is
    None, else as the input ``reference`` (the path as written in the scenario).
    """
    data = read_bytes(path, report, what)
    if data is None:
        return None
    if sources is not None:
        if reference is None:
            sources.scenario = data
        else:
            sources.inputs[reference] = data
    return decode_text(data, report, what)
