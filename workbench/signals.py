"""SIGTERM, SIGHUP and Ctrl-C (SIGINT) end a command the same way: an :class:`Interrupted`
raised in the main thread unwinds it, so every output claimed so far is discarded (see
``simulation.output``) and pool workers are stopped, then the process exits with
``128 + signal number`` and one line on stderr.

Worker processes do not handle these signals themselves: they ignore SIGINT (the parent stops
them), take SIGTERM's default action, and are killed by the kernel when their parent dies
(``simulation.executors``).

A signal can arrive while Python runs code whose exceptions it cannot propagate: a callback
of ``os.fork`` (``logging`` registers some, and the pool forks its workers), a finaliser. Python
then drops the :class:`Interrupted` with an "Exception ignored" traceback and the command goes
on; :func:`install` sets a ``sys.unraisablehook`` that delivers such a signal again instead, to
be raised at the next point that can unwind.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
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


REDELIVER_S = 0.1
"""How long after Python dropped an :class:`Interrupted` its signal is sent again [s]: long
enough for the hook that saw it drop to have returned."""


def _raise(signum: int, frame: FrameType | None) -> None:
    for handled in HANDLED:  # a second signal must not cut the clean-up short
        signal.signal(handled, signal.SIG_IGN)
    if _in_hook(frame):  # it would be dropped again: later
        _send_later(signum)
        return
    raise Interrupted(signum)


def _in_hook(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code is _dropped.__code__:
            return True
        frame = frame.f_back
    return False


def _deliver_again(signum: int) -> None:
    time.sleep(REDELIVER_S)
    os.kill(os.getpid(), signum)


def _send_later(signum: int) -> None:
    """Send ``signum`` to this process again in :data:`REDELIVER_S`, handled by :func:`_raise`
    (armed last, so nothing can run it before this returns)."""
    threading.Thread(target=_deliver_again, args=(signum,), daemon=True).start()
    signal.signal(signum, _raise)


def _dropped(unraisable: sys.UnraisableHookArgs) -> None:
    """``sys.unraisablehook``: an :class:`Interrupted` that Python dropped is sent again (see
    :func:`_send_later`); every other unraisable exception goes to Python's own hook."""
    error = unraisable.exc_value
    if isinstance(error, Interrupted):
        _send_later(error.signum)
    else:
        sys.__unraisablehook__(unraisable)


def install() -> None:
    """Make the handled signals raise :class:`Interrupted` in this (the main) thread, also
    when the first delivery lands where Python cannot raise."""
    for handled in HANDLED:
        signal.signal(handled, _raise)
    sys.unraisablehook = _dropped


def restore() -> None:
    """Default handling of the handled signals again (after the command, and in tests)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    sys.unraisablehook = sys.__unraisablehook__


def interruption(error: BaseException) -> Interrupted | None:
    """The :class:`Interrupted` behind ``error``, if any: a C extension whose import a signal
    interrupted (highspy's, say) re-raises it as ``ImportError: initialization failed``, with
    the :class:`Interrupted` as its cause."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, Interrupted):
            return found
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return None


def leave(code: int) -> NoReturn:
    """Exit at once with ``code`` once an :class:`Interrupted` has unwound the command (its
    outputs discarded, its workers killed): the interpreter's exit handlers are skipped, since
    the process pool's would write to the pipes of the workers just killed (a traceback on
    stderr) and an abandoned solver thread would keep the process alive."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
