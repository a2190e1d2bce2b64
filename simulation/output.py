"""Output folders and files on disk: claimed before the computing, written atomically, never
in place of anything this tool did not write.

One mechanism for every command that writes (simulate, optimize, compare, sweep, regress,
report):

- ``claim_output`` checks the destination **before** any replication runs: a symbolic link, a
  file, a read-only folder, a folder that cannot be created, a disk with too little free space,
  or an existing non-empty folder that ``recognise`` does not accept as an earlier output of
  this tool is refused with :class:`OutputError` (one line naming the path). An earlier output
  is replaced only with ``overwrite``. A default folder (``--out`` not given) is made unique by
  an atomic ``mkdir`` of the name, then ``-2``, ``-3``, ... so simultaneous runs never share one.
- The output is written into a temporary sibling ``.NAME.tmp-PID-N`` (holding a
  ``.workbench-partial`` mark) and renamed to ``NAME`` by :meth:`Output.commit` when complete.
  An interrupted or failing run removes the temporary folder; one killed outright (SIGKILL,
  power loss) leaves it, and the next run writing beside it removes every such leftover of a
  process that is no longer alive (and puts back a replaced folder ``.NAME.old-PID-N`` whose
  swap was cut short).
- ``write_file_atomic`` does the same for single files (regression summaries, reports).

JSON is written by ``json_text``: valid JSON, never ``NaN`` or ``Infinity`` (a missing figure is
``null``).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import math
import os
import re
import shutil
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

WRITTEN_BY = "staffing-workbench"
"""The ``written_by`` value of every manifest this tool writes: what ``--overwrite`` looks for."""

PARTIAL_MARK = ".workbench-partial"
"""File inside every temporary folder (its content: the writing process's PID and whether it
claimed the final name), so that only this tool's own leftovers are ever removed."""

MIN_FREE_BYTES = 1 << 20
"""Free space [bytes] a destination must have at the least, beyond the caller's estimate."""

LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)(?:-\d+)?$")
_serial = itertools.count(1)


class OutputError(Exception):
    """An output destination that cannot be used or written; ``str()`` is one line naming it."""


# --------------------------------------------------------------------------------------------
# JSON


def plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays made Python values and NaN/inf made ``None``."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def json_text(value: Any) -> str:
    """Indented JSON of ``value`` (see ``plain``), ending with a newline; never NaN/Infinity."""
    return json.dumps(plain(value), indent=2, allow_nan=False, default=str) + "\n"


