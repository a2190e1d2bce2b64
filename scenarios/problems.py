"""Problems found in an input file, and the error that carries all of them at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_MISSING = object()


def show_value(value: Any, limit: int = 60) -> str:
    """Render a value the way a planner wrote it in TOML, shortened to ``limit`` characters.

    Bounded for any value: containers are rendered only until ``limit`` characters are reached
    (a document nested thousands of levels deep shows its first few).
    """
    text = _render(value, limit + 1).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(value: Any, budget: int) -> str:
    """``value`` as TOML text, stopping once ``budget`` characters are written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value[:budget].replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        opening, closing = "{ ", " }"
        items: Iterable[Any] = value.items()
    elif isinstance(value, list | tuple):
        opening, closing = "[", "]"
        items = value
    else:
        return repr(value)
    parts = [opening]
    used = len(opening)
    for index, item in enumerate(items):
        if used > budget:
            parts.append("...")
            break
        if isinstance(value, dict):
            key, item = item
            piece = f"{key} = {_render(item, budget - used)}"
        else:
            piece = _render(item, budget - used)
        piece = (", " if index else "") + piece
        parts.append(piece)
        used += len(piece)
    parts.append(closing)
    return "".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``path`` is the key path inside the file (``channels.voice.handle_time.mean``; list rows are
    named by their ``name`` where they have one, else by their 0-based index ``[2]``).
    A ``warning`` does not stop the file from loading (e.g. a language no site speaks: the
    simulation shows those contacts unanswered, the optimizer reports it as infeasible).
    """

    file: str
    path: str
    message: str
    value: Any = _MISSING
    warning: bool = False

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.warning else self.message
        text = f"{self.file}: {self.path}: {message}"
        if self.value is not _MISSING:
            text += f" (got {show_value(self.value)})"
        return text.replace("\r", "\\r").replace("\n", "\\n")  # one problem, one line


class ScenarioError(Exception):
    """Raised when a scenario cannot be loaded; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Collector:
    """Collects the problems of one file: ``report(path, message, value)`` for one that stops it
    from loading, ``report.warn(...)`` for one that does not.

    ``echo=False`` is for files the scenario references (CSVs): their values are never recorded,
    so a message names the file, line and column but never repeats what the file holds (a
    scenario could point ``forecast`` at a file of secrets).
    """

    def __init__(self, file: str, echo: bool = True) -> None:
        self.file = file
        self.echo = echo
        self.problems: list[Problem] = []

    def __call__(self, path: str, message: str, value: Any = _MISSING) -> None:
        self.problems.append(Problem(self.file, path, message, self._shown(value)))

    def warn(self, path: str, message: str, value: Any = _MISSING) -> None:
        """Record a problem that does not stop the file from loading."""
        self.problems.append(Problem(self.file, path, message, self._shown(value), warning=True))

    def _shown(self, value: Any) -> Any:
        return value if self.echo else _MISSING
