"""SIGTERM, SIGHUP and Ctrl-C (SIGINT) end a command the same way: an :class:`Interrupted`
raised in the main thread unwinds it, so every output claimed so far is discarded (see
``simulation.output``) and pool workers are stopped, then the process exits with
``128 + signal number`` and one line on stderr.

Worker processes do not handle these signals themselves: they ignore SIGINT (the parent stops
them), take SIGTERM's default action, and are killed by the kernel when their parent dies
(``simulation.executors``).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import NoReturn

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """The command was stopped by a signal (not an ``Exception``: nothing may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + signal number (130 for Ctrl-C, 143 for SIGTERM)."""
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    for handled in HANDLED:  # a second signal must not cut the clean-up short
        signal.signal(handled, signal.SIG_IGN)
    raise Interrupted(signum)


def install() -> None:
    """Make the handled signals raise :class:`Interrupted` in this (the main) thread."""
    for handled in HANDLED:
        signal.signal(handled, _raise)


def restore() -> None:
    """Default handling of the handled signals again (after the command, and in tests)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def leave(code: int) -> NoReturn:
    """Exit at once with ``code`` once an :class:`Interrupted` has unwound the command (its
    outputs discarded, its workers killed): the interpreter's exit handlers are skipped, since
    the process pool's would write to the pipes of the workers just killed (a traceback on
    stderr) and an abandoned solver thread would keep the process alive."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
