"""Problems found in an input file, and the error that carries all of them at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

_MISSING = object()


def show_value(value: Any, limit: int = 60) -> str:
    """Render a value the way a planner wrote it in TOML, shortened to ``limit`` characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {show_value(v, limit)}" for k, v in value.items()) + " }"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(show_value(v, limit) for v in value) + "]"
    else:
        text = repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