# --------------------------------------------------------------------------------------------
# what is ours


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def entries(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, as relative POSIX paths (symlinks not followed)."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        found.extend((base / d).as_posix() for d in dirs)
        found.extend((base / f).as_posix() for f in files)
    return found


def _read_only(path: Path) -> bool:
    """No write permission for this process, or no write bit at all (so that a folder made
    read-only is respected even by root)."""
    mode = path.stat().st_mode
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _creatable(path: Path, what: str) -> Path:
    """The nearest existing ancestor of ``path``, checked to be a writable folder."""
    ancestor = path.parent
    while not ancestor.exists():
        if ancestor.is_symlink():
            raise OutputError(f"{what} {path}: {ancestor} is a broken symbolic link")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{what} {path}: cannot be created: {ancestor} is a file, not a folder")
    if _read_only(ancestor):
        raise OutputError(f"{what} {path}: cannot be created: {ancestor} is read-only")
    return ancestor


def _free_space(folder: Path, needed: int, what: str, path: Path) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    want = needed + MIN_FREE_BYTES
    if free < want:
        raise OutputError(
            f"{what} {path}: not enough free disk space ({free / 1e6:,.1f} MB free, about "
            f"{want / 1e6:,.1f} MB needed)"
        )


def clean_leftovers(parent: Path, recognise: Callable[[Path], bool]) -> list[Path]:
    """Remove this tool's leftovers in ``parent`` from processes no longer alive: temporary
    folders (holding ``PARTIAL_MARK``) with the empty placeholder they claimed, and replaced
    folders ``.NAME.old-PID`` (``recognise`` says they are ours) — put back as ``NAME`` when the
    swap was cut short, removed otherwise. Returns what it removed or restored."""
    done: list[Path] = []
    try:
        children = list(parent.iterdir())
    except OSError:
        return done
    for entry in children:
        match = LEFTOVER.match(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        final = parent / match["name"]
        try:
            if match["kind"] == "tmp":
                mark = entry / PARTIAL_MARK
                if not mark.is_file():
                    # killed between creating the folder and marking it: only if empty
                    if not any(entry.iterdir()):
                        entry.rmdir()
                        done.append(entry)
                    continue
                claimed = "claimed" in mark.read_text(errors="replace")
                shutil.rmtree(entry)
                if (
                    claimed
                    and final.is_dir()
                    and not final.is_symlink()
                    and not any(final.iterdir())
                ):
                    final.rmdir()
            elif recognise(entry):
                if final.exists() or final.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.rename(final)
            else:
                continue
        except OSError:
            continue
        done.append(entry)
    return done


# --------------------------------------------------------------------------------------------
# claiming and writing a folder


def check_destination(
    path: Path,
    overwrite: bool,
    recognise: Callable[[Path], bool],
    what: str = "--out",
) -> bool:
    """Check an output folder given by the user; True when it is an earlier output of this tool
    to be replaced (``overwrite``), False when it is new or an empty folder. Raises
    :class:`OutputError` for anything else."""
    if path.is_symlink():
        raise OutputError(f"{what} {path}: is a symbolic link; give the folder it points to")
    if not path.exists():
        _creatable(path, what)
        return False
    if not path.is_dir():
        raise OutputError(f"{what} {path}: is a file, not a folder")
    if _read_only(path):
        raise OutputError(f"{what} {path}: is read-only")
    if not any(path.iterdir()):
        _creatable(path, what)
        return False
    if path.resolve() == Path.cwd().resolve() or path.resolve() == Path(path.anchor).resolve():
        raise OutputError(f"{what} {path}: is the current or root folder; give a new folder")
    if not recognise(path):
        raise OutputError(
            f"{what} {path}: exists and holds files this tool did not write; give a new or "
            f"empty folder"
        )
    if not overwrite:
        raise OutputError(
            f"{what} {path}: holds an earlier output of this tool; pass --overwrite to replace it"
        )
    _creatable(path, what)
    return True


class Output:
    """A claimed output folder: fill :attr:`tmp`, then :meth:`commit`. Leaving the ``with``
    block without committing removes the temporary folder (and the claimed placeholder); an
    ``OSError`` while writing (disk full, ...) becomes an :class:`OutputError` naming it."""

    def __init__(self, final: Path, tmp: Path, replace: bool, claimed: bool, what: str) -> None:
        self.final = final
        self.tmp = tmp
        self.replace = replace
        self.claimed = claimed
        self.what = what
        self.committed = False

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.committed:
            return
        self.discard()
        if isinstance(error, OSError):
            raise self._error(error) from None

    def _error(self, error: OSError) -> OutputError:
        reason = error.strerror or str(error)
        return OutputError(f"{self.what} {self.final}: cannot write: {reason}; nothing written")

    def discard(self) -> None:
        """Remove what was written so far, and the placeholder of a claimed default name."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.claimed:
            with contextlib.suppress(OSError):
                self.final.rmdir()

    def commit(self, manifest: Mapping[str, Any] | None = None) -> Path:
        """Write ``manifest.json`` (with ``written_by`` and the list of ``files``, when
        ``manifest`` is given), then put the folder in place: renamed over the placeholder or
        the empty folder, or swapped with the earlier output it replaces."""
        try:
            if manifest is not None:
                files = sorted(
                    e for e in entries(self.tmp) if e != PARTIAL_MARK and (self.tmp / e).is_file()
                )
                document = {**manifest, "written_by": WRITTEN_BY, "files": files}
                with open(self.tmp / "manifest.json", "w", encoding="utf-8") as handle:
                    handle.write(json_text(document))
                    handle.flush()
                    os.fsync(handle.fileno())
            if self.replace:
                old = self.final.parent / f".{self.final.name}.old-{os.getpid()}-{next(_serial)}"
                self.final.rename(old)
                self.tmp.rename(self.final)
                shutil.rmtree(old)
            else:
                self.tmp.rename(self.final)
            (self.final / PARTIAL_MARK).unlink(missing_ok=True)
        except OSError as error:
            self.discard()
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise OutputError(
                    f"{self.what} {self.final}: was filled by another process during the run; "
                    f"nothing written"
                ) from None
            raise self._error(error) from None
        self.committed = True
        return self.final


def _make_tmp(final: Path, claimed: bool) -> Path:
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}-{next(_serial)}"
    tmp.mkdir()
    try:
        (tmp / PARTIAL_MARK).write_text(f"pid {os.getpid()}{' claimed' if claimed else ''}\n")
    except BaseException:  # a signal (or a full disk) between the two steps: leave nothing
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def claim_output(
    out: Path | None,
    default: Path,
    overwrite: bool = False,
    needed_bytes: int = 0,
    what: str = "--out",
    *,
    recognise: Callable[[Path], bool],
) -> Output:
    """Claim the folder a command will write, before it computes anything (module docstring).

    ``out`` is the user's ``--out`` (None for ``default``, made unique); ``needed_bytes`` the
    caller's estimate of what it will write. Raises :class:`OutputError`.
    """
    try:
        if out is not None:
            final = Path(out)
            replace = check_destination(final, overwrite, recognise, what)
            final.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(final.parent, recognise)
            _free_space(final.parent, needed_bytes, what, final)
            return Output(final, _make_tmp(final, claimed=False), replace, False, what)
        default = Path(default)
        _creatable(default, "output folder")
        default.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(default.parent, recognise)
        _free_space(default.parent, needed_bytes, "output folder", default)
        for n in itertools.count(1):
            final = default if n == 1 else default.with_name(f"{default.name}-{n}")
            tmp = _make_tmp(final, claimed=True)
            try:
                final.mkdir()
            except FileExistsError:
                shutil.rmtree(tmp, ignore_errors=True)
                continue
            return Output(final, tmp, False, True, "output folder")
    except OutputError:
        raise
    except OSError as error:
        where = error.filename or out or default
        raise OutputError(
            f"{what} {out or default}: cannot be written ({where}: {error.strerror or error})"
        ) from None
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------
# single files


def check_file_destination(
    path: Path, what: str, ours: Callable[[Path], bool] | None = None
) -> None:
    """Check a file the tool will (re)write: not a folder or a symbolic link, creatable, and
    when it exists, ``ours`` (when given) recognises it as written by this tool."""
    if path.is_symlink():
        raise OutputError(f"{what} {path}: is a symbolic link; give the file itself")
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a folder, not a file")
    if path.exists():
        if ours is not None and not ours(path):
            raise OutputError(f"{what} {path}: exists and was not written by this tool")
        if _read_only(path) or _read_only(path.parent):
            raise OutputError(f"{what} {path}: is read-only")
    else:
        _creatable(path, what)


def write_file_atomic(path: Path, data: bytes | str, what: str = "file") -> Path:
    """Write ``path`` through a temporary sibling renamed over it (never half-written); removes
    temporary siblings of dead processes first. Raises :class:`OutputError`."""
    path = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{next(_serial)}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for sibling in path.parent.glob(f".{glob_escape(path.name)}.tmp-*"):
            match = LEFTOVER.match(sibling.name)
            if match and sibling.is_file() and not pid_alive(int(match["pid"])):
                sibling.unlink(missing_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            f"{what} {path}: cannot write: {error.strerror or error}; nothing written"
        ) from None
    return path


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)
